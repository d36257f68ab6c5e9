import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createUser, listUsers, recordAudit } from '@pulsegap/db';
import Type from 'typebox';
import { conflict, isUniqueViolation } from '../../errors.js';
import { Created, Email, ListOf, problems, Uuid } from '../../schemas.js';
import { Password } from '../auth/index.js';
import { hashPassword } from '../auth/passwords.js';

const NewUser = Type.Object(
  {
    email: Email,
    password: Password,
    role: Type.Union([Type.Literal('admin'), Type.Literal('executive')]),
  },
  { additionalProperties: false },
);
const User = Type.Object({ id: Uuid, email: Type.String(), role: NewUser.properties.role });

/** Admins add the organization's other users (HR colleagues, executives). */
const users: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/users',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['users'],
        description: 'The users who sign in to the organization, by email (no passwords).',
        response: { 200: ListOf(User), ...problems(401, 403) },
      },
    },
    async (request) => ({ items: await fastify.tenant(request, listUsers) }),
  );

  fastify.post(
    '/users',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['users'],
        body: NewUser,
        response: { 201: Created, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const passwordHash = await hashPassword(request.body.password);
      try {
        const { organizationId, userId } = request.auth;
        const { email, role } = request.body;
        const id = await fastify.tenant(request, async (trx) => {
          const created = await createUser(trx, organizationId, { email, passwordHash, role });
          await recordAudit(trx, organizationId, {
            actorUserId: userId,
            action: 'user.created',
            subject: `user/${created}`,
            detail: { email: email.toLowerCase(), role },
          });
          return created;
        });
        return await reply.code(201).send({ id });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw conflict('PG_ERR_EMAIL_TAKEN', 'An account with this email already exists.');
        }
        throw error;
      }
    },
  );
};

export default users;
