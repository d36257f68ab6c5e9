import { loadConfig, stopOnSignals } from '@pulsegap/config';
import { openDatabase } from '@pulsegap/db';
import {
  createMetricsRegistry,
  openQueueInspector,
  registerServiceMetrics,
  startSignalsServer,
} from '@pulsegap/jobs';
import { Redis } from 'ioredis';
import { closeHttpServer, createHttpServer } from './http-server.js';

// `npm run api`: the stateless API as the application role; jobs go through the outbox
// to the workers. Any number of these may run side by side.
const config = loadConfig('server');
const database = await openDatabase(config);
// Only for the rate limits, shared by every replica, and the queue depths of /metrics; an
// outage of Redis skips the limits.
const redis = new Redis(config.redisUrl ?? 'redis://127.0.0.1:6379', {
  connectTimeout: 500,
  maxRetriesPerRequest: 1,
});
redis.on('error', () => undefined);
const registry = createMetricsRegistry();
const queues = openQueueInspector(redis);
registerServiceMetrics(registry, {
  db: database.db,
  poolStats: () => database.poolStats(),
  queueDepths: () => queues.depths(),
});
const server = await createHttpServer({ config, db: database.db, redis, metrics: registry });
server.addHook('onClose', async () => {
  await queues.close();
  redis.disconnect();
  await database.close();
});
await server.listen({ port: config.port, host: config.host });
// /metrics on a port of its own, which the Service does not expose (see infra/README.md).
const signals =
  config.metricsPort === null
    ? null
    : await startSignalsServer({
        host: config.host,
        port: config.metricsPort,
        registry,
        token: config.metricsToken,
      });

// In order: the public port stops taking requests and finishes those under way, then Redis
// and the pool close (the app's onClose), and the metrics listener last.
stopOnSignals(async (deadlineMs) => {
  await closeHttpServer(server, deadlineMs);
  await signals?.close();
}, server.log);
