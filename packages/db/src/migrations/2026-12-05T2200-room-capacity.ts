import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * How many people are in the room (`room_sessions.capacity`, null: not said). A phone is a
 * token, not a person: without a limit, one person could join k − 1 times, answer with each,
 * and learn the next answer by subtracting their own from the first reveal. With the number
 * of people the facilitator counted, the room takes no more phones than that, so a person's
 * extra phones leave someone present unable to join, which the room sees. Never below the
 * room threshold (the reveal would never come).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table room_sessions
      add column capacity smallint
        check (capacity between 3 and 1000 and capacity >= threshold);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table room_sessions drop column capacity`.execute(db);
}
