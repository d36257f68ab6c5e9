import { loadConfig } from '@pulsegap/config';
import { openDatabase } from '@pulsegap/db';
import { Redis } from 'ioredis';
import { createHttpServer } from './http-server.js';

// `npm run api`: the stateless API as the application role; jobs go through the outbox
// to the workers. Any number of these may run side by side.
const config = loadConfig('server');
const database = await openDatabase(config);
const redis = new Redis(config.redisUrl ?? 'redis://127.0.0.1:6379', {
  lazyConnect: true,
  maxRetriesPerRequest: 1,
});
redis.on('error', () => {
  // Readiness reports an unreachable Redis; the API keeps serving meanwhile.
});
const server = await createHttpServer({
  config,
  db: database.db,
  readinessChecks: {
    redis: async () => {
      await redis.ping();
    },
  },
});
server.addHook('onClose', async () => {
  redis.disconnect();
  await database.close();
});
await server.listen({ port: config.port, host: config.host });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.log.info({ signal }, 'shutting down');
    void server.close().then(() => process.exit(0));
  });
}
