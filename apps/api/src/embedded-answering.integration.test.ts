import { tokenHash } from '@pulsegap/anonymity';
import { toBase64Url } from '@pulsegap/anonymity/client';
import { openDatabase, withTenant, type DatabaseHandle } from '@pulsegap/db';
import { testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHttpServer } from './http-server.js';
import {
  collectToken,
  openInvite,
  releaseNow,
  rosterRows,
  startAnsweringRun,
  submission,
} from './test-support.js';

// The embedded default (PGlite) runs the employee's whole flow: array parameters, the
// owner-defined lookup, claim and sealing functions, and the release that moves the sealed
// responses into the responses table work there too.
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

test('on the embedded database a link gets one token, its answers are sealed, and released at close', async () => {
  const { org, runId, secretOf } = await startAnsweringRun(server, handle.db, {
    organization: 'Embedded Co',
    people: [
      ...rosterRows('embedded.test', 'f', 'Ops', 'frontline', 5),
      ...rosterRows('embedded.test', 'l', 'Board', 'leadership', 5),
    ],
    dimensions: ['staffing', 'clarity', 'feasibility'],
  });
  const secret = secretOf('f0@embedded.test');
  const invite = await openInvite(server, secret);
  const tok = await collectToken(server, secret, invite);
  const again = await server.inject({
    method: 'POST',
    url: `/api/v1/invite/${secret}/token`,
    payload: { blindedMessage: toBase64Url(new Uint8Array(256).fill(1)) },
  });
  expect(again.statusCode).toBe(409);

  const [first, , third] = invite.questions;
  const body = {
    ...submission(invite, tok),
    answers: [
      { questionId: third?.id, value: 2 },
      { questionId: first?.id, value: 5 },
    ],
  };
  const submitted = await server.inject({
    method: 'POST',
    url: '/api/v1/responses',
    payload: body,
  });
  expect(submitted.statusCode, submitted.body).toBe(201);
  const resent = await server.inject({ method: 'POST', url: '/api/v1/responses', payload: body });
  expect(resent.statusCode, resent.body).toBe(409);

  const rows = () =>
    withTenant(handle.db, org.organizationId, async (trx) => ({
      sealed: await trx
        .selectFrom('sealed_responses')
        .select(['token_hash', 'segment_tier'])
        .where('run_id', '=', runId)
        .execute(),
      stored: await trx
        .selectFrom('responses')
        .select(['answers', 'segment_tier'])
        .where('run_id', '=', runId)
        .execute(),
    }));
  // While the run is open, the response waits sealed, under its token's hash.
  const open = await rows();
  expect(open.stored).toEqual([]);
  expect(open.sealed).toHaveLength(1);
  expect(open.sealed[0]?.token_hash.equals(tokenHash(tok.message))).toBe(true);
  expect(open.sealed[0]?.segment_tier).toBe('frontline');

  // Released, it is in the responses table, answers by question position.
  await releaseNow(handle.db, org.organizationId, runId);
  expect(await rows()).toEqual({
    sealed: [],
    stored: [{ answers: [5, null, 2], segment_tier: 'frontline' }],
  });
});
