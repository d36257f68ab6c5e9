import { randomUUID } from 'node:crypto';
import { encryptPrivateKey, generateSegmentKey } from '@pulsegap/anonymity';
import {
  audienceMembers,
  countStockedSegmentKeys,
  listTeams,
  readSettings,
  saveSegmentKey,
  stockSegmentKeys,
  takeStockedSegmentKeys,
  withTenant,
  type SegmentKeyView,
  type StockedSegmentKey,
  type TenantTransaction,
  type TierValue,
} from '@pulsegap/db';
import { assignSegments, MIN_GROUP_SIZE_FLOOR } from '@pulsegap/domain';
import type { JobContext } from './context.js';

type SegmentKeyPair = Awaited<ReturnType<typeof generateSegmentKey>>;

/** What a sealed private key is bound to: its own key id, so it cannot be moved to another row. */
export function sealingLabel(keyId: string): string {
  return `segment-key:${keyId}`;
}

/** A new key pair under a fresh id, its private key sealed to that id. */
function sealNewKey(pair: SegmentKeyPair, sealingKey: Buffer): StockedSegmentKey {
  const id = randomUUID();
  return {
    id,
    publicKey: pair.publicKeySpki,
    privateKeySealed: encryptPrivateKey(pair.privateKeyPkcs8, sealingKey, sealingLabel(id)),
    fingerprint: pair.fingerprint,
  };
}

/**
 * Makes the keys of a run's segments when the run starts, all at once and in the run's
 * transaction, so that no key's creation dates when a segment first opened a link. Keys
 * come from the organization's stock (made ahead by `stockSegmentKeysAhead`, which nobody
 * has seen) as far as it goes; the rest are generated here, in parallel on libuv's threads.
 */
export async function makeSegmentKeys(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  segments: readonly { teamId: string | null; tier: TierValue }[],
  sealingKey: Buffer,
): Promise<void> {
  const stocked = await takeStockedSegmentKeys(trx, segments.length);
  const made = await Promise.all(
    segments
      .slice(stocked.length)
      .map(async () => sealNewKey(await generateSegmentKey(), sealingKey)),
  );
  const keys = [...stocked, ...made];
  for (const [i, segment] of segments.entries()) {
    const key = keys[i];
    if (key !== undefined) await saveSegmentKey(trx, organizationId, { ...key, runId, segment });
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
  return saveSegmentKey(trx, organizationId, {
    ...sealNewKey(pair, sealingKey),
    runId,
    segment,
  });
}

/** Keys made per transaction while stocking: a short transaction, a few threads busy. */
const STOCK_BATCH = 8;

/**
 * Makes segment keys ahead of the organization's next run, until its stock holds as many as
 * a run of its whole roster as it is now would have segments (at the organization's minimum
 * group size): the next run's start then takes them instead of making them. Keys are made
 * outside any transaction, a few at a time, and stored in short ones. Idempotent: a stock
 * already full is left as it is.
 */
export async function stockSegmentKeysAhead(
  context: JobContext,
  organizationId: string,
): Promise<void> {
  const wanted = await withTenant(context.db, organizationId, async (trx) => {
    const members = await audienceMembers(trx, { teamIds: null, tiers: null });
    if (members.length === 0) return 0;
    const settings = await readSettings(trx, organizationId);
    const merge = assignSegments(
      await listTeams(trx),
      members,
      Math.max(settings.minGroupSize, MIN_GROUP_SIZE_FLOOR),
    );
    const segments = new Set<string>();
    for (const member of members) {
      const segment = merge.segmentOf({ teamId: member.teamId, tier: member.tier });
      segments.add(`${segment.tier}/${segment.teamId ?? ''}`);
    }
    return segments.size;
  });
  for (;;) {
    const missing =
      wanted - (await withTenant(context.db, organizationId, countStockedSegmentKeys));
    if (missing <= 0) return;
    const keys = await Promise.all(
      Array.from({ length: Math.min(missing, STOCK_BATCH) }, async () =>
        sealNewKey(await generateSegmentKey(), context.segmentKeySealing),
      ),
    );
    await withTenant(context.db, organizationId, (trx) =>
      stockSegmentKeys(trx, organizationId, keys),
    );
  }
}
