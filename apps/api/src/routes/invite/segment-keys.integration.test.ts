import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { AnonymityError, decryptPrivateKey } from '@pulsegap/anonymity';
import { deriveKey } from '@pulsegap/config';
import type { Database } from '@pulsegap/db';
import { openOwnerDatabase, testConfig } from '@pulsegap/testing';
import type { Kysely } from 'kysely';
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

// Segment keys as stored: made on first use, once per segment, and sealed at rest.
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
        // Under k: the whole organization's leadership segment, the one without a team.
        ...people('tl', 'Tiny', 'leadership', 2),
      ],
      dimensions: ['staffing'],
    });
  });
  afterAll(async () => {
    await t.close();
    await owner.destroy();
  });

  const keyRows = () =>
    owner
      .selectFrom('segment_keys')
      .select(['id', 'segment_team_id', 'segment_tier', 'public_key', 'private_key_sealed'])
      .where('run_id', '=', started.runId)
      .execute();

  test('are made when first needed, not when the run starts', async () => {
    // The run has started and its invitations have gone out.
    expect(started.links).toHaveLength(12);
    expect(await keyRows()).toEqual([]);

    const invite = await openInvite(t.server, started.secretOf('sl0@seal.test'));
    const rows = await keyRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).toBe(invite.keyId);
    expect(rows[0]?.segment_tier).toBe('leadership');
    expect(rows[0]?.segment_team_id).toEqual(expect.any(String));

    // Another invitee of the same segment gets the stored key; nothing new is made.
    expect((await openInvite(t.server, started.secretOf('sl1@seal.test'))).keyId).toBe(
      invite.keyId,
    );
    expect(await keyRows()).toHaveLength(1);
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
    const segmentRows = (tier: string, team: 'team' | 'organization') =>
      keyRows().then((rows) =>
        rows.filter(
          (r) =>
            r.segment_tier === tier && (r.segment_team_id === null) === (team === 'organization'),
        ),
      );
    expect(await segmentRows('frontline', 'team')).toEqual([]);
    expect(await segmentRows('leadership', 'organization')).toEqual([]);

    const [f0, f1, t0, t1] = await Promise.all(
      ['sf0', 'sf1', 'tl0', 'tl1'].map((name) =>
        openInvite(t.server, started.secretOf(`${name}@seal.test`)),
      ),
    );

    expect(f0?.segment).toEqual({ team: 'Support', tier: 'frontline' });
    expect(f1?.keyId).toBe(f0?.keyId);
    expect((await segmentRows('frontline', 'team')).map((r) => r.id)).toEqual([f0?.keyId]);

    expect(t0?.segment).toEqual({ team: null, tier: 'leadership' });
    expect(t1?.keyId).toBe(t0?.keyId);
    expect((await segmentRows('leadership', 'organization')).map((r) => r.id)).toEqual([t0?.keyId]);
    expect(t0?.keyId).not.toBe(f0?.keyId);
  });
});
