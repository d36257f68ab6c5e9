import { loadConfig, stopOnSignals } from '@pulsegap/config';
import { openDatabase } from '@pulsegap/db';
import {
  createJobContext,
  createJobMetrics,
  createMetricsRegistry,
  registerServiceMetrics,
  startBullmqRuntime,
  startSignalsServer,
} from '@pulsegap/jobs';
import pino from 'pino';
import { readiness } from './readiness.js';

// `npm run worker`: relays the outbox to BullMQ and runs the job handlers. Any number of
// these may run side by side; each closes its workers and connections on SIGTERM/SIGINT.
const config = loadConfig('server');
const logger = pino({ level: config.logLevel });
const database = await openDatabase(config);
const registry = createMetricsRegistry();
const runtime = startBullmqRuntime({
  context: createJobContext(config, database.db, createJobMetrics(registry)),
  redisUrl: config.redisUrl ?? 'redis://127.0.0.1:6379',
  prefix: config.queuePrefix,
  logger,
  lockDurationMs: config.jobLockMs,
});
registerServiceMetrics(registry, {
  db: database.db,
  poolStats: () => database.poolStats(),
  queueDepths: () => runtime.queueDepths(),
});
// Liveness, readiness and the worker's metrics, for the kubelet and Prometheus.
const health = await startSignalsServer({
  host: config.host,
  port: config.workerHealthPort,
  registry,
  token: config.metricsToken,
  probes: {
    '/healthz': () => ({ ok: true }),
    '/readyz': () => readiness(database.db, runtime),
  },
});
logger.info({ healthPort: health.port }, 'worker started');

// In order: the runtime stops taking jobs and lets those under way finish (bounded), then
// the pool closes, and the health listener last (until then /readyz says it is stopping).
// A job still running at the deadline is cut off with the process; BullMQ hands it to
// another worker once its lock lapses.
stopOnSignals(async () => {
  await runtime.close();
  await database.close();
  await health.close();
}, logger);
