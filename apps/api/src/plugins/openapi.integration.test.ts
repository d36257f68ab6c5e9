import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestServer, type TestServer } from '../test-support.js';

interface Operation {
  security?: unknown[];
  operationId?: string;
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation | undefined> | undefined>;
  components?: {
    securitySchemes?: Record<string, { type: string; scheme?: string }>;
    schemas?: Record<string, unknown>;
  };
}

// The routes of PRODUCT.md §7 that exist today, as OpenAPI writes them.
const DOCUMENTED_ROUTES = [
  ['post', '/api/v1/signup'],
  ['post', '/api/v1/auth/login'],
  ['post', '/api/v1/users'],
  ['post', '/api/v1/people/import'],
  ['get', '/api/v1/people'],
  ['get', '/api/v1/teams'],
  ['post', '/api/v1/priorities'],
  ['get', '/api/v1/priorities'],
  ['post', '/api/v1/pulses'],
  ['get', '/api/v1/pulses'],
  ['get', '/api/v1/pulses/{id}'],
  ['patch', '/api/v1/pulses/{id}'],
  ['delete', '/api/v1/pulses/{id}'],
  ['get', '/api/v1/pulses/{id}/runs'],
  ['post', '/api/v1/pulses/{id}/runs'],
  ['post', '/api/v1/runs/{id}/close'],
  ['get', '/api/v1/runs/{id}/gaps'],
  ['get', '/api/v1/settings'],
  ['put', '/api/v1/settings'],
  ['get', '/api/v1/audit'],
] as const;

describe('GET /api/v1/openapi.json', () => {
  let t: TestServer;
  let document: OpenApiDocument;

  beforeAll(async () => {
    t = await createTestServer();
    const response = await t.server.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    document = response.json<OpenApiDocument>();
  });
  afterAll(() => t.close());

  test('is an OpenAPI 3 document, served without a token', () => {
    expect(document.openapi).toMatch(/^3\./);
  });

  test('is valid OpenAPI, by a validator of its own (the official JSON schemas)', async () => {
    const result = await new Validator().validate(
      structuredClone(document) as unknown as Record<string, unknown>,
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item ?? {}).map(([method, operation]) => ({ path, method, operation })),
    );

  test('every operation has an operationId, each its own', () => {
    const ids = operations().map((o) => o.operation?.operationId);
    expect(ids.filter((id) => id === undefined)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(document.paths['/api/v1/runs/{id}/gaps']?.get?.operationId).toBe('getRunsByIdGaps');
  });

  test('every error answer is application/problem+json with the one shared Problem schema', () => {
    expect(document.components?.schemas?.Problem).toMatchObject({
      type: 'object',
      required: ['type', 'title', 'status', 'detail', 'code'],
    });
    const errors = operations().flatMap(({ path, method, operation }) =>
      Object.entries(operation?.responses ?? {})
        .filter(([status]) => Number(status) >= 400)
        .map(([status, response]) => ({ at: `${method} ${path} ${status}`, response })),
    );
    expect(errors.length).toBeGreaterThan(50);
    for (const { at, response } of errors) {
      expect(response.content, at).toEqual({
        'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
      });
    }
  });

  test.for(DOCUMENTED_ROUTES)('documents %s %s', ([method, path]) => {
    expect(document.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
  });

  test('describes bearer authentication, and signup and login as open', () => {
    expect(document.components?.securitySchemes?.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(document.paths['/api/v1/signup']?.post?.security).toEqual([]);
    expect(document.paths['/api/v1/auth/login']?.post?.security).toEqual([]);
  });
});
