import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listTeams } from '@pulsegap/db';
import Type from 'typebox';
import { ListOf, problems, Uuid } from '../../schemas.js';

const TeamSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  parentId: Type.Union([Uuid, Type.Null()]),
});

/** The organization's teams, with their parents, as imported with the roster. */
const teams: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/teams',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: { tags: ['roster'], response: { 200: ListOf(TeamSchema), ...problems(401, 403) } },
    },
    async (request) => ({ items: await fastify.tenant(request, listTeams) }),
  );
};

export default teams;
