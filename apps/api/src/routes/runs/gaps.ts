import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ReleasedCellSchema } from '@pulsegap/domain';
import Type, { type Static } from 'typebox';
import { LoadingCache } from '../../loading-cache.js';
import { IdParams, Nullable, problems, Timestamp, Uuid } from '../../schemas.js';
import { releaseOf } from '../../services/releases.js';

const Gaps = Type.Object({
  runId: Uuid,
  /** When the figures were released (kept under this name for clients that read it). */
  computedAt: Timestamp,
  releasedAt: Timestamp,
  minGroupSize: Type.Integer(),
  cells: Type.Array(ReleasedCellSchema),
  teams: Type.Array(Type.Object({ id: Uuid, name: Type.String(), parentId: Nullable(Uuid) }), {
    description:
      'The team tree as it was when the run started, which its cells’ `teamId` and roll-ups follow (names and parents may have changed since).',
  }),
});
type GapsBody = Static<typeof Gaps>;

/** `GET /runs/:id/gaps`: every cell of the run's release, as it was released, and its team tree. */
const gaps: FastifyPluginAsyncTypebox = async (fastify) => {
  // Releases kept as bytes, per organization and run: a release never changes once made.
  const kept = new LoadingCache<{ json: Buffer; gzip: Buffer }>({ maxEntries: 100 });

  fastify.get(
    '/runs/:id/gaps',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['analytics'],
        description:
          'Every cell of the run’s release: the whole organization (`teamId` null) and each team’s roll-up, per priority and dimension. A suppressed cell carries no number and says why. With the run’s team tree as it was when the run started, to name team cells and roll them up. 409 while the run is open: results are released when it closes.',
        params: IdParams,
        response: { 200: Gaps, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const runId = request.params.id;
      const entry = await kept.get(`${request.auth.organizationId}/${runId}`, async () => {
        const release = await releaseOf(fastify, request, runId);
        const serialize = reply.getSerializationFunction('200');
        if (serialize === undefined) throw new Error('the gaps route has no serializer');
        const json = Buffer.from(
          serialize({
            runId,
            computedAt: new Date(release.releasedAt),
            releasedAt: new Date(release.releasedAt),
            minGroupSize: release.minGroupSize,
            cells: [...release.cells],
            teams: release.teams.map(({ id, name, parentId }) => ({ id, name, parentId })),
          } satisfies GapsBody),
        );
        return { json, gzip: gzipSync(json) };
      });
      // A run with many teams answers with hundreds of kilobytes: gzipped for clients
      // that take it.
      const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
      void reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
      if (gzip) void reply.header('content-encoding', 'gzip');
      // Bytes are sent as they are: the schema's serializer made them.
      return reply.send((gzip ? entry.gzip : entry.json) as unknown as GapsBody);
    },
  );
};

export default gaps;
