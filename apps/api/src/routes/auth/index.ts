import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createOrganizationWithAdmin, findLoginCandidate } from '@pulsegap/db';
import Type from 'typebox';
import { conflict, isUniqueViolation, unauthorized } from '../../errors.js';
import { Email, problems, Uuid } from '../../schemas.js';
import { hashPassword, verifyPassword } from './passwords.js';

export const Password = Type.String({ minLength: 12, maxLength: 200 });

const LoginBody = Type.Object(
  { email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 200 }) },
  { additionalProperties: false },
);
const Signup = Type.Object(
  {
    organization: Type.String({ minLength: 1, maxLength: 200 }),
    email: Email,
    password: Password,
  },
  { additionalProperties: false },
);

// Attempts per client address and email: enough for a person, too few for guessing.
const LOGIN_LIMIT = { max: 10, timeWindow: '1 minute' };

/** Signup (a new organization and its first admin) and login. */
const auth: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/signup',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 hour' } },
      schema: {
        tags: ['auth'],
        security: [],
        body: Signup,
        response: {
          201: Type.Object({ organizationId: Uuid, token: Type.String() }),
          ...problems(400, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const { organization, email, password } = request.body;
      let created: { organizationId: string; userId: string };
      try {
        created = await createOrganizationWithAdmin(fastify.db, {
          name: organization,
          email: email.toLowerCase(),
          passwordHash: await hashPassword(password),
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw conflict('PG_ERR_EMAIL_TAKEN', 'An account with this email already exists.');
        }
        throw error;
      }
      const { token } = await fastify.issueToken({
        userId: created.userId,
        organizationId: created.organizationId,
        role: 'admin',
      });
      return reply.code(201).send({ organizationId: created.organizationId, token });
    },
  );

  fastify.post(
    '/auth/login',
    {
      config: {
        rateLimit: {
          ...LOGIN_LIMIT,
          hook: 'preHandler',
          keyGenerator: (request) => {
            const email = (request.body as { email?: unknown } | undefined)?.email;
            return `${request.ip}/${typeof email === 'string' ? email.toLowerCase() : ''}`;
          },
        },
      },
      schema: {
        tags: ['auth'],
        security: [],
        body: LoginBody,
        response: {
          200: Type.Object({ token: Type.String(), expiresIn: Type.Integer() }),
          ...problems(400, 401, 429, 503),
        },
      },
    },
    async (request) => {
      const candidate = await findLoginCandidate(fastify.db, request.body.email.toLowerCase());
      const valid = await verifyPassword(candidate?.passwordHash ?? null, request.body.password);
      if (candidate === null || !valid) throw unauthorized('The email or password is wrong.');
      return fastify.issueToken(candidate);
    },
  );
};

export default auth;
