import { loadConfig, stopOnSignals } from '@pulsegap/config';
import { openDatabase } from '@pulsegap/db';
import { Redis } from 'ioredis';
import { closeHttpServer, createHttpServer } from './http-server.js';

// `npm run api`: the stateless API as the application role; jobs go through the outbox
// to the workers. Any number of these may run side by side.
const config = loadConfig('server');
const database = await openDatabase(config);
// Only for the rate limits, shared by every replica; an outage of Redis skips them.
const redis = new Redis(config.redisUrl ?? 'redis://127.0.0.1:6379', {
  connectTimeout: 500,
  maxRetriesPerRequest: 1,
});
redis.on('error', () => undefined);
const server = await createHttpServer({ config, db: database.db, redis });
server.addHook('onClose', async () => {
  redis.disconnect();
  await database.close();
});
await server.listen({ port: config.port, host: config.host });

stopOnSignals((deadlineMs) => closeHttpServer(server, deadlineMs), server.log);
