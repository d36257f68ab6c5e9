import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { createOrganizationWithAdmin, findLoginCandidate } from '@pulsegap/db';
import Type from 'typebox';
import { AppError, conflict, isUniqueViolation, unauthorized } from '../../errors.js';
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

/**
 * Sign-in attempts, counted three ways (every one must allow it): per client address and
 * account, enough for a person and too few for guessing; per address across accounts, so
 * one address cannot try a password on many accounts; per account across addresses, so
 * many addresses cannot guess one account's password, with a window short enough that an
 * attacker who stops cannot keep its owner out for long (a quarter of an hour at most).
 */
export const LOGIN_LIMITS = {
  perAddressAndAccount: { max: 10, timeWindow: 60_000 },
  perAddress: { max: 30, timeWindow: 60_000 },
  perAccount: { max: 50, timeWindow: 15 * 60_000 },
} as const;

function accountOf(request: FastifyRequest): string {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.toLowerCase() : '';
}

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

  const loginLimits = [
    fastify.createRateLimit({
      ...LOGIN_LIMITS.perAddress,
      keyGenerator: (request) => `login-address:${request.ip}`,
    }),
    fastify.createRateLimit({
      ...LOGIN_LIMITS.perAccount,
      keyGenerator: (request) => `login-account:${accountOf(request)}`,
    }),
    fastify.createRateLimit({
      ...LOGIN_LIMITS.perAddressAndAccount,
      keyGenerator: (request) => `login:${request.ip}/${accountOf(request)}`,
    }),
  ];

  fastify.post(
    '/auth/login',
    {
      // Every count must allow the attempt; each attempt counts in all three.
      preHandler: async (request, reply) => {
        const counts = await Promise.all(loginLimits.map((check) => check(request)));
        const exceeded = counts.filter((c) => !c.isAllowed && c.isExceeded);
        if (exceeded.length > 0) {
          const wait = Math.max(...exceeded.map((c) => (c.isAllowed ? 0 : c.ttlInSeconds)));
          reply.header('retry-after', String(wait));
          throw new AppError(
            429,
            'PG_ERR_RATE_LIMITED',
            'Too Many Requests',
            `Too many sign-in attempts. Try again in ${String(wait)} seconds.`,
          );
        }
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
