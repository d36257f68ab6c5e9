import { createPrivateKey, createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { AnonymityError, decryptPrivateKey } from '@pulsegap/anonymity';
import { deriveKey } from '@pulsegap/config';
import { createRun, listPulses, listTeams, withTenant, type Database } from '@pulsegap/db';
import { hashInvitationSecret, invitationSecret } from '@pulsegap/jobs';
import { openOwnerDatabase, testConfig } from '@pulsegap/testing';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createTestServer,
  openInvite,
  startAnsweringRun,
  type AnsweringRun,
  type TestServer,
  rosterRows,
} from '../../test-support.js';
import { sealingLabel } from '../../services/segment-keys.js';

const people = (prefix: string, team: string, tier: string, n: number) =>
  rosterRows('seal.test', prefix, team, tier, n);

// Segment keys as stored: made for every segment when a run starts (or, for a run started
// before that, on first use, once per segment), and sealed at rest.
describe('segment keys', () => {
  let t: TestServer;
  let owner: Kysely<Database>;
  let started: AnsweringRun;

  beforeAll(async () => {
    t = await createTestServer();
    owner = openOwnerDatabase();
    started = await startAnsweringRun(t.server, t.db, {
      organization: 'Sealing Co',
      people: [
        ...people('sl', 'Support', 'leadership', 5),
        ...people('sf', 'Support', 'frontline', 5),
        // Under k each: together the whole organization's leadership segment (5), the one
        // without a team.
        ...people('tl', 'Tiny', 'leadership', 2),
        ...people('bl', 'Board', 'leadership', 3),
      ],
      dimensions: ['staffing'],
    });
  });
  afterAll(async () => {
    await t.close();
    await owner.destroy();
  });

  const keyRows = (runId = started.runId) =>
    owner
      .selectFrom('segment_keys')
      .select(['id', 'segment_team_id', 'segment_tier', 'public_key', 'private_key_sealed'])
      .where('run_id', '=', runId)
      .execute();

  /**
   * A run of the same pulse as one started before keys were made at start: its questions,
   * team snapshot and invitations (each invitee in the segment the API's run gave them),
   * and no key. Returns its id and each invitee's secret by e-mail.
   */
  async function startRunWithoutKeys(): Promise<{ runId: string; secretOf: Map<string, string> }> {
    const invitationKey = deriveKey(testConfig(), 'invitation-secrets');
    const secretOf = new Map<string, string>();
    const runId = await withTenant(t.db, started.org.organizationId, async (trx) => {
      const [pulse] = await listPulses(trx, started.pulseId);
      if (pulse === undefined) throw new Error('the pulse is gone');
      const invitations = await trx
        .selectFrom('invitations')
        .innerJoin('people', 'people.id', 'invitations.person_id')
        .select([
          'people.id',
          'people.email',
          'invitations.segment_team_id',
          'invitations.segment_tier',
        ])
        .where('invitations.run_id', '=', started.runId)
        .execute();
      return createRun(trx, started.org.organizationId, {
        pulseId: pulse.id,
        openedAt: new Date(),
        closesAt: new Date(Date.now() + 3600_000),
        minGroupSize: pulse.minGroupSize,
        commentMinGroupSize: pulse.commentMinGroupSize,
        openQuestion: pulse.openQuestion,
        audience: pulse.audience,
        // Every team whole: the segments come from the API's run, merged there.
        teams: (await listTeams(trx)).map((team) => ({ ...team, mergedTiers: [] })),
        questions: pulse.priorityIds.map((priorityId) => ({
          priorityId,
          dimension: 'staffing',
          text: 'We are staffed for this.',
        })),
        invitees: invitations.map((invitation) => {
          const id = randomUUID();
          const secret = invitationSecret(invitationKey, id);
          secretOf.set(invitation.email, secret);
          return {
            id,
            personId: invitation.id,
            secretHash: hashInvitationSecret(secret),
            segmentTeamId: invitation.segment_team_id,
            segmentTier: invitation.segment_tier,
          };
        }),
      });
    });
    return { runId, secretOf };
  }

  test('are made for every segment when the run starts, not when a link is first opened', async () => {
    // The run has started and its invitations have gone out; nobody opened a link yet.
    expect(started.links).toHaveLength(15);
    const rows = await keyRows();
    expect(
      rows
        .map((r) => `${r.segment_tier}/${r.segment_team_id === null ? 'organization' : 'team'}`)
        .sort(),
    ).toEqual(['frontline/team', 'leadership/organization', 'leadership/team']);
    // All in the transaction that started the run: their creation dates no first open.
    const { rows: transactions } = await sql<{ xmin: string }>`
      select xmin::text as xmin from segment_keys where run_id = ${started.runId}
      union
      select xmin::text from runs where id = ${started.runId}
    `.execute(owner);
    expect(transactions).toHaveLength(1);

    // Opening links hands out the stored keys, one per segment; nothing new is made.
    const leader = await openInvite(t.server, started.secretOf('sl0@seal.test'));
    const stored = rows.find((r) => r.id === leader.keyId);
    expect(stored?.segment_tier).toBe('leadership');
    expect(stored?.segment_team_id).toEqual(expect.any(String));
    expect(Buffer.from(leader.publicKey, 'base64url')).toEqual(stored?.public_key);
    expect((await openInvite(t.server, started.secretOf('sl1@seal.test'))).keyId).toBe(
      leader.keyId,
    );
    const tiny = await openInvite(t.server, started.secretOf('tl0@seal.test'));
    expect(tiny.segment).toMatchObject({ teamId: null, team: null, tier: 'leadership' });
    expect(rows.find((r) => r.id === tiny.keyId)?.segment_team_id).toBeNull();
    expect(await keyRows()).toEqual(rows);
  });

  test('are sealed at rest and open only with the configured sealing key', async () => {
    const invite = await openInvite(t.server, started.secretOf('sl2@seal.test'));
    const row = (await keyRows()).find((r) => r.id === invite.keyId);
    const sealed = row?.private_key_sealed ?? Buffer.alloc(0);
    expect(sealed.length).toBeGreaterThan(0);
    expect(() => createPrivateKey({ key: sealed, format: 'der', type: 'pkcs8' })).toThrow();

    const sealingKey = deriveKey(testConfig(), 'segment-key-sealing');
    const plain = decryptPrivateKey(sealed, sealingKey, sealingLabel(invite.keyId));
    const privateKey = createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' });
    // What was sealed is the private half of the published key.
    expect(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })).toEqual(
      Buffer.from(invite.publicKey, 'base64url'),
    );
    // No run of the plain key's bytes is in what is stored.
    for (let at = 0; at + 16 <= plain.length; at += 16) {
      expect(sealed.includes(plain.subarray(at, at + 16)), `bytes ${at}..${at + 16}`).toBe(false);
    }

    for (const other of [
      randomBytes(32),
      deriveKey(testConfig(), 'invitation-secrets'),
      deriveKey({ secretKey: 'another-master-secret-of-at-least-32-chars' }, 'segment-key-sealing'),
    ]) {
      expect(() => decryptPrivateKey(sealed, other, sealingLabel(invite.keyId))).toThrow(
        AnonymityError,
      );
    }
  });

  test('two first opens of a segment at once make one key, for a team and for the organization', async () => {
    // Only a run started before keys were made at start has segments without a key.
    const legacy = await startRunWithoutKeys();
    expect(await keyRows(legacy.runId)).toEqual([]);
    const segmentRows = (tier: string, team: 'team' | 'organization') =>
      keyRows(legacy.runId).then((rows) =>
        rows.filter(
          (r) =>
            r.segment_tier === tier && (r.segment_team_id === null) === (team === 'organization'),
        ),
      );

    const [f0, f1, t0, t1] = await Promise.all(
      ['sf0', 'sf1', 'tl0', 'tl1'].map((name) =>
        openInvite(t.server, legacy.secretOf.get(`${name}@seal.test`) ?? ''),
      ),
    );

    expect(f0?.runId).toBe(legacy.runId);
    expect(f0?.segment).toMatchObject({ team: 'Support', tier: 'frontline' });
    expect(f1?.keyId).toBe(f0?.keyId);
    expect((await segmentRows('frontline', 'team')).map((r) => r.id)).toEqual([f0?.keyId]);

    expect(t0?.segment).toMatchObject({ teamId: null, team: null, tier: 'leadership' });
    expect(t1?.keyId).toBe(t0?.keyId);
    expect((await segmentRows('leadership', 'organization')).map((r) => r.id)).toEqual([t0?.keyId]);
    expect(t0?.keyId).not.toBe(f0?.keyId);
    // Nobody of Support's leadership opened a link: its key is still not made.
    expect(await segmentRows('leadership', 'team')).toEqual([]);

    // The run started through the API had them all already: racing opens add none.
    const before = await keyRows();
    await Promise.all(
      ['sf2', 'sf3', 'tl0', 'tl1'].map((name) =>
        openInvite(t.server, started.secretOf(`${name}@seal.test`)),
      ),
    );
    expect(await keyRows()).toEqual(before);
  });
});
