import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';

/** What the security plugin is told by the process. */
export interface SecurityOptions {
  /**
   * Whether the service may be reached over plain HTTP (`ALLOW_PLAIN_HTTP`): then neither
   * HSTS nor `upgrade-insecure-requests` is sent, either of which would leave the pages
   * blank on `http://`.
   */
  readonly allowPlainHttp: boolean;
  /** Where the rate limits are counted (default: this process's memory). */
  readonly redis?: Redis;
  /** Prefix of the rate limits' Redis keys (`QUEUE_PREFIX`), one per deployment. */
  readonly redisPrefix?: string;
}

/**
 * Security headers on every answer (a strict Content-Security-Policy: the pages load
 * nothing from elsewhere) and rate limiting, switched on per route (login, signup). With
 * `redis`, the limits are counted there, shared by every API replica; if Redis cannot be
 * reached the limits are skipped (the API keeps serving; argon2's queue still bounds the
 * work), otherwise they are counted in this process's memory.
 */
export default fp(
  async (fastify: FastifyInstance, options: SecurityOptions) => {
    // helmet's headers depend only on its options: collected once, then set on every
    // answer by Fastify (running helmet's dozen middlewares per request cost the employee
    // routes a few per cent of their CPU).
    const securityHeaders = headersOf(
      helmet({
        // HTTPS-only headers unless the operator says plain HTTP is how the service is
        // reached (the default outside production).
        hsts: !options.allowPlainHttp,
        contentSecurityPolicy: {
          directives: {
            upgradeInsecureRequests: options.allowPlainHttp ? null : [],
            defaultSrc: ["'self'"],
            scriptSrc: ["'self'"],
            styleSrc: ["'self'"],
            imgSrc: ["'self'", 'data:'],
            connectSrc: ["'self'"],
            objectSrc: ["'none'"],
            frameAncestors: ["'none'"],
          },
        },
      }),
    );
    fastify.addHook('onRequest', (_request, reply, done) => {
      reply.headers(securityHeaders);
      done();
    });
    await fastify.register(rateLimit, {
      global: false,
      ...(options.redis === undefined
        ? {}
        : {
            redis: options.redis,
            nameSpace: `${options.redisPrefix ?? 'pulsegap'}-limit-`,
            skipOnError: true,
          }),
    });
  },
  { name: 'security' },
);

/** The headers a helmet middleware sets on a response (it reads nothing of the request). */
function headersOf(middleware: ReturnType<typeof helmet>): Readonly<Record<string, string>> {
  const headers = new Map<string, string>();
  const response = {
    setHeader(name: string, value: string | number) {
      headers.set(name.toLowerCase(), String(value));
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  };
  let failure: Error | undefined;
  middleware(
    Object.create(null) as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      if (error !== undefined) {
        failure = error instanceof Error ? error : new Error('helmet could not set its headers');
      }
    },
  );
  if (failure !== undefined) throw failure;
  return Object.freeze(Object.fromEntries(headers));
}
