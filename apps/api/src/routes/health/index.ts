import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LATEST_MIGRATION, schemaIsCurrent } from '@pulsegap/db';
import Type from 'typebox';
import { problems } from '../../schemas.js';
import { sendProblem } from '../../plugins/problem.js';

const Status = Type.Object({ status: Type.Literal('ok') });

/**
 * `/health`: the process runs. `/ready`: the database answers and is migrated for this
 * build. Redis is not asked: the API takes requests without it (work waits in the outbox),
 * so an outage of Redis must not take every API replica out of service.
 */
const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/health', { schema: { hide: true, response: { 200: Status } } }, () => ({
    status: 'ok' as const,
  }));
  fastify.get(
    '/ready',
    { schema: { hide: true, response: { 200: Status, ...problems(503) } } },
    async (_request, reply) => {
      const notReady = (detail: string) =>
        sendProblem(reply, {
          status: 503,
          title: 'Service Unavailable',
          detail: `Not ready: ${detail}`,
          code: 'PG_ERR_NOT_READY',
        });
      let schema: Awaited<ReturnType<typeof schemaIsCurrent>>;
      try {
        schema = await withTimeout(schemaIsCurrent(fastify.db), 2000);
      } catch {
        return notReady('database unreachable.');
      }
      if (!schema.current) {
        return notReady(
          `database not migrated for this build (at ${schema.version ?? 'none'}, needs ${LATEST_MIGRATION}): run npm run migrate.`,
        );
      }
      return { status: 'ok' as const };
    },
  );
};

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('timed out'));
    }, ms);
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
    });
  });
}

export default health;
