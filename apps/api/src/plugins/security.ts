import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';

/**
 * Security headers on every answer (a strict Content-Security-Policy: the pages load
 * nothing from elsewhere) and rate limiting, switched on per route (login, signup). With
 * `redis`, the limits are counted there, shared by every API replica; if Redis cannot be
 * reached the limits are skipped (the API keeps serving; argon2's queue still bounds the
 * work), otherwise they are counted in this process's memory.
 */
export default fp(
  async (fastify: FastifyInstance, options: { production: boolean; redis?: Redis }) => {
    // helmet's headers depend only on its options: collected once, then set on every
    // answer by Fastify (running helmet's dozen middlewares per request cost the employee
    // routes a few per cent of their CPU).
    const securityHeaders = headersOf(
      helmet({
        // Outside production the service is reached over plain HTTP: no HTTPS-only headers.
        hsts: options.production,
        contentSecurityPolicy: {
          directives: {
            upgradeInsecureRequests: options.production ? [] : null,
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
        : { redis: options.redis, nameSpace: 'pulsegap-limit-', skipOnError: true }),
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
