import { toBase64Url } from '@pulsegap/anonymity/client';
import { openDatabase, withTenant, type DatabaseHandle } from '@pulsegap/db';
import { testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHttpServer } from './http-server.js';
import { collectToken, openInvite, startAnsweringRun, submission } from './test-support.js';

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
  const people = Array.from({ length: 5 }, (_, i) => `f${i}@embedded.test,F${i},Ops,frontline`);
  const { org, runId, links } = await startAnsweringRun(server, handle.db, {
    organization: 'Embedded Co',
    people,
    dimensions: ['staffing', 'clarity', 'feasibility'],
  });
  const secret = links[0]?.secret ?? '';
  const invite = await openInvite(server, secret);
  const tok = await collectToken(server, secret, invite);
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
      ...submission(invite, tok),
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
