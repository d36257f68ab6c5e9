import fastifyJwt from '@fastify/jwt';
import type { UserRole } from '@pulsegap/db';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { forbidden, unauthorized } from '../errors.js';

/** Who is calling: the verified claims of their token. */
export interface Caller {
  readonly userId: string;
  readonly organizationId: string;
  readonly role: UserRole;
}

interface TokenClaims {
  sub: string;
  org: string;
  role: UserRole;
  /** Issued at, in seconds: required, never ahead of the server's clock (beyond a skew). */
  iat?: number;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** A pre-handler that admits a valid token of one of `roles`. */
    authorize(...roles: UserRole[]): preHandlerAsyncHookHandler;
    /** Issues a token for a user. */
    issueToken(caller: Caller): Promise<{ token: string; expiresIn: number }>;
  }
  interface FastifyRequest {
    auth: Caller;
  }
}

const ISSUER = 'pulsegap';
const AUDIENCE = 'pulsegap-api';
const TOKEN_SECONDS = 3600;
const ROLES: readonly UserRole[] = ['admin', 'executive'];
/** How far another server's clock may run ahead of this one's, in seconds. */
const CLOCK_SKEW_SECONDS = 30;

/**
 * Bearer JWTs: HS256 pinned for signing and verifying, `exp`, `iat`, `iss` and `aud`
 * required and compared as plain strings, an hour at most from `iat`, and `iat` not in the
 * future. Any other algorithm, `alg: none`, a bad signature or an expired token is a 401.
 */
export default fp(
  async (fastify: FastifyInstance, options: { secret: string }) => {
    await fastify.register(fastifyJwt, {
      secret: options.secret,
      // A number is in seconds: @fastify/jwt converts it for fast-jwt.
      sign: { algorithm: 'HS256', iss: ISSUER, aud: AUDIENCE, expiresIn: TOKEN_SECONDS },
      verify: {
        algorithms: ['HS256'],
        allowedIss: ISSUER,
        allowedAud: AUDIENCE,
        requiredClaims: ['exp', 'iat', 'iss', 'aud', 'sub'],
        // A token is good for an hour from when it says it was issued, whatever its exp
        // says (a token signed with a far exp is not accepted for longer).
        maxAge: TOKEN_SECONDS,
      },
    });
    fastify.decorateRequest('auth', null as unknown as Caller);

    fastify.decorate('issueToken', async (caller: Caller) => {
      const token = await Promise.resolve(
        fastify.jwt.sign({ sub: caller.userId, org: caller.organizationId, role: caller.role }),
      );
      return { token, expiresIn: TOKEN_SECONDS };
    });

    fastify.decorate('authorize', (...roles: UserRole[]) => {
      return async (request: FastifyRequest) => {
        const claims = await verify(request);
        if (!roles.includes(claims.role)) {
          throw forbidden(`This needs the ${roles.join(' or ')} role.`);
        }
        request.auth = { userId: claims.sub, organizationId: claims.org, role: claims.role };
      };
    });
  },
  { name: 'auth' },
);

async function verify(request: FastifyRequest): Promise<TokenClaims> {
  if (request.headers.authorization === undefined) {
    throw unauthorized('Sign in and send the token as "Authorization: Bearer <token>".');
  }
  let claims: TokenClaims;
  try {
    claims = await request.jwtVerify<TokenClaims>();
  } catch {
    throw unauthorized('The token is invalid or has expired.');
  }
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  // Issued in the future would make the maximum age count from then.
  const issuedAhead = (claims.iat ?? Infinity) > Date.now() / 1000 + CLOCK_SKEW_SECONDS;
  if (
    issuedAhead ||
    !uuid.test(claims.sub) ||
    !uuid.test(claims.org) ||
    !ROLES.includes(claims.role)
  ) {
    throw unauthorized('The token is invalid or has expired.');
  }
  return claims;
}
