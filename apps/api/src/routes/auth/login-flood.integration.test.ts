import type { DatabaseHandle } from '@pulsegap/db';
import { openTestDatabase, testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHttpServer } from '../../http-server.js';
import { expectProblem, uniqueEmail } from '../../test-support.js';
import {
  inPasswordQueue,
  PASSWORD_WORK_AT_ONCE,
  PASSWORD_WORK_WAITING,
  passwordWork,
} from './passwords.js';

// A flood of sign-ins: argon2 runs PASSWORD_WORK_AT_ONCE at a time, PASSWORD_WORK_WAITING
// wait their turn, and every one more is told at once that the service is busy. The queue
// is filled with work held open by the test (as a flood of slow checks would hold it), so
// the test does not spend minutes in argon2.
let database: DatabaseHandle;
let server: FastifyInstance;

beforeAll(async () => {
  database = await openTestDatabase();
  server = await createHttpServer({ config: testConfig(), db: database.db });
});
afterAll(async () => {
  await server.close();
  await database.close();
});

const login = (i: number) =>
  server.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: uniqueEmail(`flood${String(i)}`), password: 'not the password' },
    // Each from its own address, to its own account: no rate limit stops them first.
    remoteAddress: `10.77.0.${String(1 + i)}`,
  });

test('with the queue full, a sign-in gets 503 with Retry-After at once; when it drains, sign-ins are checked again', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held = Array.from({ length: PASSWORD_WORK_AT_ONCE + PASSWORD_WORK_WAITING }, () =>
    inPasswordQueue(() => gate),
  );
  expect(passwordWork()).toEqual({
    running: PASSWORD_WORK_AT_ONCE,
    waiting: PASSWORD_WORK_WAITING,
  });

  const refused = await Promise.all(Array.from({ length: 5 }, (_, i) => login(i)));
  for (const response of refused) {
    expect(expectProblem(response, 503).code).toBe('PG_ERR_BUSY');
    expect(response.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
  }
  // Refused, not queued.
  expect(passwordWork().waiting).toBe(PASSWORD_WORK_WAITING);

  release();
  await Promise.all(held);
  expect(passwordWork()).toEqual({ running: 0, waiting: 0 });
  expect((await login(10)).statusCode).toBe(401);
});
