import { createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { openSealedResponse, tokenHash } from '@pulsegap/anonymity';
import { requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import { deriveKey } from '@pulsegap/config';
import type { Database } from '@pulsegap/db';
import { COMMENT_MAX_LENGTH } from '@pulsegap/domain';
import { createJobContext, invitationSecret } from '@pulsegap/jobs';
import { openOwnerDatabase, testConfig } from '@pulsegap/testing';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createPriority,
  createTestServer,
  expectProblem,
  signup,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

interface Invite {
  runId: string;
  keyId: string;
  publicKey: string;
  questions: { id: string }[];
}

interface Token {
  keyId: string;
  message: string;
  signature: string;
}

/** A run with its invitations' secrets (in roster order) and ids. */
interface Run {
  id: string;
  secrets: string[];
  invitationIds: string[];
}

/** What the employee routes may have stored; bad input must change none of it. */
interface Stored {
  /** Responses waiting sealed while the run is open. */
  sealed: number;
  /** A digest of every sealed row (token hash, segment, bytes), so no change goes unseen. */
  sealedDigest: string | null;
  /** Rows in the responses table: none until the run is released. */
  responses: number;
  tokensCollected: number;
  segmentKeys: number;
}

const MIB = 1024 * 1024;
const b64 = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');

let t: TestServer;
let owner: Kysely<Database>;
let org: TestOrganization;
let withComment: Run;
let withoutComment: Run;
let invite: Invite;
let otherInvite: Invite;
let token: Token;
let modulus: Buffer;
let priorityId: string;

async function startRun(title: string, openQuestion: boolean, priorityId: string): Promise<Run> {
  const pulse = await t.server.inject({
    method: 'POST',
    url: '/api/v1/pulses',
    headers: bearer(org.token),
    payload: {
      title,
      priorityIds: [priorityId],
      dimensions: ['staffing', 'clarity'],
      openQuestion,
    },
  });
  expect(pulse.statusCode, pulse.body).toBe(201);
  const run = await t.server.inject({
    method: 'POST',
    url: `/api/v1/pulses/${pulse.json<{ id: string }>().id}/runs`,
    headers: bearer(org.token),
  });
  expect(run.statusCode, run.body).toBe(201);
  const id = run.json<{ id: string }>().id;
  // The links' secrets, derived as the delivery job derives them.
  const { invitationKey } = createJobContext(testConfig(), t.db);
  const { rows } = await sql<{ id: string }>`
    select i.id from invitations i join people p on p.id = i.person_id
     where i.run_id = ${id} order by p.email
  `.execute(owner);
  return {
    id,
    invitationIds: rows.map((r) => r.id),
    secrets: rows.map((r) => invitationSecret(invitationKey, r.id)),
  };
}

async function openInvite(secret: string): Promise<Invite> {
  const response = await t.server.inject({ url: `/api/v1/invite/${secret}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Invite>();
}

async function collectToken(secret: string): Promise<Token> {
  const opened = await openInvite(secret);
  const tok = await requestToken(opened.publicKey, async (blinded) => {
    const response = await t.server.inject({
      method: 'POST',
      url: `/api/v1/invite/${secret}/token`,
      payload: { blindedMessage: toBase64Url(blinded) },
    });
    expect(response.statusCode, response.body).toBe(200);
    return Buffer.from(response.json<{ blindSignature: string }>().blindSignature, 'base64url');
  });
  return {
    keyId: opened.keyId,
    message: toBase64Url(tok.message),
    signature: toBase64Url(tok.signature),
  };
}

async function stored(): Promise<Record<string, Stored>> {
  const result: Record<string, Stored> = {};
  for (const run of [withComment, withoutComment]) {
    const { rows } = await sql<Stored>`
      select (select count(*)::int from sealed_responses where run_id = ${run.id}) as sealed,
             (select md5(string_agg(token_hash || coalesce(segment_team_id::text, '')::bytea
                                    || segment_tier::bytea || sealed, '' order by token_hash))
                from sealed_responses where run_id = ${run.id}) as "sealedDigest",
             (select count(*)::int from responses where run_id = ${run.id}) as responses,
             (select count(*)::int from invitations
               where run_id = ${run.id} and token_collected) as "tokensCollected",
             (select count(*)::int from segment_keys where run_id = ${run.id}) as "segmentKeys"
    `.execute(owner);
    result[run.id] = rows[0] as Stored;
  }
  return result;
}

async function tokenCollected(invitationId: string): Promise<boolean> {
  const { rows } = await sql<{ collected: boolean }>`
    select token_collected as collected from invitations where id = ${invitationId}
  `.execute(owner);
  return rows[0]?.collected ?? false;
}

/** A valid submission to the run with an open question, with `token`. */
function submission(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    runId: invite.runId,
    token: { ...token },
    answers: invite.questions.map((q, i) => ({ questionId: q.id, value: 1 + (i % 5) })),
    ...overrides,
  };
}

function withToken(overrides: Partial<Token>): Record<string, unknown> {
  return submission({ token: { ...token, ...overrides } });
}

function withAnswers(answers: unknown[]): Record<string, unknown> {
  return submission({ answers });
}

/** Asserts a 400 with `path` among its field errors. */
function expectInvalid(response: LightMyRequestResponse, path: string) {
  const problem = expectProblem(response, 400);
  expect(problem.code).toBe('PG_ERR_VALIDATION');
  expect(problem.errors).toContainEqual({ path, message: expect.any(String) });
  return problem;
}

/** The JSON text of `body` with raw bytes put inside its comment string. */
function withRawBytesInComment(body: Record<string, unknown>, bytes: number[]): Buffer {
  const [head, tail] = JSON.stringify({ ...body, comment: '@@' }).split('@@');
  return Buffer.concat([Buffer.from(head ?? ''), Buffer.from(bytes), Buffer.from(tail ?? '')]);
}

beforeAll(async () => {
  t = await createTestServer();
  owner = openOwnerDatabase();
  org = await signup(t.server, 'Bad Input Co');
  const rows = ['email,name,team,tier'];
  for (let i = 0; i < 8; i += 1) rows.push(`e${i}@bad-input.test,E${i},Floor,frontline`);
  // Leaders sort after the frontline: the secrets used below are all of the frontline.
  for (let i = 0; i < 5; i += 1) rows.push(`l${i}@bad-input.test,L${i},Office,leadership`);
  const imported = await t.server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(org.token), 'content-type': 'text/csv' },
    payload: rows.join('\n'),
  });
  expect(imported.statusCode, imported.body).toBe(200);
  priorityId = await createPriority(t.server, org.token, { title: 'Safety', statedWeight: 3 });
  withComment = await startRun('With a comment', true, priorityId);
  withoutComment = await startRun('Without a comment', false, priorityId);
  expect(withComment.secrets).toHaveLength(13);
  invite = await openInvite(withComment.secrets[0] ?? '');
  otherInvite = await openInvite(withoutComment.secrets[0] ?? '');
  token = await collectToken(withComment.secrets[0] ?? '');
  const jwk = createPublicKey({
    key: Buffer.from(invite.publicKey, 'base64url'),
    format: 'der',
    type: 'spki',
  }).export({ format: 'jwk' });
  modulus = Buffer.from(jwk.n ?? '', 'base64url');
  expect(modulus).toHaveLength(256);
});
afterAll(async () => {
  await t.close();
  await owner.destroy();
});

/** A bad request and the field its problem must name (none for errors without fields). */
interface BadRequest {
  readonly name: string;
  readonly request: () => InjectOptions;
  readonly status: number;
  readonly path?: string;
  readonly code?: string;
}

const UNKNOWN_SECRET = 'A'.repeat(43);
const MALFORMED_SECRETS: readonly [string, string][] = [
  ['too short', 'A'.repeat(42)],
  ['too long', 'A'.repeat(44)],
  ['with +', `${'A'.repeat(42)}+`],
  ['with an encoded /', `${'A'.repeat(21)}%2F${'A'.repeat(21)}`],
  ['with =', `${'A'.repeat(42)}=`],
  ['with a space', `${'A'.repeat(21)}%20${'A'.repeat(21)}`],
  ['with a dot', `${'A'.repeat(42)}.`],
  ['with a non-ASCII letter', `${'A'.repeat(42)}%C3%A9`],
];

// The invitation whose token the link routes are asked for; it must stay uncollected.
const target = () => withComment.secrets[3] ?? '';
const tokenRequest = (blindedMessage: unknown, secret = target()): InjectOptions => ({
  method: 'POST',
  url: `/api/v1/invite/${secret}/token`,
  payload: { blindedMessage },
});
const post = (payload: InjectOptions['payload'], contentType?: string): InjectOptions => ({
  method: 'POST',
  url: '/api/v1/responses',
  payload,
  ...(contentType === undefined ? {} : { headers: { 'content-type': contentType } }),
});

const LINK_CASES: readonly BadRequest[] = [
  {
    name: 'an unknown secret',
    request: () => ({ url: `/api/v1/invite/${UNKNOWN_SECRET}` }),
    status: 404,
  },
  {
    name: 'a secret with a stray %',
    request: () => ({ url: `/api/v1/invite/${'A'.repeat(42)}%` }),
    status: 400,
    code: 'PG_ERR_BAD_URL',
  },
  {
    name: 'a secret of 200 characters',
    request: () => ({ url: `/api/v1/invite/${'A'.repeat(200)}` }),
    status: 414,
    code: 'PG_ERR_MAX_PARAM_LENGTH',
  },
  ...MALFORMED_SECRETS.map(([name, secret]): BadRequest => ({
    name: `a secret ${name}`,
    request: () => ({ url: `/api/v1/invite/${secret}` }),
    status: 400,
    path: 'params/secret',
  })),
];

const TOKEN_CASES: readonly BadRequest[] = [
  {
    name: 'an unknown secret',
    request: () => tokenRequest(b64(Buffer.alloc(256, 1)), UNKNOWN_SECRET),
    status: 404,
  },
  ...MALFORMED_SECRETS.map(([name, secret]): BadRequest => ({
    name: `a secret ${name}`,
    request: () => tokenRequest(b64(Buffer.alloc(256, 1)), secret),
    status: 400,
    path: 'params/secret',
  })),
  ...(['+', '/', '=', ' '] as const).map((c): BadRequest => ({
    name: `a blinded message with "${c}"`,
    request: () => tokenRequest(`${b64(Buffer.alloc(255, 7)).slice(0, -1)}${c}`),
    status: 400,
    path: 'body/blindedMessage',
  })),
  {
    name: 'a blinded message in standard base64 with padding',
    request: () => tokenRequest(Buffer.alloc(256, 0xfb).toString('base64')),
    status: 400,
    path: 'body/blindedMessage',
  },
  {
    name: 'a blinded message whose unused bits are set',
    request: () => tokenRequest(`${b64(Buffer.alloc(256, 1)).slice(0, -1)}B`),
    status: 400,
    path: 'body/blindedMessage',
  },
  ...[0, 1, 64, 255, 257, 512].map((length): BadRequest => ({
    name: `a blinded message of ${length} bytes`,
    request: () => tokenRequest(length === 0 ? '' : b64(Buffer.alloc(length, 1))),
    status: 400,
    path: 'body/blindedMessage',
  })),
  {
    name: 'a blinded message equal to the modulus',
    request: () => tokenRequest(b64(modulus)),
    status: 400,
    path: 'body/blindedMessage',
  },
  {
    name: 'a blinded message above the modulus',
    request: () => tokenRequest(b64(Buffer.alloc(256, 0xff))),
    status: 400,
    path: 'body/blindedMessage',
  },
  {
    name: 'a blinded message that is not a string',
    request: () => tokenRequest(12345),
    status: 400,
    path: 'body/blindedMessage',
  },
  {
    name: 'no blinded message',
    request: () => ({ method: 'POST', url: `/api/v1/invite/${target()}/token`, payload: {} }),
    status: 400,
    path: 'body',
  },
  {
    name: 'an unknown field',
    request: () => ({
      method: 'POST',
      url: `/api/v1/invite/${target()}/token`,
      payload: { blindedMessage: b64(Buffer.alloc(256, 1)), personId: randomUUID() },
    }),
    status: 400,
    path: 'body/personId',
  },
  {
    name: 'invalid UTF-8 inside a string',
    request: () => ({
      method: 'POST',
      url: `/api/v1/invite/${target()}/token`,
      headers: { 'content-type': 'application/json' },
      payload: Buffer.concat([
        Buffer.from('{"blindedMessage":"AA'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]),
    }),
    status: 400,
    code: 'PG_ERR_INVALID_UTF8',
  },
  {
    name: 'a body over 1 MiB',
    request: () => tokenRequest('A'.repeat(MIB + 16)),
    status: 413,
  },
];

const RESPONSE_CASES: readonly BadRequest[] = [
  {
    name: 'an unknown run',
    request: () => post(submission({ runId: randomUUID() })),
    status: 404,
  },
  {
    name: 'a key of another run',
    request: () => post(withToken({ keyId: otherInvite.keyId })),
    status: 403,
  },
  {
    name: 'an unknown key',
    request: () => post(withToken({ keyId: randomUUID() })),
    status: 403,
  },
  {
    name: 'a signature of another message',
    request: () => post(withToken({ message: b64(randomBytes(64)) })),
    status: 403,
  },
  ...[0, 32, 63, 65, 96].map((length): BadRequest => ({
    name: `a token message of ${length} bytes`,
    request: () => post(withToken({ message: length === 0 ? '' : b64(randomBytes(length)) })),
    status: 400,
    path: 'body/token/message',
  })),
  ...(['+', '/', '=', ' '] as const).flatMap((c): BadRequest[] => [
    {
      name: `a token message with "${c}"`,
      request: () => post(withToken({ message: `${token.message.slice(0, -1)}${c}` })),
      status: 400,
      path: 'body/token/message',
    },
    {
      name: `a token signature with "${c}"`,
      request: () => post(withToken({ signature: `${token.signature.slice(0, -1)}${c}` })),
      status: 400,
      path: 'body/token/signature',
    },
  ]),
  {
    name: 'a token key id that is not a UUID',
    request: () => post(withToken({ keyId: 'key-1' })),
    status: 400,
    path: 'body/token/keyId',
  },
  {
    name: 'an answer to a question not in the run',
    request: () =>
      post(
        withAnswers([
          { questionId: invite.questions[0]?.id, value: 3 },
          { questionId: randomUUID(), value: 3 },
        ]),
      ),
    status: 400,
    path: 'body/answers/1/questionId',
  },
  {
    name: 'an answer to a question of another run',
    request: () =>
      post(withAnswers([{ questionId: otherInvite.questions[0]?.id ?? '', value: 3 }])),
    status: 400,
    path: 'body/answers/0/questionId',
  },
  ...([0, 6, -1, 2.5, '3', null, true, 1e308] as const).map((value): BadRequest => ({
    name: `the value ${JSON.stringify(value)}`,
    request: () => post(withAnswers([{ questionId: invite.questions[0]?.id ?? '', value }])),
    status: 400,
    path: 'body/answers/0/value',
  })),
  {
    name: 'the same question twice',
    request: () =>
      post(
        withAnswers([
          { questionId: invite.questions[0]?.id, value: 3 },
          { questionId: invite.questions[0]?.id, value: 4 },
        ]),
      ),
    status: 400,
    path: 'body/answers/1/questionId',
  },
  {
    name: 'no answers',
    request: () => post(withAnswers([])),
    status: 400,
    path: 'body/answers',
  },
  {
    name: 'a comment of 2,001 characters',
    request: () => post(submission({ comment: 'x'.repeat(2001) })),
    status: 400,
    path: 'body/comment',
  },
  {
    name: 'a comment holding U+0000',
    request: () => post(submission({ comment: 'before\u0000after' })),
    status: 400,
    path: 'body/comment',
  },
  {
    name: 'a comment when the pulse has no open question',
    request: () =>
      post({
        runId: otherInvite.runId,
        token: { keyId: otherInvite.keyId, message: token.message, signature: token.signature },
        answers: otherInvite.questions.map((q) => ({ questionId: q.id, value: 3 })),
        comment: 'Not asked for.',
      }),
    status: 400,
    path: 'body/comment',
  },
  {
    name: 'an unknown field',
    request: () => post(submission({ submittedAt: new Date().toISOString() })),
    status: 400,
    path: 'body/submittedAt',
  },
  {
    name: 'an unknown field in the token',
    request: () => post(submission({ token: { ...token, invitationId: randomUUID() } })),
    status: 400,
    path: 'body/token/invitationId',
  },
  {
    name: 'an unknown field in an answer',
    request: () =>
      post(withAnswers([{ questionId: invite.questions[0]?.id, value: 3, at: 'now' }])),
    status: 400,
    path: 'body/answers/0/at',
  },
  {
    name: 'a run id that is not a UUID',
    request: () => post(submission({ runId: 'run-1' })),
    status: 400,
    path: 'body/runId',
  },
  {
    name: 'no token',
    request: () => post(submission({ token: undefined })),
    status: 400,
    path: 'body',
  },
  {
    name: 'invalid UTF-8 inside the comment',
    request: () => post(withRawBytesInComment(submission(), [0xff, 0xfe]), 'application/json'),
    status: 400,
    code: 'PG_ERR_INVALID_UTF8',
  },
  {
    name: 'a body over 1 MiB',
    request: () => post(submission({ comment: 'x'.repeat(MIB) })),
    status: 413,
  },
  {
    name: 'an empty body',
    request: () => post('', 'application/json'),
    status: 400,
  },
  {
    name: 'a body that is not JSON',
    request: () => post('{"runId":', 'application/json'),
    status: 400,
  },
  {
    name: 'a form instead of JSON',
    request: () => post('runId=1', 'application/x-www-form-urlencoded'),
    status: 415,
  },
];

describe.each([
  ['GET /invite/:secret', LINK_CASES],
  ['POST /invite/:secret/token', TOKEN_CASES],
  ['POST /responses', RESPONSE_CASES],
])('%s refuses bad input and stores nothing', (_route, cases) => {
  test.each(cases.map((c) => [c.name, c]))('%s', async (_name, bad) => {
    const before = await stored();
    const response = await t.server.inject(bad.request());
    const problem = expectProblem(response, bad.status);
    if (bad.path !== undefined) expectInvalid(response, bad.path);
    if (bad.code !== undefined) expect(problem.code).toBe(bad.code);
    expect(await stored()).toEqual(before);
    expect(await tokenCollected(withComment.invitationIds[3] ?? '')).toBe(false);
  });
});

describe('after all the bad input', () => {
  test('the token still records exactly one response, and only once', async () => {
    const before = await stored();
    const comment = 'y'.repeat(2000);
    const ok = await t.server.inject(post(submission({ comment })));
    expect(ok.statusCode, ok.body).toBe(201);
    const after = await stored();
    expect(after[withComment.id]).toEqual({
      ...before[withComment.id],
      sealed: (before[withComment.id]?.sealed ?? 0) + 1,
      sealedDigest: expect.any(String) as string,
      responses: 0,
    });
    expect(after[withComment.id]?.sealedDigest).not.toBe(before[withComment.id]?.sealedDigest);
    expect(after[withoutComment.id]).toEqual(before[withoutComment.id]);
    // Sealed as sent: every answer at its question's position, and the comment whole.
    const { rows } = await sql<{ sealed: Buffer }>`
      select sealed from sealed_responses
       where run_id = ${withComment.id} and token_hash = ${tokenHash(Buffer.from(token.message, 'base64url'))}
    `.execute(owner);
    expect(rows).toHaveLength(1);
    const content = openSealedResponse(
      rows[0]?.sealed ?? Buffer.alloc(0),
      { questionCount: invite.questions.length, commentUnits: COMMENT_MAX_LENGTH },
      deriveKey(testConfig(), 'response-sealing'),
      withComment.id,
    );
    expect(content).toEqual({
      answers: invite.questions.map((_, i) => 1 + (i % 5)),
      comment,
    });
    expectProblem(await t.server.inject(post(submission())), 409);
    expect(await stored()).toEqual(after);
  });

  test('the untouched invitation still gets its token', async () => {
    const fresh = await collectToken(target());
    expect(fresh.keyId).toBe(invite.keyId);
    expect(await tokenCollected(withComment.invitationIds[3] ?? '')).toBe(true);
  });

  test('a comment holding U+0000 is refused, and does not sink the responses sent with it', async () => {
    const good = await collectToken(withComment.secrets[1] ?? '');
    const bad = await collectToken(withComment.secrets[2] ?? '');
    const before = await stored();
    const answers = invite.questions.map((q) => ({ questionId: q.id, value: 5 }));
    const [refused, recorded] = await Promise.all([
      t.server.inject(post({ runId: invite.runId, token: bad, answers, comment: 'a\u0000b' })),
      t.server.inject(post({ runId: invite.runId, token: good, answers })),
    ]);
    expectInvalid(refused, 'body/comment');
    expect(recorded.statusCode, recorded.body).toBe(201);
    expect((await stored())[withComment.id]?.sealed).toBe(
      (before[withComment.id]?.sealed ?? 0) + 1,
    );
  });
});

/** Ends a run: closed early by its admin, or left past its closing time. */
const ENDINGS: readonly [string, (runId: string) => Promise<void>][] = [
  [
    'closed early by an admin',
    async (runId) => {
      const closed = await t.server.inject({
        method: 'POST',
        url: `/api/v1/runs/${runId}/close`,
        headers: bearer(org.token),
      });
      expect(closed.statusCode, closed.body).toBe(200);
    },
  ],
  [
    'past its closing time',
    async (runId) => {
      await sql`
        update runs set closes_at = now() - interval '1 minute' where id = ${runId}
      `.execute(owner);
    },
  ],
];

// A run that takes no answers any more gives out no token: a token it could never spend
// would only mark its link as used. Once a token of the segment was issued, its signer is
// known without reading the run, so the claim itself must refuse; before, the run is read.
describe.each(ENDINGS)('POST /invite/:secret/token for a run %s', (_ending, end) => {
  test.each([
    ['after a token of its segment was issued', true],
    ['before any token was issued', false],
  ])('%s: 410, and the link keeps its token', async (_when, issuedBefore) => {
    const run = await startRun('Ended', true, priorityId);
    if (issuedBefore) await collectToken(run.secrets[0] ?? '');
    await end(run.id);
    const response = await t.server.inject(
      tokenRequest(b64(Buffer.alloc(256, 1)), run.secrets[1] ?? ''),
    );
    expect(expectProblem(response, 410).code).toBe('PG_ERR_RUN_CLOSED');
    expect(await tokenCollected(run.invitationIds[1] ?? '')).toBe(false);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from invitations where run_id = ${run.id} and token_collected
    `.execute(owner);
    expect(rows[0]?.n).toBe(issuedBefore ? 1 : 0);
  });
});

// Whatever arrives, the employee routes answer it: never a 5xx.
describe('arbitrary input never makes an employee route fail', () => {
  const RUNS = 200;
  // Mostly JSON, so that most bodies get past the parser and into the routes.
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    { weight: 2, arbitrary: fc.constant('application/json; charset=utf-8') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded') },
  );

  function expectAnswered(response: LightMyRequestResponse): void {
    expect(response.statusCode, response.body).toBeLessThan(500);
    if (response.statusCode >= 400) {
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  }

  /** A body as bytes: JSON of a value, or anything at all. */
  const rawBody = (value: fc.Arbitrary<unknown>) =>
    fc.oneof(
      {
        weight: 4,
        arbitrary: value.map((v) => (JSON.stringify(v) as string | undefined) ?? 'null'),
      },
      { weight: 1, arbitrary: fc.string() },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)) },
    );

  const PATHS = [
    ['runId'],
    ['token'],
    ['token', 'keyId'],
    ['token', 'message'],
    ['token', 'signature'],
    ['answers'],
    ['answers', '0'],
    ['answers', '0', 'questionId'],
    ['answers', '0', 'value'],
    ['comment'],
    ['extra'],
  ];

  /** `body` with the value at `path` dropped (`undefined`) or replaced. */
  function mutate(body: unknown, path: readonly string[], value: unknown): unknown {
    const copy = structuredClone(body) as Record<string, unknown>;
    let node: Record<string, unknown> = copy;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === null || typeof next !== 'object') return copy;
      node = next as Record<string, unknown>;
    }
    const last = path.at(-1) ?? '';
    if (value === undefined) Reflect.deleteProperty(node, last);
    else node[last] = value;
    return copy;
  }

  const replacement = fc.oneof(
    fc.constant(undefined),
    fc.jsonValue(),
    fc.string(),
    fc.integer(),
    fc.base64String().map((s) => s.replaceAll('=', '')),
    fc.uint8Array({ minLength: 60, maxLength: 260 }).map(b64),
    fc.uint8Array({ minLength: 64, maxLength: 64 }).map(b64),
    fc.uuid(),
  );

  test('POST /responses', async () => {
    const fresh = await collectToken(withComment.secrets[4] ?? '');
    const valid = submission({ token: fresh });
    const before = (await stored())[withComment.id]?.sealed ?? 0;
    const body = fc.oneof(
      rawBody(fc.oneof(fc.anything(), fc.object(), fc.jsonValue())),
      rawBody(
        fc
          .array(fc.tuple(fc.constantFrom(...PATHS), replacement), { minLength: 1, maxLength: 3 })
          .map((edits) => edits.reduce<unknown>((b, [p, v]) => mutate(b, p, v), valid)),
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, async (payload, contentType) => {
        expectAnswered(await t.server.inject(post(payload, contentType)));
      }),
      { numRuns: RUNS },
    );
    // One token, at most one response, whatever was sent with it.
    expect((await stored())[withComment.id]?.sealed).toBeLessThanOrEqual(before + 1);
  });

  test('POST /invite/:secret/token', async () => {
    const secret = withComment.secrets[5] ?? '';
    const blinded = fc.oneof(
      fc.uint8Array({ minLength: 256, maxLength: 256 }).map(b64),
      fc.uint8Array({ minLength: 250, maxLength: 260 }).map(b64),
      fc.base64String(),
      fc.string(),
      fc.jsonValue(),
    );
    const body = rawBody(
      fc.oneof(
        { weight: 3, arbitrary: fc.record({ blindedMessage: blinded }) },
        { weight: 1, arbitrary: fc.record({ blindedMessage: blinded, extra: fc.jsonValue() }) },
        { weight: 1, arbitrary: fc.anything() },
        { weight: 1, arbitrary: fc.object() },
      ),
    );
    const secrets = fc.oneof(
      { weight: 3, arbitrary: fc.constant(secret) },
      { weight: 1, arbitrary: fc.constant(UNKNOWN_SECRET) },
      { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    );
    await fc.assert(
      fc.asyncProperty(body, secrets, contentType, async (payload, s, contentType) => {
        expectAnswered(
          await t.server.inject({
            method: 'POST',
            url: `/api/v1/invite/${s}/token`,
            payload,
            headers: { 'content-type': contentType },
          }),
        );
      }),
      { numRuns: RUNS },
    );
  });

  test('GET /invite/<anything>', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 80 }).map(encodeURIComponent),
      fc.string({ unit: 'grapheme', maxLength: 60 }).map(encodeURIComponent),
      fc.webSegment(),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      fc.constantFrom('%', '%zz', '%00', '..', '%2e%2e', '%ff%fe', 'a%2Fb', '?', '#'),
    );
    await fc.assert(
      fc.asyncProperty(segment, async (s) => {
        expectAnswered(await t.server.inject({ url: `/api/v1/invite/${s}` }));
      }),
      { numRuns: RUNS },
    );
  });
});
