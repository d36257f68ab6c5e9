import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** Work to hand to the job queue once the transaction that asked for it commits. */
export interface OutboxJob {
  readonly name: string;
  /** Identifies the work: pending rows with the same key coalesce, and it becomes the job id. */
  readonly key: string;
  readonly payload: Record<string, unknown>;
}

/** A pending outbox row. */
export interface PendingJob extends OutboxJob {
  readonly id: string;
  /**
   * A moment (PostgreSQL's clock) after the row was committed, so after the data that asked
   * for the job: work that began counting later than this has seen that data.
   */
  readonly requestedAt: Date;
}

/**
 * Writes the intent to run a job in the caller's transaction (transactional outbox).
 * Pending rows with the same key coalesce. (`admitResponses` writes its job the same way,
 * inside `admit_responses`.)
 */
export async function enqueueJob(
  trx: TenantTransaction | Kysely<Database>,
  job: OutboxJob,
): Promise<void> {
  // Every row is pending (a relayed row is deleted); the predicate names the unique index.
  await sql`
    insert into outbox (job_name, job_key, payload)
    values (${job.name}, ${job.key}, ${JSON.stringify(job.payload)}::jsonb)
    on conflict (job_key) do nothing
  `.execute(trx);
}

/**
 * Hands up to `limit` pending jobs to `dispatch` and, once it has accepted them, deletes
 * their rows, in one transaction with `FOR UPDATE SKIP LOCKED`, so relays on several
 * processes share the work and nothing is kept of work handed on. If `dispatch` throws (the
 * queue is down), the rows stay pending. Returns how many were dispatched.
 */
export async function relayOutbox(
  db: Kysely<Database>,
  limit: number,
  dispatch: (jobs: readonly PendingJob[]) => Promise<void>,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await selectPending(trx, limit).forUpdate().skipLocked().execute();
    if (rows.length === 0) return 0;
    await dispatch(rows.map(toPendingJob));
    await deleteOutboxJobs(
      trx,
      rows.map((r) => String(r.id)),
    );
    return rows.length;
  });
}

/** Pending jobs, oldest first (the in-process runner's view: one process, no locking). */
export async function pendingJobs(db: Kysely<Database>, limit: number): Promise<PendingJob[]> {
  const rows = await selectPending(db, limit).execute();
  return rows.map(toPendingJob);
}

/** Deletes jobs taken from the outbox, so a new request for the same key makes a new row. */
export async function deleteOutboxJobs(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('outbox').where('id', 'in', ids.map(Number)).execute();
}

function selectPending(db: Kysely<Database>, limit: number) {
  return db
    .selectFrom('outbox')
    .select(['id', 'job_name', 'job_key', 'payload', sql<Date>`clock_timestamp()`.as('seen_at')])
    .orderBy('id')
    .limit(limit);
}

function toPendingJob(row: {
  id: number;
  job_name: string;
  job_key: string;
  payload: unknown;
  seen_at: Date;
}): PendingJob {
  return {
    id: String(row.id),
    name: row.job_name,
    key: row.job_key,
    payload: row.payload as Record<string, unknown>,
    requestedAt: new Date(row.seen_at),
  };
}
