import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * A run started by its pulse's schedule names the occurrence it is for (`scheduled_for`,
 * the time the schedule gave, not when a worker got to it), and a pulse has at most one run
 * per occurrence: a scheduler firing twice, or two workers taking the same occurrence, make
 * one run. Runs started by hand have none. The time is the schedule's, which HR set and
 * every reader of the pulse sees: it dates nothing a response did.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table runs add column scheduled_for timestamptz;
    create unique index runs_pulse_occurrence on runs (pulse_id, scheduled_for)
      where scheduled_for is not null;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index runs_pulse_occurrence;
    alter table runs drop column scheduled_for;
  `.execute(db);
}
