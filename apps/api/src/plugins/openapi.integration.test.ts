import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestServer, type TestServer } from '../test-support.js';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[] } | undefined> | undefined>;
  components?: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
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
