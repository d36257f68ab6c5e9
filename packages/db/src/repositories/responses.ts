import type { TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/**
 * One anonymous response to store: its segment, token hash, optional comment, and its
 * answers as values by the run's question position (`answers[0]` answers the question at
 * position 0), `null` where a question was not answered.
 */
export interface NewResponse {
  readonly segmentTeamId: string | null;
  readonly segmentTier: TierValue;
  readonly tokenHash: Buffer;
  readonly comment: string | null;
  readonly answers: readonly (number | null)[];
}

/**
 * Stores responses of one run in the caller's transaction, one row each, with random ids
 * and in the order of their token hashes. Those hashes are of random messages, so the
 * storage order says nothing about who answered when; and because every writer inserts in
 * the same order, concurrent batches cannot deadlock on a token submitted twice. A response
 * whose token hash is stored already is skipped; returns the token hashes (hex) stored now.
 */
export async function storeResponses(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  responses: readonly NewResponse[],
): Promise<Set<string>> {
  const ordered = [...responses].sort((x, y) => Buffer.compare(x.tokenHash, y.tokenHash));
  const stored = new Set<string>();
  // 7 parameters a row: chunks stay far below PostgreSQL's 65,535 parameters a statement.
  for (let start = 0; start < ordered.length; start += 1000) {
    const inserted = await trx
      .insertInto('responses')
      .values(
        ordered.slice(start, start + 1000).map((r) => ({
          organization_id: organizationId,
          run_id: runId,
          segment_team_id: r.segmentTeamId,
          segment_tier: r.segmentTier,
          token_hash: r.tokenHash,
          comment: r.comment,
          answers: [...r.answers],
        })),
      )
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .returning('token_hash')
      .execute();
    for (const row of inserted) stored.add(row.token_hash.toString('hex'));
  }
  return stored;
}
