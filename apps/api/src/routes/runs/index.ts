import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { closeRun, enqueueJob, listRuns, readRunCells } from '@pulsegap/db';
import type { CellStatistics } from '@pulsegap/domain';
import { recomputeRunRequest } from '@pulsegap/jobs';
import Type from 'typebox';
import { conflict, notFound } from '../../errors.js';
import { IdParams, problems, Timestamp, Uuid } from '../../schemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const TierSummary = Type.Object({
  n: Type.Integer(),
  mean: Nullable(Type.Number()),
  sd: Nullable(Type.Number()),
  top2: Nullable(Type.Number()),
});
const GapCell = Type.Object({
  priorityId: Uuid,
  dimension: Type.String(),
  teamId: Nullable(Uuid),
  leadership: Nullable(TierSummary),
  frontline: Nullable(TierSummary),
  gap: Nullable(Type.Number()),
  suppressed: Type.Boolean(),
});
const Gaps = Type.Object({
  runId: Uuid,
  computedAt: Nullable(Timestamp),
  minGroupSize: Type.Integer(),
  cells: Type.Array(GapCell),
});

/** A run's life (close early) and its figures, read from the stored cells. */
const runs: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/runs/:id/close',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['runs'],
        params: IdParams,
        response: {
          200: Type.Object({ id: Uuid, closedAt: Timestamp }),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) =>
      fastify.tenant(request, async (trx) => {
        const [run] = await listRuns(trx, { runId: request.params.id });
        if (run === undefined) throw notFound('The run');
        const now = new Date();
        if (run.closedAt !== null || run.closesAt <= now || !(await closeRun(trx, run.id, now))) {
          throw conflict('PG_ERR_RUN_CLOSED', 'The run is already closed.');
        }
        await enqueueJob(trx, recomputeRunRequest(request.auth.organizationId, run.id));
        return { id: run.id, closedAt: now };
      }),
  );

  fastify.get(
    '/runs/:id/gaps',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['analytics'],
        params: IdParams,
        response: { 200: Gaps, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      fastify.tenant(request, async (trx) => {
        const [run] = await listRuns(trx, { runId: request.params.id });
        if (run === undefined) throw notFound('The run');
        const { computedAt, cells } = await readRunCells(trx, run.id);
        return {
          runId: run.id,
          computedAt,
          minGroupSize: run.minGroupSize,
          cells: cells.map((cell) => {
            const statistics = cell.statistics as CellStatistics;
            return {
              priorityId: cell.priorityId,
              dimension: cell.dimension,
              teamId: cell.teamId,
              leadership: statistics.leadership,
              frontline: statistics.frontline,
              gap: statistics.gap,
              suppressed: cell.suppressed,
            };
          }),
        };
      }),
  );
};

export default runs;
