import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Security headers on every answer (a strict Content-Security-Policy: the pages load
 * nothing from elsewhere) and rate limiting, switched on per route (login, signup).
 */
export default fp(
  async (fastify: FastifyInstance, options: { production: boolean }) => {
    // Built once: the Fastify wrapper of helmet rebuilt it (and re-parsed the policy) on
    // every request, which cost the employee routes about a twentieth of their CPU.
    const securityHeaders = helmet({
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
    });
    fastify.addHook('onRequest', (request, reply, done) => {
      securityHeaders(request.raw, reply.raw, (error?: unknown) => {
        done(error instanceof Error ? error : undefined);
      });
    });
    await fastify.register(rateLimit, { global: false });
  },
  { name: 'security' },
);
