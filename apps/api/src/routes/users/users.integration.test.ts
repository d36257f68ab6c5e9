import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  addUser,
  bearer,
  createTestServer,
  expectProblem,
  signup,
  type TestServer,
} from '../../test-support.js';

let t: TestServer;

beforeAll(async () => {
  t = await createTestServer();
});

afterAll(async () => {
  await t.close();
});

const listUsers = (token: string) =>
  t.server.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(token) });

describe('GET /users', () => {
  test('lists the organization’s users by email with their roles, and nothing of another', async () => {
    const org = await signup(t.server, 'Users listed');
    const other = await signup(t.server, 'Users elsewhere');
    const executive = await addUser(t.server, org.token, 'executive');
    await addUser(t.server, other.token, 'executive');

    const response = await listUsers(org.token);
    expect(response.statusCode, response.body).toBe(200);
    const { items } = response.json<{ items: { id: string; email: string; role: string }[] }>();
    expect(items).toEqual(
      [
        { id: executive.id, email: executive.email, role: 'executive' },
        { id: expect.any(String) as string, email: org.email.toLowerCase(), role: 'admin' },
      ].toSorted((a, b) => a.email.localeCompare(b.email)),
    );
    expect(response.body).not.toMatch(/password|argon2/i);
  });

  test('is for admins: executives get 403, no token 401', async () => {
    const org = await signup(t.server, 'Users guarded');
    const executive = await addUser(t.server, org.token, 'executive');
    expect(expectProblem(await listUsers(executive.token), 403).code).toBe('PG_ERR_FORBIDDEN');
    expectProblem(await t.server.inject({ method: 'GET', url: '/api/v1/users' }), 401);
  });
});
