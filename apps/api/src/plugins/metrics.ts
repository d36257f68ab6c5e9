import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** The process's metrics: the HTTP ones below, and what the process adds to them. */
    metrics: Registry;
  }
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * HTTP metrics, counted when each answer has gone: requests and their durations by method,
 * route template (`/api/v1/runs/:id/gaps`, never the URL, so no id or secret) and status
 * class. A route that logs nothing (the employee routes and the pages' files, whose timing
 * would date when someone answered: see docs/SECURITY.md) and a request that matched no
 * route count only in one total by status class, with no route, method or duration.
 * `/metrics` itself is served on the operators' listener, not here.
 */
export default fp(
  (fastify: FastifyInstance, options: { registry?: Registry }) => {
    const registry = options.registry ?? new Registry();
    fastify.decorate('metrics', registry);
    const labelNames = ['method', 'route', 'status_class'] as const;
    const requests = new Counter({
      name: 'pulsegap_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status class (routes that log nothing excluded).',
      labelNames,
      registers: [registry],
    });
    const durations = new Histogram({
      name: 'pulsegap_http_request_duration_seconds',
      help: 'Time from a request to its answer, by method, route template and status class (routes that log nothing excluded).',
      labelNames,
      buckets: BUCKETS,
      registers: [registry],
    });
    const quiet = new Counter({
      name: 'pulsegap_http_quiet_requests_total',
      help: 'HTTP requests to routes that log nothing (employee routes, pages) or to no route, by status class only.',
      labelNames: ['status_class'] as const,
      registers: [registry],
    });
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
      const statusClass = `${String(Math.floor(reply.statusCode / 100))}xx`;
      const route = request.routeOptions.url;
      if (request.is404 || route === undefined || request.routeOptions.logLevel === 'silent') {
        quiet.inc({ status_class: statusClass });
      } else {
        const labels = { method: request.method, route, status_class: statusClass };
        requests.inc(labels);
        durations.observe(labels, reply.elapsedTime / 1000);
      }
      done();
    });
  },
  { name: 'metrics' },
);
