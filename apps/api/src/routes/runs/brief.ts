import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BlindSpotSchema, BriefSchema, briefMarkdown } from '@pulsegap/domain';
import Type from 'typebox';
import { IdParams, problems } from '../../schemas.js';
import { releaseOf } from '../../services/releases.js';

const BriefQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('md')])) },
  { additionalProperties: false },
);

/** The brief, with every blind spot of the release beside the one it names. */
const BriefBody = Type.Object({
  ...BriefSchema.properties,
  blindSpots: Type.Array(BlindSpotSchema, {
    description:
      'Per priority, staffing and feasibility: leaders’ predictions of the frontline’s answers against the frontline’s answers, organization-wide; suppressed (no numbers) when either side is under k. Empty when the run asked no predictions.',
  }),
});

/** `GET /runs/:id/brief`: the facilitation brief of the run's release, JSON or Markdown. */
const brief: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/runs/:id/brief',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['analytics'],
        description:
          'The facilitation brief: the run’s most important significant findings in plain language with their numbers and uncertainty, and open questions for a group. `?format=md` gives it as Markdown. 409 while the run is open.',
        params: IdParams,
        querystring: BriefQuery,
        produces: ['application/json', 'text/markdown'],
        response: {
          200: Type.Union([
            BriefBody,
            Type.String({ description: 'The brief as Markdown (`?format=md`).' }),
          ]),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const release = await releaseOf(fastify, request, request.params.id);
      if (request.query.format === 'md') {
        return reply.type('text/markdown; charset=utf-8').send(briefMarkdown(release.brief));
      }
      return { ...release.brief, blindSpots: [...(release.blindSpots ?? [])] };
    },
  );
};

export default brief;
