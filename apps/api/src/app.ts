import type { SigningPool } from '@pulsegap/anonymity';
import type { Config } from '@pulsegap/config';
import type { Database } from '@pulsegap/db';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import auth from './plugins/auth.js';
import database from './plugins/database.js';
import jsonBody from './plugins/json-body.js';
import keys from './plugins/keys.js';
import metrics from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import problem from './plugins/problem.js';
import roomBus from './plugins/room-bus.js';
import security from './plugins/security.js';
import web from './plugins/web.js';
import auditRoutes from './routes/audit/index.js';
import decisionRoutes from './routes/decisions/index.js';
import authRoutes from './routes/auth/index.js';
import devRoutes from './routes/dev/index.js';
import inviteRoutes from './routes/invite/index.js';
import itemRoutes from './routes/items/index.js';
import responseRoutes from './routes/responses/index.js';
import roomRoutes from './routes/room/index.js';
import sessionRoutes from './routes/sessions/index.js';
import health from './routes/health/index.js';
import peopleRoutes from './routes/people/index.js';
import priorityRoutes from './routes/priorities/index.js';
import pulseRoutes from './routes/pulses/index.js';
import runRoutes from './routes/runs/index.js';
import settingsRoutes from './routes/settings/index.js';
import teamRoutes from './routes/teams/index.js';
import userRoutes from './routes/users/index.js';

/** What the app needs from the process that hosts it. */
export interface AppOptions {
  readonly config: Config;
  readonly db: Kysely<Database>;
  /** Where the rate limits are counted, shared by every replica (default: in memory). */
  readonly redis?: Redis;
  /** Folder of the built pages (defaults to apps/web/dist). */
  readonly webRoot?: string;
  /** Threads for blind signatures, closed by the caller (default: `SIGNING_THREADS`, closed with the app). */
  readonly signingPool?: SigningPool;
  /** Where the HTTP metrics go, served by the process on its own listener (default: a registry of the app's own). */
  readonly metrics?: Registry;
}

/** The whole service as one Fastify plugin: the process that registers it decides how to run it. */
export default async function app(fastify: FastifyInstance, options: AppOptions): Promise<void> {
  // Bodies are JSON, or CSV where a route says so; Fastify's default text/plain parser would
  // hand any other route a string (and the roster import would read it as CSV), not a 415.
  fastify.removeContentTypeParser('text/plain');
  // First, so its hook sees every answer, errors and not-found included.
  await fastify.register(
    metrics,
    options.metrics === undefined ? {} : { registry: options.metrics },
  );
  await fastify.register(jsonBody);
  await fastify.register(problem);
  await fastify.register(security, {
    allowPlainHttp: options.config.allowPlainHttp,
    redisPrefix: options.config.queuePrefix,
    ...(options.redis === undefined ? {} : { redis: options.redis }),
  });
  await fastify.register(openapi);
  await fastify.register(auth, { secret: options.config.jwtSecret });
  await fastify.register(database, { db: options.db });
  await fastify.register(keys, {
    config: options.config,
    ...(options.signingPool === undefined ? {} : { signingPool: options.signingPool }),
  });
  await fastify.register(roomBus, {
    prefix: options.config.queuePrefix,
    ...(options.redis === undefined ? {} : { redis: options.redis }),
  });

  await fastify.register(health);
  await fastify.register(
    async (api) => {
      await api.register(authRoutes);
      await api.register(userRoutes);
      await api.register(peopleRoutes);
      await api.register(teamRoutes);
      await api.register(priorityRoutes);
      await api.register(pulseRoutes);
      await api.register(runRoutes);
      await api.register(inviteRoutes);
      await api.register(responseRoutes);
      await api.register(settingsRoutes);
      await api.register(auditRoutes);
      await api.register(decisionRoutes);
      await api.register(sessionRoutes);
      await api.register(roomRoutes);
      await api.register(itemRoutes);
      if (!options.config.production) await api.register(devRoutes);
      api.get('/openapi.json', { schema: { hide: true } }, () => fastify.swagger());
    },
    { prefix: '/api/v1' },
  );
  await fastify.register(web, options.webRoot === undefined ? {} : { root: options.webRoot });
}
