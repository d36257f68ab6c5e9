import { BlindSigner, decryptPrivateKey, generateSegmentKey } from '@pulsegap/anonymity';
import { saveNewSegmentKey, sealingLabel } from '@pulsegap/jobs';
import {
  findSegmentKey,
  sealedPrivateKey,
  type SegmentKeyView,
  type TenantTransaction,
  type TierValue,
} from '@pulsegap/db';
import { LRUCache } from 'lru-cache';

export { sealingLabel } from '@pulsegap/jobs';

/**
 * The key of a run's segment. Made when the run started; a run started before keys were
 * made at start gets it made here, where two requests racing to make it end with the one
 * stored first, so everybody in the segment gets the same key.
 */
export async function ensureSegmentKey(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  segment: { teamId: string | null; tier: TierValue },
  sealingKey: Buffer,
): Promise<SegmentKeyView> {
  const cacheKey = segmentCacheKey(runId, segment);
  const cached = segmentKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  const key = await findOrMakeSegmentKey(trx, organizationId, runId, segment, sealingKey);
  segmentKeys.set(cacheKey, key);
  return key;
}

// A segment's key never changes once stored: each process reads it once (the keys of runs
// no longer answered leave first).
const segmentKeys = new LRUCache<string, SegmentKeyView>({ max: 10_000 });

function segmentCacheKey(runId: string, segment: { teamId: string | null; tier: TierValue }) {
  return `${runId}/${segment.teamId ?? ''}/${segment.tier}`;
}

/** The signer of a run's segment when this process has used it before, without a query. */
export function knownSigner(
  runId: string,
  segment: { teamId: string | null; tier: TierValue },
): BlindSigner | undefined {
  const key = segmentKeys.get(segmentCacheKey(runId, segment));
  return key === undefined ? undefined : signers.get(key.id);
}

async function findOrMakeSegmentKey(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  segment: { teamId: string | null; tier: TierValue },
  sealingKey: Buffer,
): Promise<SegmentKeyView> {
  const existing = await findSegmentKey(trx, runId, segment);
  if (existing !== null) return existing;
  const pair = await generateSegmentKey();
  return saveNewSegmentKey(trx, organizationId, runId, segment, pair, sealingKey);
}

// Segment keys never change: each is unsealed once per process.
const signers = new LRUCache<string, BlindSigner>({ max: 10_000 });

/** The signer of a segment key, unsealing its private key on first use. */
export async function signerFor(
  trx: TenantTransaction,
  keyId: string,
  sealingKey: Buffer,
): Promise<BlindSigner> {
  const cached = signers.get(keyId);
  if (cached !== undefined) return cached;
  const sealed = await sealedPrivateKey(trx, keyId);
  if (sealed === null) throw new Error(`segment key ${keyId} has no private key`);
  const signer = new BlindSigner(decryptPrivateKey(sealed, sealingKey, sealingLabel(keyId)));
  signers.set(keyId, signer);
  return signer;
}
