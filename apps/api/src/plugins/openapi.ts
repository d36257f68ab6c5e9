import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ProblemSchema } from '../schemas.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/** `get` and `/api/v1/runs/{id}/gaps` make `getRunsByIdGaps`: unique per route, stable. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1\/?/, '')
    .split(/[/.]/)
    .filter((part) => part !== '')
    .map((part) => {
      const parameter = /^\{(.+)\}$/.exec(part)?.[1];
      const word = parameter === undefined ? part : `by-${parameter}`;
      return word
        .split(/[-_]/)
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join('');
    });
  return `${method}${words.join('')}`;
}

type Operation = {
  operationId?: string;
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
};

/**
 * Every error answer is `application/problem+json` with the one shared `Problem` schema, and
 * every operation has an `operationId`: what the routes' response schemas cannot say.
 */
function finish(document: Record<string, unknown>): Record<string, unknown> {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation | undefined>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      operation.operationId ??= operationIdOf(method, path);
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (Number(status) >= 400) {
          response.content = { 'application/problem+json': { schema: PROBLEM_REF } };
        }
      }
    }
  }
  const components = (document.components ?? {}) as Record<string, Record<string, unknown>>;
  components.schemas = { ...components.schemas, Problem: ProblemSchema };
  return { ...document, components };
}

/** Collects every route's schemas into the OpenAPI 3 document served at /api/v1/openapi.json. */
export default fp(
  async (fastify: FastifyInstance) => {
    await fastify.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Pulsegap API',
          version: '1.0.0',
          description: 'Anonymous pulse surveys with alignment analytics.',
        },
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
        security: [{ bearer: [] }],
      },
      transformObject: (documents) =>
        'openapiObject' in documents
          ? (finish(
              documents.openapiObject as Record<string, unknown>,
            ) as typeof documents.openapiObject)
          : documents.swaggerObject,
    });
  },
  { name: 'openapi' },
);
