import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import Type from 'typebox';
import { problems } from '../../schemas.js';
import { sendProblem } from '../../plugins/problem.js';

/** A check of one dependency: resolves when it answers. */
export type ReadinessCheck = () => Promise<void>;

const Status = Type.Object({ status: Type.Literal('ok') });

/** `/health`: the process runs. `/ready`: the database (and Redis, where used) answer. */
const health: FastifyPluginAsyncTypebox<{ checks: Record<string, ReadinessCheck> }> = async (
  fastify,
  options,
) => {
  fastify.get('/health', { schema: { hide: true, response: { 200: Status } } }, () => ({
    status: 'ok' as const,
  }));
  fastify.get(
    '/ready',
    { schema: { hide: true, response: { 200: Status, ...problems(503) } } },
    async (_request, reply) => {
      const checks: Record<string, ReadinessCheck> = {
        database: async () => {
          await sql`select 1`.execute(fastify.db);
        },
        ...options.checks,
      };
      const failed: string[] = [];
      await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await withTimeout(check(), 2000);
          } catch {
            failed.push(name);
          }
        }),
      );
      if (failed.length > 0) {
        return sendProblem(reply, {
          status: 503,
          title: 'Service Unavailable',
          detail: `Not ready: ${failed.sort().join(', ')} unreachable.`,
          code: 'PG_ERR_NOT_READY',
        });
      }
      return { status: 'ok' as const };
    },
  );
};

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
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
