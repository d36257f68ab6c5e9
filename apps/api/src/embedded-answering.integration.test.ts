import { requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import { openDatabase, withTenant, type DatabaseHandle } from '@pulsegap/db';
import { createJobContext, deliverInvitationsRequest, runJob } from '@pulsegap/jobs';
import { testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHttpServer } from './http-server.js';
import { bearer, signup } from './test-support.js';

// The embedded default (PGlite) runs the employee's whole flow: array parameters, the
// owner-defined lookup and claim functions and the one-row responses work there too.
let handle: DatabaseHandle;
let server: FastifyInstance;

beforeAll(async () => {
  handle = await openDatabase({ appDatabaseUrl: null, dataDir: 'memory://' });
  server = await createHttpServer({ config: testConfig(), db: handle.db });
});
afterAll(async () => {
  await server.close();
  await handle.close();
});

test('on the embedded database a link gets one token and its answers are stored', async () => {
  const org = await signup(server, 'Embedded Co');
  const rows = ['email,name,team,tier'];
  for (let i = 0; i < 5; i += 1) rows.push(`f${i}@embedded.test,F${i},Ops,frontline`);
  const imported = await server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(org.token), 'content-type': 'text/csv' },
    payload: rows.join('\n'),
  });
  expect(imported.statusCode, imported.body).toBe(200);
  const priority = await server.inject({
    method: 'POST',
    url: '/api/v1/priorities',
    headers: bearer(org.token),
    payload: { title: 'Reliability', statedWeight: 4 },
  });
  const pulse = await server.inject({
    method: 'POST',
    url: '/api/v1/pulses',
    headers: bearer(org.token),
    payload: {
      title: 'Pulse',
      priorityIds: [priority.json<{ id: string }>().id],
      dimensions: ['staffing', 'clarity', 'feasibility'],
    },
  });
  const run = await server.inject({
    method: 'POST',
    url: `/api/v1/pulses/${pulse.json<{ id: string }>().id}/runs`,
    headers: bearer(org.token),
  });
  const runId = run.json<{ id: string }>().id;
  const request = deliverInvitationsRequest(org.organizationId, runId);
  await runJob(createJobContext(testConfig(), handle.db), request.name, request.payload);
  const outbox = await server.inject({ url: '/api/v1/dev/outbox', headers: bearer(org.token) });
  const secret = outbox.json<{ items: { link: string }[] }>().items[0]?.link.split('/').at(-1);

  const opened = await server.inject({ url: `/api/v1/invite/${secret}` });
  expect(opened.statusCode, opened.body).toBe(200);
  const invite = opened.json<{ keyId: string; publicKey: string; questions: { id: string }[] }>();
  const tok = await requestToken(invite.publicKey, async (blinded) => {
    const reply = await server.inject({
      method: 'POST',
      url: `/api/v1/invite/${secret}/token`,
      payload: { blindedMessage: toBase64Url(blinded) },
    });
    expect(reply.statusCode, reply.body).toBe(200);
    return Buffer.from(reply.json<{ blindSignature: string }>().blindSignature, 'base64url');
  });
  const again = await server.inject({
    method: 'POST',
    url: `/api/v1/invite/${secret}/token`,
    payload: { blindedMessage: toBase64Url(new Uint8Array(256).fill(1)) },
  });
  expect(again.statusCode).toBe(409);

  const [first, , third] = invite.questions;
  const submitted = await server.inject({
    method: 'POST',
    url: '/api/v1/responses',
    payload: {
      runId,
      token: {
        keyId: invite.keyId,
        message: toBase64Url(tok.message),
        signature: toBase64Url(tok.signature),
      },
      answers: [
        { questionId: third?.id, value: 2 },
        { questionId: first?.id, value: 5 },
      ],
    },
  });
  expect(submitted.statusCode, submitted.body).toBe(201);
  const stored = await withTenant(handle.db, org.organizationId, (trx) =>
    trx.selectFrom('responses').select('answers').where('run_id', '=', runId).execute(),
  );
  expect(stored).toEqual([{ answers: [5, null, 2] }]);
});
