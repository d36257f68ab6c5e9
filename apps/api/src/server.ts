import { loadConfig } from '@pulsegap/config';
import { openDatabase } from '@pulsegap/db';
import { createHttpServer } from './http-server.js';

// `npm run api`: the stateless API as the application role; jobs go through the outbox
// to the workers. Any number of these may run side by side.
const config = loadConfig('server');
const database = await openDatabase(config);
const server = await createHttpServer({ config, db: database.db });
server.addHook('onClose', async () => {
  await database.close();
});
await server.listen({ port: config.port, host: config.host });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.log.info({ signal }, 'shutting down');
    void server.close().then(() => process.exit(0));
  });
}
