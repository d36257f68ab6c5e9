import type { Database } from '@pulsegap/db';
import { openTestDatabase, testConfig } from '@pulsegap/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import { createHttpServer } from './http-server.js';

/** The app on the test database, for `inject`. */
export interface TestServer {
  readonly server: FastifyInstance;
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

export async function createTestServer(): Promise<TestServer> {
  const database = await openTestDatabase();
  const server = await createHttpServer({ config: testConfig(), db: database.db });
  return {
    server,
    db: database.db,
    async close() {
      await server.close();
      await database.close();
    },
  };
}

/** A fresh organization with its admin, signed in. */
export interface TestOrganization {
  readonly organizationId: string;
  readonly email: string;
  readonly token: string;
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.test`;
}

export const PASSWORD = 'correct horse battery';

export async function signup(server: FastifyInstance, name = 'Acme'): Promise<TestOrganization> {
  const email = uniqueEmail('admin');
  const response = await server.inject({
    method: 'POST',
    url: '/api/v1/signup',
    payload: { organization: name, email, password: PASSWORD },
  });
  expect(response.statusCode, response.body).toBe(201);
  const body = response.json<{ organizationId: string; token: string }>();
  return { organizationId: body.organizationId, email, token: body.token };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** Asserts a problem+json answer with `status` and returns its body. */
export function expectProblem(
  response: LightMyRequestResponse,
  status: number,
): { status: number; title: string; detail: string; code: string; errors?: unknown[] } {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json<{ status: number; title: string; detail: string; code: string }>();
  expect(body.status).toBe(status);
  expect(body.title).toEqual(expect.any(String));
  expect(body.detail).toEqual(expect.any(String));
  return body;
}
