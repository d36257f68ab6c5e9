import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * An outbox row stays until its job has finished, not until the job queue has accepted it:
 * a queue that loses what it held (Redis restarted empty) loses no work, since the relay
 * hands the queue again every relayed row whose job it no longer holds. `relayed` says the
 * row's job was handed on; a new request for the same work while it runs makes a new row
 * (the unique key covers rows not yet relayed only), so work asked for after the job read
 * its data is not folded into it. No time is kept: a row says only that work is owed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table outbox add column relayed boolean not null default false;
    drop index outbox_pending_key;
    create unique index outbox_pending_key on outbox(job_key) where not relayed;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    delete from outbox where relayed;
    drop index outbox_pending_key;
    alter table outbox drop column relayed;
    create unique index outbox_pending_key on outbox(job_key);
  `.execute(db);
}
