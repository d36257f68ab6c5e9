import { randomBytes } from 'node:crypto';
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
 * Stores responses of one run in the caller's transaction, in a random order and with
 * random ids, so neither ids nor storage order say anything about who answered when.
 */
export async function storeResponses(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  responses: readonly NewResponse[],
): Promise<void> {
  const shuffled = shuffle([...responses]);
  for (let start = 0; start < shuffled.length; start += 500) {
    const chunk = shuffled.slice(start, start + 500);
    const ids = await trx
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
      .returning('id')
      .execute();
    const answers = chunk.flatMap((r, i) =>
      r.answers.map((a) => ({
        organization_id: organizationId,
        run_id: runId,
        response_id: ids[i]?.id ?? '',
        question_id: a.questionId,
        segment_team_id: r.segmentTeamId,
        segment_tier: r.segmentTier,
        value: a.value,
      })),
    );
    for (let a = 0; a < answers.length; a += 5000) {
      await trx
        .insertInto('answers')
        .values(answers.slice(a, a + 5000))
        .execute();
    }
  }
}

// Fisher–Yates with a cryptographic source: the order must not be predictable.
function shuffle<T>(items: T[]): T[] {
  const random = randomBytes(4 * items.length);
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = random.readUInt32LE(4 * i) % (i + 1);
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
  return items;
}
