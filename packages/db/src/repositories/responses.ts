import type { TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** One anonymous response to store: its segment, token hash, answers and optional comment. */
export interface NewResponse {
  readonly segmentTeamId: string | null;
  readonly segmentTier: TierValue;
  readonly tokenHash: Buffer;
  readonly comment: string | null;
  readonly answers: readonly { questionId: string; value: number }[];
}

/**
 * Stores responses of one run in the caller's transaction, with random ids and in the
 * order of their token hashes. Those hashes are of random messages, so the storage order
 * says nothing about who answered when; and because every writer inserts in the same
 * order, concurrent batches cannot deadlock on a token submitted twice. A response whose
 * token hash is stored already is skipped; returns the token hashes (hex) stored now.
 */
export async function storeResponses(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  responses: readonly NewResponse[],
): Promise<Set<string>> {
  const ordered = [...responses].sort((x, y) => Buffer.compare(x.tokenHash, y.tokenHash));
  const stored = new Set<string>();
  for (let start = 0; start < ordered.length; start += 500) {
    const chunk = ordered.slice(start, start + 500);
    const inserted = await trx
      .insertInto('responses')
      .values(
        chunk.map((r) => ({
          organization_id: organizationId,
          run_id: runId,
          segment_team_id: r.segmentTeamId,
          segment_tier: r.segmentTier,
          token_hash: r.tokenHash,
          comment: r.comment,
        })),
      )
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .returning(['id', 'token_hash'])
      .execute();
    const idOf = new Map(inserted.map((row) => [row.token_hash.toString('hex'), row.id]));
    const answers = chunk.flatMap((r) => {
      const responseId = idOf.get(r.tokenHash.toString('hex'));
      if (responseId === undefined) return [];
      stored.add(r.tokenHash.toString('hex'));
      return r.answers.map((a) => ({
        organization_id: organizationId,
        run_id: runId,
        response_id: responseId,
        question_id: a.questionId,
        segment_team_id: r.segmentTeamId,
        segment_tier: r.segmentTier,
        value: a.value,
      }));
    });
    for (let a = 0; a < answers.length; a += 5000) {
      await trx
        .insertInto('answers')
        .values(answers.slice(a, a + 5000))
        .execute();
    }
  }
  return stored;
}
