import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * From now on the relay deletes an outbox row once the job queue has accepted its job, so
 * the table holds only pending work. The rows relayed before, kept with the time they were
 * relayed, are deleted here, and the time a row was written is dropped: a `recompute-run`
 * row is written with the responses that asked for it, so either time would date them.
 * `dispatched_at` stays, always null, because the conflict target that coalesces pending
 * rows (`on conflict (job_key) where dispatched_at is null`, also in `admit_responses`)
 * names the partial index `outbox_pending_key` through it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    delete from outbox where dispatched_at is not null;
    alter table outbox drop column created_at;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table outbox add column created_at timestamptz not null default now();
  `.execute(db);
}
