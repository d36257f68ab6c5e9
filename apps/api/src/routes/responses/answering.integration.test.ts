import { openSealedResponse, SigningPool, tokenHash } from '@pulsegap/anonymity';
import { toBase64Url } from '@pulsegap/anonymity/client';
import { deriveKey } from '@pulsegap/config';
import { withTenant } from '@pulsegap/db';
import { COMMENT_MAX_LENGTH } from '@pulsegap/domain';
import { createHttpServer } from '../../http-server.js';
import { testConfig } from '@pulsegap/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  collectToken,
  createTestServer,
  expectProblem,
  openInvite as openLink,
  releaseNow,
  startAnsweringRun,
  submission,
  type TestInvite,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

// The employee's flow through the API, with the browser's half of the blind signature
// done by the same client code the answer page uses.
describe('answering anonymously', () => {
  let t: TestServer;
  let org: TestOrganization;
  let runId: string;
  let links: readonly { to: string; secret: string }[];
  let secretOf: (email: string) => string;

  beforeAll(async () => {
    t = await createTestServer();
    const people: string[] = [];
    for (let i = 0; i < 6; i += 1) people.push(`l${i}@answer.test,L${i},Support,leadership`);
    for (let i = 0; i < 6; i += 1) people.push(`f${i}@answer.test,F${i},Support,frontline`);
    // Under k each, together k: the whole organization's frontline segment.
    people.push('solo@answer.test,Solo,Tiny,frontline');
    for (let i = 0; i < 4; i += 1) people.push(`s${i}@answer.test,S${i},Spare,frontline`);
    const started = await startAnsweringRun(t.server, t.db, {
      organization: 'Answering Co',
      people,
      dimensions: ['staffing', 'clarity'],
    });
    ({ org, runId, links, secretOf } = started);
  });
  afterAll(() => t.close());

  const openInvite = (secret: string) => openLink(t.server, secret);
  const token = (secret: string, invite: TestInvite) => collectToken(t.server, secret, invite);

  /** The run's responses waiting sealed, as the application role sees them. */
  const sealedRows = () =>
    withTenant(t.db, org.organizationId, (trx) =>
      trx
        .selectFrom('sealed_responses')
        .select(['token_hash', 'segment_team_id', 'segment_tier', 'sealed'])
        .where('run_id', '=', runId)
        .execute(),
    );
  /** The run's rows in the responses table: none until the run is released. */
  const storedRows = () =>
    withTenant(t.db, org.organizationId, (trx) =>
      trx
        .selectFrom('responses')
        .select(['segment_team_id', 'segment_tier', 'answers', 'comment'])
        .where('run_id', '=', runId)
        .execute(),
    );
  /** What a sealed response of this run (two questions, an open question) holds. */
  const opened = (sealed: Buffer) =>
    openSealedResponse(
      sealed,
      { questionCount: 2, commentUnits: COMMENT_MAX_LENGTH },
      deriveKey(testConfig(), 'response-sealing'),
      runId,
    );

  test('every invitee got a link; a segment under k is merged into the whole organization', async () => {
    expect(links).toHaveLength(17);
    const solo = await openInvite(secretOf('solo@answer.test'));
    expect(solo.segment).toEqual({ teamId: null, team: null, tier: 'frontline' });
    const f0 = await openInvite(secretOf('f0@answer.test'));
    const f1 = await openInvite(secretOf('f1@answer.test'));
    expect(f0.segment).toMatchObject({ team: 'Support', tier: 'frontline' });
    expect(f1.keyId).toBe(f0.keyId);
    const keys = await t.server.inject({ url: `/api/v1/runs/${runId}/keys` });
    const items = keys.json<{ items: { keyId: string; fingerprint: string }[] }>().items;
    expect(items.map((k) => k.fingerprint)).toContain(f0.fingerprint);
  });

  test('one token per invitation, one response per token, even when sent twice at once', async () => {
    const secret = secretOf('f2@answer.test');
    const invite = await openInvite(secret);
    const tok = await token(secret, invite);
    const again = await t.server.inject({
      method: 'POST',
      url: `/api/v1/invite/${secret}/token`,
      payload: { blindedMessage: toBase64Url(new Uint8Array(256).fill(1)) },
    });
    expectProblem(again, 409);
    const body = submission(invite, tok);
    const [a, b] = await Promise.all([
      t.server.inject({ method: 'POST', url: '/api/v1/responses', payload: body }),
      t.server.inject({ method: 'POST', url: '/api/v1/responses', payload: body }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    const third = await t.server.inject({
      method: 'POST',
      url: '/api/v1/responses',
      payload: body,
    });
    expectProblem(third, 409);
    // Whether the two copies met in one batch or not, exactly one of them is stored,
    // sealed under its token's segment; nothing reaches the responses table while open.
    const sealed = (await sealedRows()).filter((r) => r.token_hash.equals(tokenHash(tok.message)));
    expect(sealed).toHaveLength(1);
    expect(sealed[0]?.segment_tier).toBe('frontline');
    expect(sealed[0]?.segment_team_id).toEqual(expect.any(String));
    expect(opened(sealed[0]?.sealed ?? Buffer.alloc(0))).toEqual({
      answers: [4, 4],
      comment: null,
    });
    expect(await storedRows()).toEqual([]);
  });

  test('a forged or altered token, or a key of another run, is a 403', async () => {
    const secret = secretOf('f3@answer.test');
    const invite = await openInvite(secret);
    const tok = await token(secret, invite);
    const altered = submission(invite, tok);
    const flipped = Buffer.from(tok.signature);
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    altered.token.signature = flipped.toString('base64url');
    expectProblem(
      await t.server.inject({ method: 'POST', url: '/api/v1/responses', payload: altered }),
      403,
    );
    const leader = await openInvite(secretOf('l0@answer.test'));
    const wrongKey = {
      ...submission(invite, tok),
      token: { ...submission(invite, tok).token, keyId: leader.keyId },
    };
    expectProblem(
      await t.server.inject({ method: 'POST', url: '/api/v1/responses', payload: wrongKey }),
      403,
    );
    const ok = await t.server.inject({
      method: 'POST',
      url: '/api/v1/responses',
      payload: submission(invite, tok),
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  test('participation per run and per segment team of at least k invitees', async () => {
    const pulses = await t.server.inject({ url: '/api/v1/pulses', headers: bearer(org.token) });
    const pulseId = pulses.json<{ items: { id: string }[] }>().items[0]?.id ?? '';
    const runs = await t.server.inject({
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    const run = runs.json<{
      items: {
        id: string;
        state: string;
        participation: unknown;
        teams: unknown;
        withheld: unknown;
      }[];
    }>().items[0];
    expect(run).toMatchObject({ id: runId, state: 'open' });
    // f2 and f3 collected tokens and answered (earlier tests); everyone was invited. The
    // responses are counted from the sealed ones, by their tokens' segments.
    const counts = (invited: number, tokensCollected = 0, responses = 0) => ({
      invited,
      tokensCollected,
      responses,
    });
    expect(run?.participation).toEqual({
      ...counts(17, 2, 2),
      tiers: { leadership: counts(6), frontline: counts(11, 2, 2) },
    });
    // Support's leadership and frontline segments (6 each); Tiny's one person and Spare's
    // four count for the whole organization and are not shown as teams.
    expect(run?.teams).toEqual([
      {
        teamId: expect.any(String),
        team: 'Support',
        ...counts(12, 2, 2),
        tiers: { leadership: counts(6), frontline: counts(6, 2, 2) },
      },
    ]);
    expect(run?.withheld).toEqual([]);
  });

  test('answers are stored by question position, unanswered ones as null', async () => {
    const secret = secretOf('l1@answer.test');
    const invite = await openInvite(secret);
    const tok = await token(secret, invite);
    const [first, second] = invite.questions;
    const body = { ...submission(invite, tok), answers: [{ questionId: second?.id, value: 2 }] };
    const ok = await t.server.inject({ method: 'POST', url: '/api/v1/responses', payload: body });
    expect(ok.statusCode, ok.body).toBe(201);
    const both = await openInvite(secretOf('l2@answer.test'));
    const reversed = {
      ...submission(both, await token(secretOf('l2@answer.test'), both)),
      answers: [
        { questionId: second?.id, value: 5 },
        { questionId: first?.id, value: 1 },
      ],
    };
    const ok2 = await t.server.inject({
      method: 'POST',
      url: '/api/v1/responses',
      payload: reversed,
    });
    expect(ok2.statusCode, ok2.body).toBe(201);
    // Sealed while the run is open: each holds its answers by question position.
    const sealed = (await sealedRows()).filter((r) => r.segment_tier === 'leadership');
    expect(sealed.map((r) => opened(r.sealed).answers)).toHaveLength(2);
    expect(sealed.map((r) => opened(r.sealed).answers)).toContainEqual([1, 5]);
    expect(sealed.map((r) => opened(r.sealed).answers)).toContainEqual([null, 2]);
    expect(await storedRows()).toEqual([]);
  });

  test('a token asked for again with the same blinded message is given again; another blinded message is a 409', async () => {
    const secret = secretOf('l3@answer.test');
    await openInvite(secret);
    const ask = (fill: number) =>
      t.server.inject({
        method: 'POST',
        url: `/api/v1/invite/${secret}/token`,
        payload: { blindedMessage: toBase64Url(new Uint8Array(256).fill(fill)) },
      });
    // At once, as a browser retrying over a dropped connection might: one claim, and the
    // same signature for each (a blinded message's signature is the same every time).
    const together = await Promise.all([ask(1), ask(1), ask(1)]);
    expect(together.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    const signatures = together.map((r) => r.json<{ blindSignature: string }>().blindSignature);
    expect(new Set(signatures).size).toBe(1);
    // Later, the same: the answer to the first request was lost, not the token.
    const later = await ask(1);
    expect(later.statusCode, later.body).toBe(200);
    expect(later.json<{ blindSignature: string }>().blindSignature).toBe(signatures[0]);
    // Any other blinded message would be a second token for the link.
    expect(expectProblem(await ask(2), 409).code).toBe('PG_ERR_TOKEN_COLLECTED');
  });

  test('two different blinded messages for one link at once: one signature, one 409', async () => {
    const secret = secretOf('l5@answer.test');
    await openInvite(secret);
    const replies = await Promise.all(
      [1, 2].map((fill) =>
        t.server.inject({
          method: 'POST',
          url: `/api/v1/invite/${secret}/token`,
          payload: { blindedMessage: toBase64Url(new Uint8Array(256).fill(fill)) },
        }),
      ),
    );
    expect(replies.map((r) => r.statusCode).sort()).toEqual([200, 409]);
  });

  test('when signing fails after the claim, the link keeps its token', async () => {
    const secret = secretOf('l4@answer.test');
    const invite = await openInvite(secret);
    const broken = new SigningPool(1);
    await broken.close();
    const failing = await createHttpServer({ config: testConfig(), db: t.db, signingPool: broken });
    try {
      const failed = await failing.inject({
        method: 'POST',
        url: `/api/v1/invite/${secret}/token`,
        payload: { blindedMessage: toBase64Url(new Uint8Array(256).fill(1)) },
      });
      expectProblem(failed, 500);
    } finally {
      await failing.close();
    }
    // The same link gets its one token afterwards.
    const tok = await token(secret, invite);
    expect(tok.signature.length).toBe(256);
  });

  test('a closed run refuses answers and links with 410', async () => {
    const secret = secretOf('f4@answer.test');
    const invite = await openInvite(secret);
    const tok = await token(secret, invite);
    const closed = await t.server.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/close`,
      headers: bearer(org.token),
    });
    expect(closed.statusCode, closed.body).toBe(200);
    // Refused by the intake's own check, even while the run's facts are still cached.
    expectProblem(
      await t.server.inject({
        method: 'POST',
        url: '/api/v1/responses',
        payload: submission(invite, tok),
      }),
      410,
    );
    expectProblem(
      await t.server.inject({ url: `/api/v1/invite/${secretOf('f5@answer.test')}` }),
      410,
    );
  });

  test('released, the responses are stored by question position, unanswered ones as null, and the sealed ones are gone', async () => {
    await releaseNow(t.db, org.organizationId, runId);
    expect(await sealedRows()).toEqual([]);
    const stored = await storedRows();
    // f2, f3, l1 and l2: each tier's two respondents are fewer than k, so their responses
    // are stored under the whole organization's segment of their tier.
    expect(stored).toHaveLength(4);
    for (const row of stored) expect(row).toMatchObject({ segment_team_id: null, comment: null });
    const answersOf = (tier: string) =>
      stored.filter((r) => r.segment_tier === tier).map((r) => r.answers);
    expect(answersOf('leadership')).toHaveLength(2);
    expect(answersOf('leadership')).toContainEqual([1, 5]);
    expect(answersOf('leadership')).toContainEqual([null, 2]);
    expect(answersOf('frontline')).toEqual([
      [4, 4],
      [4, 4],
    ]);
  });
});
