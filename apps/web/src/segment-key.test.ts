import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ContractError } from './http.js';
import { parsePublishedKeys, type PublishedKey } from './invitation.js';
import { checkedFingerprint, fingerprintOf, KeyMismatchError } from './segment-key.js';

function segmentKey(): { publicKey: string; fingerprint: string } {
  const der = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  return {
    publicKey: der.toString('base64url'),
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

const ours = segmentKey();
const other = segmentKey();
const segment = { teamId: 't1', team: 'Support', tier: 'frontline' } as const;
const invitation = { ...ours, keyId: 'k1', segment };
const ourKey: PublishedKey = {
  keyId: 'k1',
  segment: { teamId: 't1', tier: 'frontline' },
  fingerprint: ours.fingerprint,
};
const published: PublishedKey[] = [
  ourKey,
  {
    keyId: 'k2',
    segment: { teamId: 't1', tier: 'leadership' },
    fingerprint: other.fingerprint,
  },
];

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(KeyMismatchError);
    return (error as KeyMismatchError).reason;
  }
}

describe('checkedFingerprint', () => {
  it('is the SHA-256 of the key itself, when the run publishes it for the segment', async () => {
    expect(await fingerprintOf(ours.publicKey)).toBe(ours.fingerprint);
    expect(await checkedFingerprint(invitation, published)).toBe(ours.fingerprint);
    expect(await checkedFingerprint({ ...invitation, fingerprint: null }, published)).toBe(
      ours.fingerprint,
    );
  });

  it('refuses a fingerprint that is not the key’s', async () => {
    const stated = { ...invitation, fingerprint: other.fingerprint };
    expect(await refusal(checkedFingerprint(stated, published))).toBe('stated-fingerprint');
  });

  it('refuses a key the run does not publish, or publishes for another segment', async () => {
    const forged = { ...invitation, ...other };
    expect(await refusal(checkedFingerprint(forged, published))).toBe('not-published');
    const unknownId = { ...invitation, keyId: 'k9' };
    expect(await refusal(checkedFingerprint(unknownId, published))).toBe('not-published');
    const otherTier = { ...invitation, segment: { ...segment, tier: 'leadership' as const } };
    expect(await refusal(checkedFingerprint(otherTier, published))).toBe('not-published');
    const otherTeam = { ...invitation, segment: { ...segment, teamId: 't2' } };
    expect(await refusal(checkedFingerprint(otherTeam, published))).toBe('not-published');
  });

  it('refuses a segment the run publishes two keys for', async () => {
    const twice = [...published, { ...ourKey, keyId: 'k3', fingerprint: other.fingerprint }];
    expect(await refusal(checkedFingerprint(invitation, twice))).toBe('segment-not-shared');
  });

  it('names a key that is not base64url', async () => {
    await expect(fingerprintOf('not base64url!')).rejects.toThrow(ContractError);
  });
});

describe('parsePublishedKeys', () => {
  it('reads the published list and lower-cases fingerprints', () => {
    const keys = parsePublishedKeys({
      items: [
        {
          keyId: 'k1',
          segment: { teamId: null, tier: 'leadership' },
          fingerprint: 'AB'.repeat(32),
        },
      ],
    });
    expect(keys).toEqual([
      {
        keyId: 'k1',
        segment: { teamId: null, tier: 'leadership' },
        fingerprint: 'ab'.repeat(32),
      },
    ]);
    expect(() => parsePublishedKeys({ items: [{ keyId: 'k1' }] })).toThrow(
      new ContractError('keys.items[0].segment'),
    );
  });
});
