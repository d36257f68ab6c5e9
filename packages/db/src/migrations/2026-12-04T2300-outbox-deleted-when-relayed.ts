import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * From now on the relay deletes an outbox row once the job queue has accepted its job, so
 * the table holds only pending work. The rows relayed before, kept with the time they were
 * relayed, are deleted here, and both times go: the time a row was written (a
 * `recompute-run` row was written with the responses that asked for it) and the time it
 * was relayed. Pending rows for the same work still coalesce, on a plain unique key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    delete from outbox where dispatched_at is not null;
    drop index outbox_pending_key;
    alter table outbox drop column created_at, drop column dispatched_at;
    create unique index outbox_pending_key on outbox(job_key);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index outbox_pending_key;
    alter table outbox add column created_at timestamptz not null default now(),
      add column dispatched_at timestamptz;
    create unique index outbox_pending_key on outbox(job_key) where dispatched_at is null;
  `.execute(db);
}
