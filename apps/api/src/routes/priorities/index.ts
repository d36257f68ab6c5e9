import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createPriority, listPriorities, recordAudit } from '@pulsegap/db';
import Type from 'typebox';
import { Created, ListOf, problems, Uuid } from '../../schemas.js';

const NewPriority = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    statedWeight: Type.Integer({ minimum: 1, maximum: 5 }),
  },
  { additionalProperties: false },
);
const PrioritySchema = Type.Object({
  id: Uuid,
  title: Type.String(),
  description: Type.String(),
  statedWeight: Type.Integer(),
});

/** The strategic priorities leadership has stated, with their stated weight (1–5). */
const priorities: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/priorities',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['priorities'],
        body: NewPriority,
        response: { 201: Created, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.auth;
      const priority = {
        title: request.body.title.trim(),
        description: request.body.description ?? '',
        statedWeight: request.body.statedWeight,
      };
      const id = await fastify.tenant(request, async (trx) => {
        const created = await createPriority(trx, organizationId, priority);
        await recordAudit(trx, organizationId, {
          actorUserId: userId,
          action: 'priority.created',
          subject: `priority/${created}`,
          detail: priority,
        });
        return created;
      });
      return reply.code(201).send({ id });
    },
  );

  fastify.get(
    '/priorities',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['priorities'],
        response: { 200: ListOf(PrioritySchema), ...problems(401, 403) },
      },
    },
    async (request) => ({ items: await fastify.tenant(request, listPriorities) }),
  );
};

export default priorities;
