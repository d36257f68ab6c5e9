import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * The live room, the decision log, and the items a run may ask beyond the question bank.
 *
 * `room_sessions`: a live session opened from a released run. `code` is the short join code
 * people type on their phones; it is unique among sessions that are not closed, across
 * organizations (a phone knows no organization), so it is found by `room_session_by_code`,
 * which runs as `pulsegap_definer` and returns only the organization and the session.
 * `threshold` is the room threshold (3 to 50), fixed when the session opens.
 *
 * `room_questions`: the findings of a session, in order, each the statement the room answers.
 * `figures` is what the release said of the finding (copied when the session opened, so the
 * screen shows the pulse's figures next to the room's). What the room answered is kept only
 * as what the screen may show: `shown_counts` (the revealed distribution, five counts) and
 * `shown_texts` (the prompt's texts, in the shuffled order shown), both advanced only in
 * batches of at least the threshold; `answered` and `texts_answered` count answers so far.
 *
 * `room_pending`: answers not yet shown, each sealed (encrypted under a key that is not in
 * the database) with no id that orders and no timestamp; folded into the question's shown
 * figures, and deleted, once there are enough of them. A copy of the database therefore holds
 * no single answer in clear, and the WAL's row versions of `room_questions` move only by
 * whole batches, as the screen does.
 *
 * `room_participants`: a phone that joined, known by the hash of the random token it was
 * given (no account, address or user agent). `room_participation`: which phone took part in
 * which question, so each answers once; never what it answered.
 *
 * `decisions`: the organization's decision log: what was decided, for which priority, the
 * owning team (whose teams the follow-up items ask), the tradeoff, the review date, and
 * whether it is open or retired. Every change is also written to the audit log.
 *
 * `run_questions` gain `kind` (`bank`, `custom`, `prediction`, `settled`, `stopped`), the
 * tier and team they are asked of (null: everyone the run invites), and the decision a
 * follow-up item is about.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table room_sessions (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      code text not null check (code ~ '^[A-Z0-9]{4,12}$'),
      threshold smallint not null check (threshold between 3 and 50),
      prompt text not null check (length(prompt) between 1 and 500),
      current_question uuid,
      created_at timestamptz not null default now(),
      closed_at timestamptz
    );
    create unique index room_sessions_open_code on room_sessions (code) where closed_at is null;
    create index room_sessions_run on room_sessions (run_id);

    create table room_questions (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      session_id uuid not null references room_sessions(id) on delete cascade,
      position smallint not null,
      priority_id uuid not null,
      dimension text not null,
      statement text not null,
      figures jsonb not null,
      shown_counts integer[] not null default '{0,0,0,0,0}'
        check (cardinality(shown_counts) = 5),
      shown_texts text[] not null default '{}',
      answered integer not null default 0,
      texts_answered integer not null default 0,
      unique (session_id, position)
    );

    create table room_pending (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      question_id uuid not null references room_questions(id) on delete cascade,
      kind text not null check (kind in ('scale', 'text')),
      sealed bytea not null
    );
    create index room_pending_question on room_pending (question_id, kind);

    create table room_participants (
      organization_id uuid not null references organizations(id) on delete cascade,
      session_id uuid not null references room_sessions(id) on delete cascade,
      token_hash bytea not null,
      primary key (session_id, token_hash)
    );

    create table room_participation (
      organization_id uuid not null references organizations(id) on delete cascade,
      question_id uuid not null references room_questions(id) on delete cascade,
      token_hash bytea not null,
      primary key (question_id, token_hash)
    );

    create table decisions (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      priority_id uuid not null references priorities(id) on delete restrict,
      team_id uuid not null references teams(id) on delete restrict,
      session_id uuid references room_sessions(id) on delete set null,
      title text not null check (length(title) between 1 and 300),
      tradeoff text not null check (length(tradeoff) between 1 and 1000),
      review_on date not null,
      status text not null default 'open' check (status in ('open', 'retired')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index decisions_priority on decisions (priority_id) where status = 'open';

    alter table run_questions
      add column kind text not null default 'bank'
        check (kind in ('bank', 'custom', 'prediction', 'settled', 'stopped')),
      add column audience_tier text check (audience_tier in ('leadership', 'frontline')),
      add column audience_team_id uuid,
      add column decision_id uuid references decisions(id) on delete set null;
  `.execute(db);
  for (const table of [
    'room_sessions',
    'room_questions',
    'room_pending',
    'room_participants',
    'room_participation',
    'decisions',
  ]) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (organization_id = app_current_organization())
        with check (organization_id = app_current_organization())
    `.execute(db);
  }
  await sql`
    create policy definer_room_codes on room_sessions for select to pulsegap_definer
      using (closed_at is null);
    create function room_session_by_code(p_code text)
      returns table (organization_id uuid, session_id uuid)
      language sql stable security definer set search_path = pg_catalog, public, pg_temp
      as $$
        select s.organization_id, s.id from room_sessions s
         where s.code = upper(p_code) and s.closed_at is null
      $$;
    revoke all on function room_session_by_code(text) from public;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function room_session_by_code(text);
    alter table run_questions drop column decision_id, drop column audience_team_id,
      drop column audience_tier, drop column kind;
    drop table decisions, room_participation, room_participants, room_pending, room_questions,
      room_sessions;
  `.execute(db);
}
