import { loadConfig, stopOnSignals } from '@pulsegap/config';
import { openDatabase } from '@pulsegap/db';
import { createJobContext, startBullmqRuntime } from '@pulsegap/jobs';
import pino from 'pino';

// `npm run worker`: relays the outbox to BullMQ and runs the job handlers. Any number of
// these may run side by side; each closes its workers and connections on SIGTERM/SIGINT.
const config = loadConfig('server');
const logger = pino({ level: config.logLevel });
const database = await openDatabase(config);
const runtime = startBullmqRuntime({
  context: createJobContext(config, database.db),
  redisUrl: config.redisUrl ?? 'redis://127.0.0.1:6379',
  prefix: config.queuePrefix,
  logger,
  lockDurationMs: config.jobLockMs,
});
logger.info('worker started');

// A job still running at the deadline is cut off with the process; BullMQ hands it to
// another worker once its lock lapses.
stopOnSignals(async () => {
  await runtime.close();
  await database.close();
}, logger);
