import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { IdParams, Nullable, problems, Tier, Uuid } from '../../schemas.js';
import { releaseOf, teamName } from '../../services/releases.js';

const Reason = Type.Union([
  Type.Literal('small'),
  Type.Literal('complementary'),
  Type.Literal('merged'),
]);
const Comments = Type.Object({
  runId: Uuid,
  commentMinGroupSize: Type.Integer(),
  items: Type.Array(
    Type.Object({
      teamId: Nullable(Uuid),
      team: Nullable(Type.String()),
      tier: Tier,
      comments: Type.Array(Type.String()),
    }),
  ),
  /** Groups whose comments are not shown, and why. */
  withheld: Type.Array(
    Type.Object({
      teamId: Nullable(Uuid),
      team: Nullable(Type.String()),
      tier: Tier,
      reason: Reason,
    }),
  ),
});

/** `GET /runs/:id/comments`: the comment lists of the run's release. */
const comments: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/runs/:id/comments',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['analytics'],
        description:
          'Answers to the open question, per group (the whole organization or a team with everything beneath it) and tier, for each group whose respondents of that tier reach the comment threshold; in one random order fixed at release, without dates. A group that would let a smaller one be told apart by subtraction is withheld too. 409 while the run is open.',
        params: IdParams,
        response: { 200: Comments, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const release = await releaseOf(fastify, request, request.params.id);
      return {
        runId: release.runId,
        commentMinGroupSize: release.commentMinGroupSize,
        items: release.comments.items.map((g) => ({
          teamId: g.teamId,
          team: teamName(release, g.teamId),
          tier: g.tier,
          comments: [...g.comments],
        })),
        withheld: release.comments.withheld.map((w) => ({
          ...w,
          team: teamName(release, w.teamId),
        })),
      };
    },
  );
};

export default comments;
