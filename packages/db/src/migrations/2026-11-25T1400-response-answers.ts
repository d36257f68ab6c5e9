import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * A response keeps its answers in one row: `answers[i]` is the value given to the run's
 * question at position i − 1 (PostgreSQL arrays start at 1), NULL where it was not answered.
 * One row per response instead of one per answer makes intake an order of magnitude
 * cheaper (one row and three foreign-key checks instead of 29 rows and 143), and
 * histograms are read with `unnest … with ordinality`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table responses add column answers smallint[];

    -- The owner copies every tenant's answers: row-level security is lifted for this
    -- transaction only (the tables are owned by the migrating role) and restored below.
    alter table responses no force row level security;
    alter table answers no force row level security;
    alter table run_questions no force row level security;

    update responses r set answers = filled.answers
    from (
      select r2.id, array_agg(a.value order by q.position) as answers
      from responses r2
      join run_questions q on q.run_id = r2.run_id
      left join answers a on a.response_id = r2.id and a.question_id = q.id
      group by r2.id
    ) filled
    where filled.id = r.id;
    -- A response whose run has no questions cannot exist; keep the column total anyway.
    update responses set answers = '{}' where answers is null;

    alter table responses force row level security;
    alter table run_questions force row level security;

    alter table responses alter column answers set not null;
    alter table responses add constraint responses_answers_check check (
      array_ndims(answers) = 1
      and cardinality(answers) between 1 and 500
      and 1 <= all (answers) and 5 >= all (answers)
    );
    drop table answers;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create table answers (
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      response_id uuid not null references responses(id) on delete cascade,
      question_id uuid not null references run_questions(id) on delete cascade,
      segment_team_id uuid references teams(id),
      segment_tier text not null check (segment_tier in ('leadership', 'frontline')),
      value smallint not null check (value between 1 and 5),
      primary key (response_id, question_id)
    );
    create index answers_run_idx on answers(run_id);

    alter table responses no force row level security;
    alter table run_questions no force row level security;
    insert into answers (organization_id, run_id, response_id, question_id, segment_team_id,
                         segment_tier, value)
    select r.organization_id, r.run_id, r.id, q.id, r.segment_team_id, r.segment_tier, a.value
    from responses r
    cross join lateral unnest(r.answers) with ordinality as a(value, position)
    join run_questions q on q.run_id = r.run_id and q.position = a.position - 1
    where a.value is not null;
    alter table responses force row level security;
    alter table run_questions force row level security;

    alter table answers enable row level security;
    alter table answers force row level security;
    create policy tenant_isolation on answers
      using (organization_id = app_current_organization())
      with check (organization_id = app_current_organization());

    alter table responses drop column answers;
  `.execute(db);
}
