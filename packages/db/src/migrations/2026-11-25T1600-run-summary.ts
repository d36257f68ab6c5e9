import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * A run's figures beyond its cells (per priority: clarity index, committed clarity,
 * collision score), stored with them by the recompute so the API serves them as stored;
 * and when the recompute began counting (PostgreSQL's clock), so that a request made
 * before then, whose responses it has counted already, is skipped rather than recomputed.
 *
 * The tenant setting is read with `current_setting`, which is parallel safe (a parallel
 * worker gets the leader's settings): marking the policy function so lets PostgreSQL
 * scan a large run's responses in parallel under row-level security.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table run_results add column summary jsonb not null default '{}';
    alter table run_results add column counted_at timestamptz;
    alter function app_current_organization() parallel safe;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter function app_current_organization() parallel unsafe;
    alter table run_results drop column counted_at;
    alter table run_results drop column summary;
  `.execute(db);
}
