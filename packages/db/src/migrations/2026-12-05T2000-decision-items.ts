import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * A run asks each question of the bank once per priority, but two follow-up items of the
 * same kind (`settled`, `stopped`) for each open decision about a priority: the uniqueness
 * of (run, priority, dimension) holds for the bank's questions only, and a decision's
 * items are unique per run and kind.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table run_questions
      drop constraint if exists run_questions_run_id_priority_id_dimension_key;
    create unique index run_questions_bank_question on run_questions (run_id, priority_id, dimension)
      where kind = 'bank';
    create unique index run_questions_decision_item on run_questions (run_id, decision_id, kind)
      where decision_id is not null;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index run_questions_decision_item;
    drop index run_questions_bank_question;
    alter table run_questions
      add constraint run_questions_run_id_priority_id_dimension_key
      unique (run_id, priority_id, dimension);
  `.execute(db);
}
