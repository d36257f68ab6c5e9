import { setTimeout as sleep } from 'node:timers/promises';
import { appRoleUrl } from '@pulsegap/config';
import { openDatabase, type DatabaseHandle } from '@pulsegap/db';
import { createJobContext, startInProcessRuntime, type JobRuntime } from '@pulsegap/jobs';
import {
  createScratchDatabase,
  startThrowawayPostgres,
  testConfig,
  type ScratchDatabaseHandle,
  type ThrowawayPostgres,
} from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHttpServer } from './http-server.js';
import { bearer, signup, type TestOrganization } from './test-support.js';

/** What one request got. */
interface Outcome {
  readonly status: number;
  readonly type: string | undefined;
  readonly retryAfter: string | undefined;
  readonly code: string | undefined;
}

// An operator restarts PostgreSQL while people use the service: a cluster of the test's own,
// stopped fast (sessions ended, as a restart or failover ends them) and started again.
describe('a PostgreSQL restart under load', () => {
  let postgres: ThrowawayPostgres;
  let scratch: ScratchDatabaseHandle;
  let handle: DatabaseHandle;
  let server: FastifyInstance;
  let runtime: JobRuntime;
  let org: TestOrganization;
  const runtimeErrors: string[] = [];

  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    const password = testConfig().appDatabasePassword;
    scratch = await createScratchDatabase('pulsegap_restart_', postgres.url, password);
    const config = testConfig({
      databaseUrl: scratch.url,
      appDatabaseUrl: appRoleUrl(scratch.url, password),
    });
    handle = await openDatabase(config, { poolSize: 4 });
    server = await createHttpServer({ config, db: handle.db });
    org = await signup(server, 'Restart Co');
    runtime = startInProcessRuntime({
      context: createJobContext(config, handle.db),
      logger: {
        info: () => undefined,
        error: (_object, message) => runtimeErrors.push(message ?? 'error'),
      },
      pollMs: 50,
      sweepMs: 100,
    });
  }, 60_000);
  afterAll(async () => {
    await runtime.close();
    await server.close();
    await handle.close();
    await postgres.destroy();
  });

  test('the API answers 503 with Retry-After while it is away, loses no acknowledged write, and recovers by itself', async () => {
    const outcomes: Outcome[] = [];
    const acknowledged: string[] = [];
    let running = true;
    const client = async (i: number) => {
      for (let n = 0; running; n += 1) {
        const write = (i + n) % 2 === 0;
        const response = await server.inject({
          method: write ? 'POST' : 'GET',
          url: '/api/v1/priorities',
          headers: bearer(org.token),
          ...(write
            ? { payload: { title: `Priority ${String(i)}-${String(n)}`, statedWeight: 3 } }
            : {}),
        });
        const retryAfter = response.headers['retry-after'];
        outcomes.push({
          status: response.statusCode,
          type: String(response.headers['content-type']),
          retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
          code: response.statusCode >= 400 ? response.json<{ code: string }>().code : undefined,
        });
        if (write && response.statusCode === 201)
          acknowledged.push(response.json<{ id: string }>().id);
        await sleep(10);
      }
    };
    const clients = Array.from({ length: 8 }, (_, i) => client(i));

    await sleep(500);
    await postgres.stop();
    await sleep(2000);
    await postgres.start();
    // Recovered by itself: no restart of the API, the pool makes new connections.
    let recovered = false;
    for (const deadline = Date.now() + 20_000; !recovered && Date.now() < deadline;) {
      const probe = await server.inject({ url: '/api/v1/priorities', headers: bearer(org.token) });
      recovered = probe.statusCode === 200;
      if (!recovered) await sleep(200);
    }
    expect(recovered).toBe(true);
    await sleep(500);
    running = false;
    await Promise.all(clients);

    const statuses = new Set(outcomes.map((o) => o.status));
    expect([...statuses].filter((s) => ![200, 201, 503].includes(s))).toEqual([]);
    const unavailable = outcomes.filter((o) => o.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const o of unavailable) {
      expect(o).toMatchObject({
        type: expect.stringMatching(/^application\/problem\+json/) as unknown,
        retryAfter: '5',
        code: 'PG_ERR_UNAVAILABLE',
      });
    }
    // Requests both before and after the outage were served.
    expect(outcomes.filter((o) => o.status === 200).length).toBeGreaterThan(0);

    const listed = await server.inject({ url: '/api/v1/priorities', headers: bearer(org.token) });
    const ids = new Set(listed.json<{ items: { id: string }[] }>().items.map((p) => p.id));
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
  }, 60_000);

  test('the job runtime lived through it and still works', async () => {
    // An uncaught error event would have ended this process (and failed the suite) above;
    // the runtime logged its failed passes and goes on.
    const before = runtimeErrors.length;
    await sleep(500);
    expect(runtimeErrors.length).toBe(before);
  });
});
