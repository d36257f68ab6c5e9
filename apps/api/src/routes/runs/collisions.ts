import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { organizationCell } from '@pulsegap/domain';
import Type from 'typebox';
import { IdParams, ListOf, Nullable, problems, Uuid } from '../../schemas.js';
import { releaseOf } from '../../services/releases.js';

const TierMeans = Type.Object({
  staffing: Nullable(Type.Number()),
  feasibility: Nullable(Type.Number()),
});
const Collision = Type.Object({
  priorityId: Uuid,
  title: Type.String(),
  statedWeight: Type.Integer(),
  collisionScore: Nullable(Type.Number()),
  significant: Type.Boolean(),
  leadership: TierMeans,
  frontline: TierMeans,
});

/** `GET /runs/:id/collisions`: the release's priorities, highest collision score first. */
const collisions: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/runs/:id/collisions',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['analytics'],
        description:
          'Priorities leadership weights highly while the frontline reports they cannot be staffed or delivered, highest collision score first. Means per tier of the whole organization; null where the cell is withheld. 409 while the run is open.',
        params: IdParams,
        response: { 200: ListOf(Collision), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const release = await releaseOf(fastify, request, request.params.id);
      const mean = (priorityId: string, dimension: string, tier: 'leadership' | 'frontline') =>
        organizationCell(release, priorityId, dimension)?.[tier]?.mean ?? null;
      const items = release.priorities.map((p) => ({
        priorityId: p.id,
        title: p.title,
        statedWeight: p.statedWeight,
        collisionScore: p.collision?.score ?? null,
        significant: p.collision?.significant ?? false,
        leadership: {
          staffing: mean(p.id, 'staffing', 'leadership'),
          feasibility: mean(p.id, 'feasibility', 'leadership'),
        },
        frontline: {
          staffing: mean(p.id, 'staffing', 'frontline'),
          feasibility: mean(p.id, 'feasibility', 'frontline'),
        },
      }));
      items.sort(
        (a, b) =>
          (b.collisionScore ?? -1) - (a.collisionScore ?? -1) || a.title.localeCompare(b.title),
      );
      return { items };
    },
  );
};

export default collisions;
