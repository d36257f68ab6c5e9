import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  closeRun,
  enqueueJob,
  listRuns,
  listSegmentKeys,
  listTeams,
  organizationOfRun,
  readRunCells,
  readRunStamp,
  withTenant,
  type StoredCell,
} from '@pulsegap/db';
import { recomputeRunRequest } from '@pulsegap/jobs';
import Type, { type Static } from 'typebox';
import { conflict, notFound } from '../../errors.js';
import { IdParams, ListOf, Nullable, problems, Timestamp, Uuid } from '../../schemas.js';
import type { StoredStatistics } from './figures.js';
import reports from './reports.js';

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
  ci95: Nullable(Type.Tuple([Type.Number(), Type.Number()])),
  pValue: Nullable(Type.Number()),
  qValue: Nullable(Type.Number()),
  cliffsDelta: Nullable(Type.Number()),
  hedgesG: Nullable(Type.Number()),
  suppressed: Type.Boolean(),
  /** Why a suppressed cell shows nothing: `small` (under k) or `complementary`. */
  suppressionReason: Nullable(Type.Union([Type.Literal('small'), Type.Literal('complementary')])),
});
const Gaps = Type.Object({
  runId: Uuid,
  computedAt: Nullable(Timestamp),
  minGroupSize: Type.Integer(),
  cells: Type.Array(GapCell),
});

const SegmentKeyItem = Type.Object({
  keyId: Uuid,
  segment: Type.Object({
    teamId: Nullable(Uuid),
    team: Nullable(Type.String()),
    tier: Type.Union([Type.Literal('leadership'), Type.Literal('frontline')]),
  }),
  fingerprint: Type.String(),
});

/** A run's life (close early), its public keys and its figures, read from the stored cells. */
const runs: FastifyPluginAsyncTypebox = async (fastify) => {
  await fastify.register(reports);

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
        const teams = new Map((await listTeams(trx)).map((t) => [t.id, t.name]));
        const keys = await listSegmentKeys(trx, request.params.id);
        return {
          items: keys.map((k) => ({
            keyId: k.id,
            segment: {
              teamId: k.segmentTeamId,
              team: k.segmentTeamId === null ? null : (teams.get(k.segmentTeamId) ?? null),
              tier: k.segmentTier,
            },
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
    async (request, reply) => {
      const runId = request.params.id;
      const organizationId = request.auth.organizationId;
      const kept = gapsCache.get(runId);
      // Once a run has figures, they are checked against the database at most once a second:
      // those shown are then at most a second staler than stored. A run never changes
      // organization, so a run checked for this caller's organization stays theirs.
      const entry =
        kept !== undefined &&
        kept.organizationId === organizationId &&
        kept.computedAt !== undefined &&
        performance.now() - kept.checkedAt < GAPS_CHECK_MS
          ? kept
          : await fastify.tenant(request, async (trx) => {
              const stamp = await readRunStamp(trx, runId);
              if (stamp === null) throw notFound('The run');
              const cached = gapsCache.get(runId);
              if (
                cached !== undefined &&
                cached.organizationId === organizationId &&
                cached.computedAt === stamp.computedAt?.getTime()
              ) {
                cached.checkedAt = performance.now();
                return cached;
              }
              const { computedAt, cells } = await readRunCells(trx, runId);
              const body = {
                runId,
                computedAt,
                minGroupSize: stamp.minGroupSize,
                cells: cells.map((cell) => gapCell(cell)),
              };
              const serialize = reply.getSerializationFunction('200');
              if (serialize === undefined) throw new Error('the gaps route has no serializer');
              const json = Buffer.from(serialize(body));
              const fresh = {
                organizationId,
                computedAt: computedAt?.getTime(),
                checkedAt: performance.now(),
                json,
                gzip: gzipSync(json),
              };
              if (gapsCache.size >= GAPS_CACHE_RUNS) gapsCache.clear();
              gapsCache.set(runId, fresh);
              return fresh;
            });
      // Stored figures change only when the run is recomputed: the JSON of the latest ones
      // is kept as bytes, and gzipped for clients that take it (a run with many teams
      // answers with hundreds of kilobytes), and sent as long as computedAt has not moved.
      const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
      void reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
      if (gzip) void reply.header('content-encoding', 'gzip');
      // Bytes are sent as they are: the schema's serializer made them.
      return reply.send((gzip ? entry.gzip : entry.json) as unknown as GapsBody);
    },
  );
  const gapsCache = new Map<
    string,
    {
      organizationId: string;
      computedAt: number | undefined;
      checkedAt: number;
      json: Buffer;
      gzip: Buffer;
    }
  >();
};

type GapsBody = Static<typeof Gaps>;
const GAPS_CACHE_RUNS = 100;
const GAPS_CHECK_MS = 1000;

/** A stored cell as `/runs/:id/gaps` shows it: a suppressed cell carries no statistics. */
function gapCell(cell: StoredCell) {
  const place = { priorityId: cell.priorityId, dimension: cell.dimension, teamId: cell.teamId };
  const statistics = cell.statistics as StoredStatistics;
  if (statistics.suppressed) {
    return {
      ...place,
      leadership: null,
      frontline: null,
      gap: null,
      ci95: null,
      pValue: null,
      qValue: null,
      cliffsDelta: null,
      hedgesG: null,
      suppressed: true,
      // Cells stored before reasons were recorded were all under k.
      suppressionReason: statistics.reason ?? 'small',
    };
  }
  return {
    ...place,
    leadership: statistics.leadership,
    frontline: statistics.frontline,
    gap: statistics.gap,
    ci95:
      statistics.ci95 === null || statistics.ci95 === undefined
        ? null
        : ([...statistics.ci95] as [number, number]),
    pValue: statistics.pValue ?? null,
    qValue: statistics.qValue ?? null,
    cliffsDelta: statistics.cliffsDelta ?? null,
    hedgesG: statistics.hedgesG ?? null,
    suppressed: false,
    suppressionReason: null,
  };
}

export default runs;
