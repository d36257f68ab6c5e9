import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * A run's figures beyond its cells (per priority: clarity index, committed clarity,
 * collision score), stored with them by the recompute so the API serves them as stored;
 * and when the recompute began counting (PostgreSQL's clock), so that a request made
 * before then, whose responses it has counted already, is skipped rather than recomputed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table run_results add column summary jsonb not null default '{}';
    alter table run_results add column counted_at timestamptz;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table run_results drop column counted_at;
    alter table run_results drop column summary;
  `.execute(db);
}
