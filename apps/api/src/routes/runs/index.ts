import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  closeRun,
  enqueueJob,
  findRun,
  listSegmentKeys,
  organizationOfRun,
  recordAudit,
  withTenant,
} from '@pulsegap/db';
import { isRunOpen } from '@pulsegap/domain';
import { releaseRunRequest, remindNow } from '@pulsegap/jobs';
import Type from 'typebox';
import { conflict, notFound } from '../../errors.js';
import { IdParams, ListOf, Nullable, problems, Timestamp, Uuid } from '../../schemas.js';
import brief from './brief.js';
import collisions from './collisions.js';
import comments from './comments.js';
import exportCsv from './export-csv.js';
import gaps from './gaps.js';

const SegmentKeyItem = Type.Object({
  keyId: Uuid,
  // Ids only: the list is public, and a team's name is the organization's to tell.
  segment: Type.Object({
    teamId: Nullable(Uuid),
    tier: Type.Union([Type.Literal('leadership'), Type.Literal('frontline')]),
  }),
  fingerprint: Type.String(),
});

/** A run's life (close early), its public keys, and the reports served from its release. */
const runs: FastifyPluginAsyncTypebox = async (fastify) => {
  for (const report of [gaps, collisions, comments, brief, exportCsv]) {
    await fastify.register(report);
  }

  fastify.get(
    '/runs/:id/keys',
    {
      logLevel: 'silent',
      schema: {
        tags: ['answering'],
        security: [],
        description:
          'The run’s segment keys with their fingerprints, public, so anyone can check that everybody in a segment got the same key.',
        params: IdParams,
        response: { 200: ListOf(SegmentKeyItem), ...problems(400, 404) },
      },
    },
    async (request) => {
      const organizationId = await organizationOfRun(fastify.db, request.params.id);
      if (organizationId === null) throw notFound('The run');
      return withTenant(fastify.db, organizationId, async (trx) => {
        const keys = await listSegmentKeys(trx, request.params.id);
        return {
          items: keys.map((k) => ({
            keyId: k.id,
            segment: { teamId: k.segmentTeamId, tier: k.segmentTier },
            fingerprint: k.fingerprint,
          })),
        };
      });
    },
  );

  fastify.post(
    '/runs/:id/close',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['runs'],
        description:
          'Closes the run now: it takes no more answers, and its figures, comments and brief are released once, in a moment.',
        params: IdParams,
        response: {
          200: Type.Object({ id: Uuid, closedAt: Timestamp }),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) =>
      fastify.tenant(request, async (trx) => {
        const run = await findRun(trx, request.params.id);
        if (run === null) throw notFound('The run');
        const now = new Date();
        if (!isRunOpen(run, now) || !(await closeRun(trx, run.id, now))) {
          throw conflict('PG_ERR_RUN_CLOSED', 'The run is already closed.');
        }
        // Released by a worker at once, as a run that reaches its deadline is.
        await enqueueJob(trx, releaseRunRequest(request.auth.organizationId, run.id));
        await recordAudit(trx, request.auth.organizationId, {
          actorUserId: request.auth.userId,
          action: 'run.closed',
          subject: `run/${run.id}`,
          detail: { closedAt: now.toISOString(), closesAt: run.closesAt.toISOString() },
        });
        return { id: run.id, closedAt: now };
      }),
  );

  fastify.post(
    '/runs/:id/reminders',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['runs'],
        description:
          'Reminds now those invited who have not collected a token (never anyone who has; the message says nothing of who answered). At most once a day per run, counting every reminder that went out (409 `PG_ERR_REMINDER_TOO_SOON` with `nextAllowedAt`); only while the run is open (409 `PG_ERR_RUN_CLOSED`). Outside the organization’s sending hours it waits for the next opening (`sendsAt`); if that is after the run closes, 409 `PG_ERR_OUTSIDE_SENDING_HOURS`.',
        params: IdParams,
        response: {
          202: Type.Object({
            queued: Type.Integer({ description: 'How many it will reach.' }),
            sendsAt: Timestamp,
          }),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const asked = await fastify.tenant(request, (trx) =>
        remindNow(
          trx,
          request.auth.organizationId,
          request.params.id,
          new Date(),
          request.auth.userId,
        ),
      );
      return reply.code(202).send(asked);
    },
  );
};

export default runs;
