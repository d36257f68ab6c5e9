import { randomUUID } from 'node:crypto';
import { keyFingerprint } from '@pulsegap/anonymity';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createTestServer,
  expectProblem,
  openInvite,
  startAnsweringRun,
  type AnsweringRun,
  type TestInvite,
  type TestServer,
  rosterRows,
} from '../../test-support.js';

interface KeyItem {
  keyId: string;
  segment: { teamId: string | null; tier: string };
  fingerprint: string;
}

const people = (prefix: string, team: string, tier: string, n: number) =>
  rosterRows('keys.test', prefix, team, tier, n);

// The run's published keys: what lets anyone check that a segment shares one key.
describe('GET /api/v1/runs/:id/keys', () => {
  let t: TestServer;
  let started: AnsweringRun;
  /** Every invitee's answer to GET /invite/:secret, by e-mail. */
  const invites = new Map<string, TestInvite>();

  beforeAll(async () => {
    t = await createTestServer();
    started = await startAnsweringRun(t.server, t.db, {
      organization: 'Keys Co',
      people: [
        ...people('sl', 'Support', 'leadership', 5),
        ...people('sf', 'Support', 'frontline', 5),
        ...people('of', 'Ops', 'frontline', 5),
        // Under k each: merged into the whole organization's frontline, together k.
        ...people('tf', 'Tiny', 'frontline', 2),
        ...people('pf', 'Spare', 'frontline', 3),
      ],
      dimensions: ['staffing'],
    });
    for (const link of started.links) {
      invites.set(link.to, await openInvite(t.server, link.secret));
    }
  });
  afterAll(() => t.close());

  const keysOf = (runId: string) => t.server.inject({ url: `/api/v1/runs/${runId}/keys` });

  test('lists one key per segment, without a login, each the key its invitees were given', async () => {
    const response = await keysOf(started.runId);
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json<{ items: KeyItem[] }>().items;
    const teams = await t.server.inject({
      url: '/api/v1/teams',
      headers: bearer(started.org.token),
    });
    const teamId = new Map(
      teams
        .json<{ items: { id: string; name: string }[] }>()
        .items.map((team) => [team.name, team.id]),
    );

    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(['fingerprint', 'keyId', 'segment']);
      // Ids only: the list is public, team names are not.
      expect(Object.keys(item.segment).sort()).toEqual(['teamId', 'tier']);
    }
    const teamName = new Map([...teamId].map(([name, id]) => [id, name]));
    const nameOf = (k: KeyItem) =>
      k.segment.teamId === null ? '' : (teamName.get(k.segment.teamId) ?? '?');
    const segments = items.map((k) => `${k.segment.tier}/${nameOf(k)}`);
    expect(segments.sort()).toEqual([
      'frontline/',
      'frontline/Ops',
      'frontline/Support',
      'leadership/Support',
    ]);

    for (const [email, invite] of invites) {
      const matching = items.filter(
        (k) => k.segment.tier === invite.segment.tier && k.segment.teamId === invite.segment.teamId,
      );
      expect(matching, email).toHaveLength(1);
      const [key] = matching;
      expect(key?.keyId, email).toBe(invite.keyId);
      expect(key?.segment.teamId).toBe(
        invite.segment.team === null ? null : teamId.get(invite.segment.team),
      );
      expect(key?.fingerprint).toBe(invite.fingerprint);
      // The fingerprint is the SHA-256 of the very public key the invitee signs with.
      expect(key?.fingerprint).toBe(keyFingerprint(Buffer.from(invite.publicKey, 'base64url')));
    }
    expect(new Set(items.map((k) => k.fingerprint)).size).toBe(items.length);
    expect(new Set(items.map((k) => k.keyId)).size).toBe(items.length);
  });

  test('a run has every segment’s key from the moment it starts, its own, before any link is opened', async () => {
    const first = (await keysOf(started.runId)).json<{ items: KeyItem[] }>().items;
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${started.pulseId}/runs`,
      headers: bearer(started.org.token),
    });
    expect(run.statusCode, run.body).toBe(201);
    const response = await keysOf(run.json<{ id: string }>().id);
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json<{ items: KeyItem[] }>().items;
    // Made all at once when the run started: no key's creation dates a first opened link.
    const segmentOf = (k: KeyItem) => `${k.segment.tier}/${k.segment.teamId ?? ''}`;
    expect(items.map(segmentOf).sort()).toEqual(first.map(segmentOf).sort());
    // Keys are specific to the run: none is shared with the earlier run.
    const earlier = new Set(first.flatMap((k) => [k.keyId, k.fingerprint]));
    expect(first).toHaveLength(4);
    for (const key of items) {
      expect(earlier.has(key.keyId)).toBe(false);
      expect(earlier.has(key.fingerprint)).toBe(false);
    }
  });

  test('an unknown run is a 404, a malformed id a 400', async () => {
    expectProblem(await keysOf(randomUUID()), 404);
    expectProblem(await keysOf('not-a-uuid'), 400);
  });
});
