import { requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import {
  createJobContext,
  deliverInvitationsRequest,
  runJob,
  startInProcessRuntime,
  type JobRuntime,
} from '@pulsegap/jobs';
import { openDatabase, type DatabaseHandle } from '@pulsegap/db';
import { testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHttpServer } from '../../http-server.js';
import { bearer, signup, type TestOrganization } from '../../test-support.js';

// While a run is open, answers reach the figures within seconds: the intake asks for a
// recompute in its own transaction, the relay hands it on, the job replaces the cells.
// On the embedded database with the in-process jobs, as `npm start` runs (and apart from
// the shared test database, whose pending jobs belong to other tests).
let handle: DatabaseHandle;
let t: { server: FastifyInstance; db: DatabaseHandle['db'] };
let org: TestOrganization;
let runtime: JobRuntime;
let runId: string;
let links: { to: string; secret: string }[];

beforeAll(async () => {
  handle = await openDatabase({ appDatabaseUrl: null, dataDir: 'memory://' });
  t = { server: await createHttpServer({ config: testConfig(), db: handle.db }), db: handle.db };
  runtime = startInProcessRuntime({
    context: createJobContext(testConfig(), t.db),
    logger: { info: () => undefined, error: () => undefined },
    pollMs: 100,
  });
  org = await signup(t.server, 'Live Co');
  const rows = ['email,name,team,tier'];
  for (let i = 0; i < 6; i += 1) rows.push(`l${i}@live.test,L${i},Ops,leadership`);
  for (let i = 0; i < 6; i += 1) rows.push(`f${i}@live.test,F${i},Ops,frontline`);
  await t.server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(org.token), 'content-type': 'text/csv' },
    payload: rows.join('\n'),
  });
  const priority = await t.server.inject({
    method: 'POST',
    url: '/api/v1/priorities',
    headers: bearer(org.token),
    payload: { title: 'Uptime', statedWeight: 4 },
  });
  const pulse = await t.server.inject({
    method: 'POST',
    url: '/api/v1/pulses',
    headers: bearer(org.token),
    payload: {
      title: 'Live',
      priorityIds: [priority.json<{ id: string }>().id],
      dimensions: ['staffing'],
    },
  });
  const run = await t.server.inject({
    method: 'POST',
    url: `/api/v1/pulses/${pulse.json<{ id: string }>().id}/runs`,
    headers: bearer(org.token),
  });
  runId = run.json<{ id: string }>().id;
  const request = deliverInvitationsRequest(org.organizationId, runId);
  await runJob(createJobContext(testConfig(), t.db), request.name, request.payload);
  const outbox = await t.server.inject({ url: '/api/v1/dev/outbox', headers: bearer(org.token) });
  links = outbox
    .json<{ items: { to: string; link: string }[] }>()
    .items.map((m) => ({ to: m.to, secret: m.link.split('/').at(-1) ?? '' }));
});
afterAll(async () => {
  await runtime.close();
  await t.server.close();
  await handle.close();
});

/** One employee answers staffing with `value`, through the answer page's own client code. */
async function answer(email: string, value: number): Promise<void> {
  const secret = links.find((l) => l.to === email)?.secret ?? '';
  const invite = (await t.server.inject({ url: `/api/v1/invite/${secret}` })).json<{
    keyId: string;
    publicKey: string;
    questions: { id: string }[];
  }>();
  const tok = await requestToken(invite.publicKey, async (blinded) => {
    const reply = await t.server.inject({
      method: 'POST',
      url: `/api/v1/invite/${secret}/token`,
      payload: { blindedMessage: toBase64Url(blinded) },
    });
    return Buffer.from(reply.json<{ blindSignature: string }>().blindSignature, 'base64url');
  });
  const submitted = await t.server.inject({
    method: 'POST',
    url: '/api/v1/responses',
    payload: {
      runId,
      token: {
        keyId: invite.keyId,
        message: toBase64Url(tok.message),
        signature: toBase64Url(tok.signature),
      },
      answers: invite.questions.map((q) => ({ questionId: q.id, value })),
    },
  });
  expect(submitted.statusCode, submitted.body).toBe(201);
}

/** The organization's staffing cell as the executive sees it, once it has `n` frontline answers. */
async function cellWithin(ms: number, frontlineN: number) {
  const started = Date.now();
  for (;;) {
    const gaps = await t.server.inject({
      url: `/api/v1/runs/${runId}/gaps`,
      headers: bearer(org.token),
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
