import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** Work to hand to the job queue once the transaction that asked for it commits. */
export interface OutboxJob {
  readonly name: string;
  /** Identifies the work: rows with the same key not yet relayed coalesce. */
  readonly key: string;
  readonly payload: Record<string, unknown>;
}

/** An outbox row: work owed until its job has finished (`finishOutboxJob`). */
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
 * Rows with the same key that are not yet relayed coalesce. (`admitResponses` writes its
 * job the same way, inside `admit_responses`.)
 */
export async function enqueueJob(
  trx: TenantTransaction | Kysely<Database>,
  job: OutboxJob,
): Promise<void> {
  // The predicate names the unique index, which covers rows not yet relayed.
  await sql`
    insert into outbox (job_name, job_key, payload)
    values (${job.name}, ${job.key}, ${JSON.stringify(job.payload)}::jsonb)
    on conflict (job_key) where not relayed do nothing
  `.execute(trx);
}

/**
 * What a relay's `dispatch` or `check` returns: the ids of jobs no queue can run (a name
 * without a handler), whose rows are deleted with the rest of the page's outcome.
 */
export type DroppedJobs = readonly string[];

/**
 * Hands up to `limit` rows not yet relayed to `dispatch` and, once it has accepted them,
 * marks them relayed, in one transaction with `FOR UPDATE SKIP LOCKED`, so relays on
 * several processes share the work; rows it drops are deleted. The rows stay until their
 * jobs finish. If `dispatch` throws (the queue is down), they stay unrelayed. Returns how
 * many rows were taken.
 */
export async function relayOutbox(
  db: Kysely<Database>,
  limit: number,
  dispatch: (jobs: readonly PendingJob[]) => Promise<DroppedJobs>,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await selectOwed(trx, limit)
      .where('relayed', '=', false)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return 0;
    const dropped = new Set((await dispatch(rows.map(toPendingJob))).map(Number));
    const relayed = rows.map((r) => r.id).filter((id) => !dropped.has(id));
    if (relayed.length > 0) {
      await trx.updateTable('outbox').set({ relayed: true }).where('id', 'in', relayed).execute();
    }
    if (dropped.size > 0)
      await trx
        .deleteFrom('outbox')
        .where('id', 'in', [...dropped])
        .execute();
    return rows.length;
  });
}

/**
 * Walks every relayed row whose job has not finished, a page of `limit` at a time, each
 * page locked (`FOR UPDATE SKIP LOCKED`) while `check` looks at it: a job finishing
 * meanwhile deletes its row only after the page, so `check` never hands the queue again a
 * job that has just finished. Rows locked elsewhere (a job finishing, another relay's
 * check) are skipped; rows `check` drops are deleted. Returns how many rows were checked.
 */
export async function checkRelayedJobs(
  db: Kysely<Database>,
  limit: number,
  check: (jobs: readonly PendingJob[]) => Promise<DroppedJobs>,
): Promise<number> {
  let after = 0;
  let checked = 0;
  for (;;) {
    const page = await db.transaction().execute(async (trx) => {
      const rows = await selectOwed(trx, limit)
        .where('relayed', '=', true)
        .where('id', '>', after)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return rows;
      const dropped = (await check(rows.map(toPendingJob))).map(Number);
      if (dropped.length > 0) await trx.deleteFrom('outbox').where('id', 'in', dropped).execute();
      return rows;
    });
    checked += page.length;
    const last = page.at(-1);
    if (page.length < limit || last === undefined) return checked;
    after = last.id;
  }
}

/**
 * Rows not yet relayed, oldest first, marked relayed as they are taken (the in-process
 * runner's view: one process runs them, then finishes each). With `leftOver`, also the rows
 * such a runner had taken and not finished when it stopped.
 */
export async function takeOutboxJobs(
  db: Kysely<Database>,
  limit: number,
  leftOver = false,
): Promise<PendingJob[]> {
  const rows = await db
    .updateTable('outbox')
    .set({ relayed: true })
    .where(
      'id',
      'in',
      selectOwed(db, limit)
        .clearSelect()
        .select('id')
        .$if(!leftOver, (q) => q.where('relayed', '=', false)),
    )
    .returning(['id', 'job_name', 'job_key', 'payload', sql<Date>`clock_timestamp()`.as('seen_at')])
    .execute();
  return rows.map(toPendingJob).sort((a, b) => Number(a.id) - Number(b.id));
}

/** Deletes the row of a job that has finished: the work is no longer owed. */
export async function finishOutboxJob(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('outbox').where('id', '=', Number(id)).execute();
}

/** Outbox rows of one job name: not yet handed to the queue, and handed on but not finished. */
export interface OutboxBacklog {
  readonly jobName: string;
  readonly owed: number;
  readonly relayed: number;
}

/** The outbox's rows counted by job name and state (for the operators' metrics). */
export async function outboxBacklog(db: Kysely<Database>): Promise<OutboxBacklog[]> {
  const rows = await db
    .selectFrom('outbox')
    .select([
      'job_name',
      sql<number>`count(*) filter (where not relayed)`.as('owed'),
      sql<number>`count(*) filter (where relayed)`.as('relayed'),
    ])
    .groupBy('job_name')
    .orderBy('job_name')
    .execute();
  return rows.map((r) => ({ jobName: r.job_name, owed: r.owed, relayed: r.relayed }));
}

function selectOwed(db: Kysely<Database>, limit: number) {
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
