import { sql, type Kysely } from 'kysely';
import type { Database, TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';
import { hashArray } from './answering.js';
import type { OutboxJob } from './outbox.js';

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

/** What `admitResponses` did: whether the run was open, and the token hashes (hex) stored. */
export interface Admission {
  readonly open: boolean;
  readonly stored: Set<string>;
}

/**
 * The intake's write, in one statement that is its own transaction (`admit_responses`),
 * scoped to the organization as `withTenant` would: if the run is open (checked under
 * `FOR SHARE`, so a concurrent close comes before or after the whole batch), stores the
 * responses as `storeResponses` does and, when any of them is new, writes `followUp` to
 * the outbox (the run's recompute request). Nothing is stored for a run that is closed.
 * It resolves only once the statement has committed. The responses must all answer the
 * run's questions, one value or null per position.
 */
export async function admitResponses(
  db: Kysely<Database>,
  organizationId: string,
  runId: string,
  responses: readonly NewResponse[],
  followUp: OutboxJob,
): Promise<Admission> {
  const ordered = [...responses].sort((x, y) => Buffer.compare(x.tokenHash, y.tokenHash));
  const width = ordered[0]?.answers.length ?? 0;
  if (ordered.some((r) => r.answers.length !== width)) {
    throw new RangeError('every response of a batch answers the same questions');
  }
  const { rows } = await sql<{ open: boolean; refused: Buffer[] }>`
    select open, refused from admit_responses(
      ${organizationId}::uuid, ${runId}::uuid,
      ${ordered.map((r) => r.segmentTeamId)}::uuid[],
      ${ordered.map((r) => r.segmentTier)}::text[],
      ${hashArray(ordered.map((r) => r.tokenHash))},
      ${ordered.map((r) => r.comment)}::text[],
      ${smallintArray(ordered.flatMap((r) => r.answers))}::smallint[], ${width}::integer,
      ${followUp.name}, ${followUp.key}, ${JSON.stringify(followUp.payload)}::jsonb)
  `.execute(db);
  const row = rows[0];
  const open = row?.open ?? false;
  const refused = new Set((row?.refused ?? []).map((hash) => hash.toString('hex')));
  const stored = new Set<string>();
  if (open) {
    for (const r of ordered) {
      const hash = r.tokenHash.toString('hex');
      if (!refused.has(hash)) stored.add(hash);
    }
  }
  return { open, stored };
}

/** An array literal of small integers or nulls, e.g. `{1,NULL,5}`. */
function smallintArray(values: readonly (number | null)[]): string {
  return `{${values
    .map((v) => {
      if (v === null) return 'NULL';
      if (!Number.isInteger(v)) throw new RangeError(`${v} is not an integer`);
      return String(v);
    })
    .join(',')}}`;
}
