import { randomBytes, randomUUID } from 'node:crypto';
import { testDatabaseUrl } from '@pulsegap/testing';
import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createKysely } from '../database.js';
import { migrationProvider } from './index.js';

// The move of answers into their response row must lose nothing, and must work for an
// owner that is not a superuser (row-level security is forced on the tables it owns).
const suffix = `${process.pid}`;
const database = `pulsegap_migration_${suffix}`;
const ownerRole = `pulsegap_migration_owner_${suffix}`;
let admin: Kysely<unknown>;
let owner: Kysely<any>;

beforeAll(async () => {
  const server = new URL(testDatabaseUrl());
  server.pathname = '/postgres';
  admin = createKysely<unknown>(server.toString(), 1);
  await sql`drop database if exists ${sql.id(database)} with (force)`.execute(admin);
  await sql`drop role if exists ${sql.id(ownerRole)}`.execute(admin);
  await sql`create role ${sql.id(ownerRole)} login nosuperuser nobypassrls`.execute(admin);
  await sql`create database ${sql.id(database)} owner ${sql.id(ownerRole)}`.execute(admin);
  const url = new URL(server);
  url.pathname = `/${database}`;
  url.username = ownerRole;
  owner = createKysely<any>(url.toString(), 1);
});

afterAll(async () => {
  await owner.destroy();
  await sql`drop database if exists ${sql.id(database)} with (force)`.execute(admin);
  await sql`drop role if exists ${sql.id(ownerRole)}`.execute(admin);
  await admin.destroy();
});

test('answers move into their response, by question position, with nothing lost', async () => {
  const migrator = new Migrator({ db: owner, provider: migrationProvider });
  const before = await migrator.migrateTo('2026-11-25T1200-answering');
  expect(before.error).toBeUndefined();

  const { organizationId, runId, questions, responses } = await owner
    .transaction()
    .execute(async (trx) => {
      const organizationId = randomUUID();
      await sql`select set_config('app.organization_id', ${organizationId}, true)`.execute(trx);
      await sql`
        insert into organizations (id, name) values (${organizationId}, 'Migrated')
      `.execute(trx);
      const priority = await sql<{ id: string }>`
        insert into priorities (organization_id, title, description, stated_weight)
        values (${organizationId}, 'P', '', 5) returning id
      `.execute(trx);
      const priorityId = priority.rows[0]?.id ?? '';
      const pulse = await sql<{ id: string }>`
        insert into pulses (organization_id, title, dimensions, open_question, open_for_hours,
                            min_group_size, comment_min_group_size)
        values (${organizationId}, 'Pulse', '{staffing,clarity,commitment}', true, 72, 5, 10)
        returning id
      `.execute(trx);
      const run = await sql<{ id: string }>`
        insert into runs (organization_id, pulse_id, closes_at, min_group_size,
                          comment_min_group_size)
        values (${organizationId}, ${pulse.rows[0]?.id}, now() + interval '1 day', 5, 10)
        returning id
      `.execute(trx);
      const runId = run.rows[0]?.id ?? '';
      // Positions 0, 1, 2, inserted out of order.
      const questions: string[] = [];
      for (const [position, dimension] of [
        [2, 'commitment'],
        [0, 'staffing'],
        [1, 'clarity'],
      ] as const) {
        const q = await sql<{ id: string }>`
          insert into run_questions (organization_id, run_id, priority_id, dimension, text, position)
          values (${organizationId}, ${runId}, ${priorityId}, ${dimension}, 'text', ${position})
          returning id
        `.execute(trx);
        questions[position] = q.rows[0]?.id ?? '';
      }
      // A full response, one with a question left out, one with a comment.
      const responses = [
        { values: [5, 4, 3], comment: null },
        { values: [1, null, 2], comment: null },
        { values: [null, 3, null], comment: 'Hard to say' },
      ];
      for (const r of responses) {
        const inserted = await sql<{ id: string }>`
          insert into responses (organization_id, run_id, segment_team_id, segment_tier,
                                 token_hash, comment)
          values (${organizationId}, ${runId}, null, 'frontline', ${randomBytes(32)}, ${r.comment})
          returning id
        `.execute(trx);
        for (const [position, value] of r.values.entries()) {
          if (value === null) continue;
          await sql`
            insert into answers (organization_id, run_id, response_id, question_id,
                                 segment_team_id, segment_tier, value)
            values (${organizationId}, ${runId}, ${inserted.rows[0]?.id}, ${questions[position]},
                    null, 'frontline', ${value})
          `.execute(trx);
        }
      }
      return { organizationId, runId, questions, responses };
    });
  expect(questions).toHaveLength(3);

  const after = await migrator.migrateToLatest();
  expect(after.error).toBeUndefined();

  const stored = await owner.transaction().execute(async (trx) => {
    await sql`select set_config('app.organization_id', ${organizationId}, true)`.execute(trx);
    const { rows } = await sql<{ answers: (number | null)[]; comment: string | null }>`
      select answers, comment from responses where run_id = ${runId}
    `.execute(trx);
    return rows;
  });
  expect(stored).toHaveLength(3);
  for (const r of responses) {
    expect(stored).toContainEqual({ answers: r.values, comment: r.comment });
  }
  // Row-level security is forced again once the move is done.
  const { rows } = await sql<{ relname: string; forced: boolean }>`
    select relname, relforcerowsecurity as forced from pg_class
     where relname in ('responses', 'run_questions') order by relname
  `.execute(owner);
  expect(rows).toEqual([
    { relname: 'responses', forced: true },
    { relname: 'run_questions', forced: true },
  ]);
  const { rows: tables } = await sql<{ name: string | null }>`
    select to_regclass('public.answers')::text as name
  `.execute(owner);
  expect(tables).toEqual([{ name: null }]);

  // And back: the old table is filled again from the arrays.
  const down = await migrator.migrateTo('2026-11-25T1200-answering');
  expect(down.error).toBeUndefined();
  const { rows: count } = await sql<{ n: number }>`
    select count(*)::int as n from answers
  `.execute(owner);
  // Forced RLS with no tenant set: the owner sees nothing, as the application would.
  expect(count).toEqual([{ n: 0 }]);
  const restored = await owner.transaction().execute(async (trx) => {
    await sql`select set_config('app.organization_id', ${organizationId}, true)`.execute(trx);
    const { rows: all } = await sql<{ n: number }>`
      select count(*)::int as n from answers where run_id = ${runId}
    `.execute(trx);
    return all;
  });
  expect(restored).toEqual([{ n: 6 }]);
});
