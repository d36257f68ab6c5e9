import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listOutboundMessages } from '@pulsegap/db';
import Type from 'typebox';
import { ListOf, problems } from '../../schemas.js';

const Message = Type.Object({
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  link: Type.Union([Type.String(), Type.Null()]),
});

/** Development only (never registered in production): what the service would have e-mailed. */
const dev: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/dev/outbox',
    {
      preHandler: fastify.authorize('admin'),
      schema: { tags: ['development'], response: { 200: ListOf(Message), ...problems(401, 403) } },
    },
    async (request) => ({ items: await fastify.tenant(request, listOutboundMessages) }),
  );
};

export default dev;
