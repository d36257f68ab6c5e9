import { mkdirSync } from 'node:fs';
import { deriveKey, loadConfig, stopOnSignals } from '@pulsegap/config';
import { openDatabase } from '@pulsegap/db';
import {
  createJobContext,
  createJobMetrics,
  createMetricsRegistry,
  registerServiceMetrics,
  startInProcessRuntime,
  startSignalsServer,
} from '@pulsegap/jobs';
import { DEMO_LOGINS, seedDemo } from './demo/seed.js';
import { closeHttpServer, createHttpServer } from './http-server.js';

// `npm start`: everything in one process on the embedded database, with the demo
// organization, so a newcomer sees real figures within a minute.
const config = loadConfig('embedded');
if (config.appDatabaseUrl === null) mkdirSync(config.dataDir, { recursive: true });
const database = await openDatabase(config);
const registry = createMetricsRegistry();
// No queues here (jobs run in this process) and, on PGlite, no pool: the outbox's backlog
// and the jobs' durations are what there is to report.
registerServiceMetrics(registry, { db: database.db, poolStats: () => database.poolStats() });
const server = await createHttpServer({ config, db: database.db, metrics: registry });
const jobs = startInProcessRuntime({
  context: createJobContext(config, database.db, createJobMetrics(registry)),
  logger: server.log,
});
server.addHook('onClose', async () => {
  await jobs.close();
  await database.close();
});

await seedDemo(database.db, {
  invitationKey: deriveKey(config, 'invitation-secrets'),
  segmentKeySealing: deriveKey(config, 'segment-key-sealing'),
});
await jobs.drain();
await server.listen({ port: config.port, host: config.host });
// Only when METRICS_PORT is set: the demo needs no metrics.
const signals =
  config.metricsPort === null
    ? null
    : await startSignalsServer({
        host: config.host,
        port: config.metricsPort,
        registry,
        token: config.metricsToken,
      });

const url = `http://localhost:${config.port}/`;
console.log(`
Pulsegap is running at ${url}
  HR admin:   ${DEMO_LOGINS.admin}
  Executive:  ${DEMO_LOGINS.executive}
  Password:   ${DEMO_LOGINS.password}   (demo logins: they exist only in this embedded demo)
Data is kept in ${config.appDatabaseUrl === null ? config.dataDir : 'the configured database'}. Stop with Ctrl+C.
`);

stopOnSignals(async (deadlineMs) => {
  await closeHttpServer(server, deadlineMs);
  await signals?.close();
}, server.log);
