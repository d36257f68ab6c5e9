import { sql } from 'kysely';
import type { TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';
import { outboxInsert, type OutboxJob } from './outbox.js';

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
 * The intake's write, in one statement: if the run is open (checked under `FOR SHARE`, so
 * a concurrent close comes before or after the whole batch), stores the responses as
 * `storeResponses` does and, when any of them is new, writes `followUp` to the outbox
 * (the run's recompute request) in the same transaction. Nothing is stored for a run that
 * is closed.
 */
export async function admitResponses(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  responses: readonly NewResponse[],
  followUp: OutboxJob,
): Promise<Admission> {
  const ordered = [...responses].sort((x, y) => Buffer.compare(x.tokenHash, y.tokenHash));
  const rows = ordered.map(
    (r) =>
      sql`(${r.segmentTeamId}::uuid, ${r.segmentTier}::text, ${r.tokenHash}::bytea, ${r.comment}::text, ${[...r.answers]}::smallint[])`,
  );
  const { rows: result } = await sql<{ open: boolean; stored: Buffer[] }>`
    with open_run as (
      select id from runs
       where id = ${runId} and closed_at is null and closes_at > now()
         for share
    ), stored as (
      insert into responses (organization_id, run_id, segment_team_id, segment_tier, token_hash,
                             comment, answers)
      select ${organizationId}::uuid, o.id, v.segment_team_id, v.segment_tier, v.token_hash,
             v.comment, v.answers
        from open_run o,
             (values ${sql.join(rows)}) as v(segment_team_id, segment_tier, token_hash, comment,
                                              answers)
      on conflict (token_hash) do nothing
      returning token_hash
    ), follow_up as (
      ${outboxInsert(followUp, sql`where exists (select 1 from stored)`)}
    )
    select exists (select 1 from open_run) as open,
           array(select token_hash from stored) as stored
  `.execute(trx);
  const row = result[0];
  return {
    open: row?.open ?? false,
    stored: new Set((row?.stored ?? []).map((hash) => hash.toString('hex'))),
  };
}
