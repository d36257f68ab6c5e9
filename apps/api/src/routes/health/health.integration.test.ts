import { openTestDatabase, testConfig } from '@pulsegap/testing';
import { expect, test } from 'vitest';
import { createHttpServer } from '../../http-server.js';
import { expectProblem } from '../../test-support.js';

test('/health answers while the process runs; /ready names what is unreachable', async () => {
  const database = await openTestDatabase();
  let redisUp = true;
  const server = await createHttpServer({
    config: testConfig(),
    db: database.db,
    readinessChecks: {
      redis: () => (redisUp ? Promise.resolve() : Promise.reject(new Error('down'))),
    },
  });
  try {
    expect((await server.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await server.inject({ url: '/ready' })).json()).toEqual({ status: 'ok' });
    redisUp = false;
    const problem = expectProblem(await server.inject({ url: '/ready' }), 503);
    expect(problem.detail).toContain('redis');
    expect(problem.detail).not.toContain('database');
  } finally {
    await server.close();
    await database.close();
  }
});
