import { randomUUID } from 'node:crypto';
import { encryptPrivateKey, generateSegmentKey } from '@pulsegap/anonymity';
import {
  saveSegmentKey,
  type SegmentKeyView,
  type TenantTransaction,
  type TierValue,
} from '@pulsegap/db';

type SegmentKeyPair = Awaited<ReturnType<typeof generateSegmentKey>>;

/** What a sealed private key is bound to: its own key id, so it cannot be moved to another row. */
export function sealingLabel(keyId: string): string {
  return `segment-key:${keyId}`;
}

/**
 * Makes the keys of a run's segments when the run starts, all at once (generated in
 * parallel on libuv's threads), so that no key's creation dates when a segment first
 * opened a link.
 */
export async function makeSegmentKeys(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  segments: readonly { teamId: string | null; tier: TierValue }[],
  sealingKey: Buffer,
): Promise<void> {
  const pairs = await Promise.all(segments.map(() => generateSegmentKey()));
  for (const [i, segment] of segments.entries()) {
    const pair = pairs[i];
    if (pair !== undefined)
      await saveNewSegmentKey(trx, organizationId, runId, segment, pair, sealingKey);
  }
}

/** Stores a segment's new key pair under a fresh id, its private key sealed to that id. */
export function saveNewSegmentKey(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  segment: { teamId: string | null; tier: TierValue },
  pair: SegmentKeyPair,
  sealingKey: Buffer,
): Promise<SegmentKeyView> {
  const id = randomUUID();
  return saveSegmentKey(trx, organizationId, {
    id,
    runId,
    segment,
    publicKey: pair.publicKeySpki,
    privateKeySealed: encryptPrivateKey(pair.privateKeyPkcs8, sealingKey, sealingLabel(id)),
    fingerprint: pair.fingerprint,
  });
}
