import { openTestDatabase, testConfig } from '@pulsegap/testing';
import type { DatabaseHandle } from '@pulsegap/db';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHttpServer } from '../../http-server.js';
import { expectProblem, PASSWORD, uniqueEmail } from '../../test-support.js';
import { LOGIN_LIMITS } from './index.js';

/** A sign-in attempt from `address` (the socket's: no proxy is trusted here). */
function attempt(server: FastifyInstance, email: string, address: string, password = 'wrong one') {
  return server.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    remoteAddress: address,
  });
}

/** A fresh made-up address, so tests and runs never share a count. */
const anAddress = () =>
  `10.${String(Math.floor(Math.random() * 250))}.${String(Math.floor(Math.random() * 250))}.${String(1 + Math.floor(Math.random() * 250))}`;

describe('sign-in limits, counted in Redis and shared by every API replica', () => {
  let database: DatabaseHandle;
  const redis: Redis[] = [];
  const servers: FastifyInstance[] = [];

  beforeAll(async () => {
    database = await openTestDatabase();
    // Two replicas, each with its own connection to the same Redis.
    for (let i = 0; i < 2; i += 1) {
      const client = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      redis.push(client);
      servers.push(
        await createHttpServer({ config: testConfig(), db: database.db, redis: client }),
      );
    }
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const client of redis) client.disconnect();
    await database.close();
  });

  test('one address trying one account: the 11th try in a minute is a 429, on whichever replica', async () => {
    const [a, b] = servers as [FastifyInstance, FastifyInstance];
    const email = uniqueEmail('pair');
    const address = anAddress();
    const { max } = LOGIN_LIMITS.perAddressAndAccount;
    for (let i = 0; i < max; i += 1) {
      expect((await attempt(i % 2 === 0 ? a : b, email, address)).statusCode).toBe(401);
    }
    expect(expectProblem(await attempt(b, email, address), 429).code).toMatch(/^PG_ERR_/);
    // Another address is not held back by it.
    expect((await attempt(a, email, anAddress())).statusCode).toBe(401);
  });

  test('one address spraying many accounts: past 30 a minute it is a 429', async () => {
    const [a, b] = servers as [FastifyInstance, FastifyInstance];
    const address = anAddress();
    const { max } = LOGIN_LIMITS.perAddress;
    const replies = await Promise.all(
      Array.from({ length: max }, (_, i) =>
        attempt(i % 2 === 0 ? a : b, uniqueEmail(`spray${String(i)}`), address),
      ),
    );
    expect(new Set(replies.map((r) => r.statusCode))).toEqual(new Set([401]));
    expectProblem(await attempt(a, uniqueEmail('spray-more'), address), 429);
    expect((await attempt(a, uniqueEmail('elsewhere'), anAddress())).statusCode).toBe(401);
  });

  test('many addresses guessing one account: past 50 in a quarter of an hour it is a 429', async () => {
    const [a, b] = servers as [FastifyInstance, FastifyInstance];
    const email = uniqueEmail('guessed');
    const { max } = LOGIN_LIMITS.perAccount;
    const replies = await Promise.all(
      Array.from({ length: max }, (_, i) => attempt(i % 2 === 0 ? a : b, email, anAddress())),
    );
    expect(new Set(replies.map((r) => r.statusCode))).toEqual(new Set([401]));
    expectProblem(await attempt(b, email, anAddress()), 429);
    expect(LOGIN_LIMITS.perAccount.timeWindow).toBeLessThanOrEqual(15 * 60_000);
    expect(PASSWORD.length).toBeGreaterThan(0);
  });
});
