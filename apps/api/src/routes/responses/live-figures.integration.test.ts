import { createJobContext, startInProcessRuntime, type JobRuntime } from '@pulsegap/jobs';
import { openDatabase, type DatabaseHandle } from '@pulsegap/db';
import { testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHttpServer } from '../../http-server.js';
import {
  bearer,
  collectToken,
  openInvite,
  startAnsweringRun,
  submission,
  type AnsweringRun,
} from '../../test-support.js';

// While a run is open, answers reach the figures within seconds: the intake asks for a
// recompute in its own transaction, the relay hands it on, the job replaces the cells.
// On the embedded database with the in-process jobs, as `npm start` runs (and apart from
// the shared test database, whose pending jobs belong to other tests).
let handle: DatabaseHandle;
let server: FastifyInstance;
let runtime: JobRuntime;
let run: AnsweringRun;

beforeAll(async () => {
  handle = await openDatabase({ appDatabaseUrl: null, dataDir: 'memory://' });
  server = await createHttpServer({ config: testConfig(), db: handle.db });
  runtime = startInProcessRuntime({
    context: createJobContext(testConfig(), handle.db),
    logger: { info: () => undefined, error: () => undefined },
    pollMs: 100,
  });
  const people: string[] = [];
  for (let i = 0; i < 6; i += 1) people.push(`l${i}@live.test,L${i},Ops,leadership`);
  for (let i = 0; i < 6; i += 1) people.push(`f${i}@live.test,F${i},Ops,frontline`);
  run = await startAnsweringRun(server, handle.db, {
    organization: 'Live Co',
    people,
    dimensions: ['staffing'],
  });
});
afterAll(async () => {
  await runtime.close();
  await server.close();
  await handle.close();
});

/** One employee answers staffing with `value`, through the answer page's own client code. */
async function answer(email: string, value: number): Promise<void> {
  const secret = run.secretOf(email);
  const invite = await openInvite(server, secret);
  const token = await collectToken(server, secret, invite);
  const submitted = await server.inject({
    method: 'POST',
    url: '/api/v1/responses',
    payload: submission(invite, token, value),
  });
  expect(submitted.statusCode, submitted.body).toBe(201);
}

/** The organization's staffing cell as the executive sees it, once it has `n` frontline answers. */
async function cellWithin(ms: number, frontlineN: number) {
  const started = Date.now();
  for (;;) {
    const gaps = await server.inject({
      url: `/api/v1/runs/${run.runId}/gaps`,
      headers: bearer(run.org.token),
    });
    const cell = gaps
      .json<{ cells: { teamId: string | null; frontline: { n: number } | null }[] }>()
      .cells.find((c) => c.teamId === null);
    if (cell?.frontline?.n === frontlineN) return { cell, seconds: (Date.now() - started) / 1000 };
    if (Date.now() - started > ms) return { cell, seconds: Infinity };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('answers to an open run reach the figures within a few seconds', async () => {
  for (let i = 0; i < 5; i += 1) {
    await answer(`l${i}@live.test`, 5);
    await answer(`f${i}@live.test`, 2);
  }
  const first = await cellWithin(5000, 5);
  expect(first.seconds).toBeLessThan(5);
  expect(first.cell).toMatchObject({ suppressed: false, gap: 3 });

  // One more answer: the figures move again, with nothing but the answer to trigger them.
  await answer('f5@live.test', 5);
  const second = await cellWithin(5000, 6);
  expect(second.seconds).toBeLessThan(5);
  // Frontline 2, 2, 2, 2, 2 and 5: mean 2.5.
  expect(second.cell).toMatchObject({ gap: 2.5 });
});
