import type { DatabaseHandle } from '@pulsegap/db';
import { openTestDatabase, testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHttpServer } from '../http-server.js';

// A page served over plain HTTP with `upgrade-insecure-requests` asks the browser for every
// script and style over HTTPS, which a server without TLS does not answer: the page stays
// blank. ALLOW_PLAIN_HTTP says which of the two the operator runs.
describe.for([
  { allowPlainHttp: false, production: true },
  { allowPlainHttp: true, production: true },
  { allowPlainHttp: true, production: false },
])('security headers with allowPlainHttp $allowPlainHttp (production $production)', (options) => {
  let database: DatabaseHandle;
  let server: FastifyInstance;

  beforeAll(async () => {
    database = await openTestDatabase();
    server = await createHttpServer({ config: testConfig(options), db: database.db });
  });
  afterAll(async () => {
    await server.close();
    await database.close();
  });

  test.for([
    ['a page', '/'],
    ['an API answer', '/api/v1/openapi.json'],
    ['an error', '/api/v1/priorities'],
  ] as const)('on %s', async ([, url]) => {
    const response = await server.inject({ url });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    if (options.allowPlainHttp) {
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(response.headers['strict-transport-security']).toBeUndefined();
    } else {
      expect(csp).toContain('upgrade-insecure-requests');
      expect(String(response.headers['strict-transport-security'])).toMatch(/max-age=\d+/);
    }
  });
});
