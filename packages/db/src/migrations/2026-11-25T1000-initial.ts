import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

const TENANT_TABLES = [
  'organizations',
  'users',
  'teams',
  'people',
  'priorities',
  'pulses',
  'pulse_priorities',
  'runs',
  'run_questions',
  'invitations',
  'responses',
  'answers',
  'cells',
  'run_results',
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function app_current_organization() returns uuid
      language sql stable
      as $$ select nullif(current_setting('app.organization_id', true), '')::uuid $$;

    create table organizations (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 200),
      created_at timestamptz not null default now()
    );

    create table users (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      email text not null unique check (email = lower(email)),
      password_hash text not null,
      role text not null check (role in ('admin', 'executive')),
      created_at timestamptz not null default now()
    );
    create index users_organization_idx on users(organization_id);

    create table teams (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      name text not null check (length(name) between 1 and 100),
      parent_id uuid references teams(id) on delete set null check (parent_id <> id),
      created_at timestamptz not null default now(),
      unique (organization_id, name)
    );

    create table people (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      email text not null check (email = lower(email)),
      name text not null,
      team_id uuid not null references teams(id),
      tier text not null check (tier in ('leadership', 'frontline')),
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (organization_id, email)
    );
    create index people_team_idx on people(team_id);

    create table priorities (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      title text not null check (length(title) between 1 and 200),
      description text not null default '',
      stated_weight smallint not null check (stated_weight between 1 and 5),
      created_at timestamptz not null default now()
    );
    create index priorities_organization_idx on priorities(organization_id);

    create table pulses (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      title text not null check (length(title) between 1 and 200),
      dimensions text[] not null,
      open_question boolean not null default true,
      audience_team_ids uuid[],
      audience_tiers text[],
      schedule_cron text,
      schedule_timezone text,
      open_for_hours integer not null default 72 check (open_for_hours between 1 and 2160),
      min_group_size integer not null default 5 check (min_group_size >= 3),
      comment_min_group_size integer not null default 10,
      created_at timestamptz not null default now(),
      check (comment_min_group_size >= min_group_size)
    );
    create index pulses_organization_idx on pulses(organization_id);

    create table pulse_priorities (
      pulse_id uuid not null references pulses(id) on delete cascade,
      priority_id uuid not null references priorities(id),
      organization_id uuid not null references organizations(id) on delete cascade,
      position integer not null,
      primary key (pulse_id, priority_id)
    );

    create table runs (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      pulse_id uuid not null references pulses(id) on delete cascade,
      opened_at timestamptz not null default now(),
      closes_at timestamptz not null,
      closed_at timestamptz,
      invited integer not null default 0,
      min_group_size integer not null,
      comment_min_group_size integer not null
    );
    create index runs_pulse_idx on runs(pulse_id, opened_at desc);

    create table run_questions (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      priority_id uuid not null references priorities(id),
      dimension text not null,
      text text not null,
      position integer not null,
      unique (run_id, priority_id, dimension)
    );

    -- Knows who was invited and whether they collected a token; never what they answered.
    create table invitations (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      person_id uuid not null references people(id),
      secret_hash bytea not null unique,
      segment_team_id uuid references teams(id),
      segment_tier text not null check (segment_tier in ('leadership', 'frontline')),
      token_collected boolean not null default false,
      unique (run_id, person_id)
    );

    -- Knows what was answered and by which segment; never who, never when.
    create table responses (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      segment_team_id uuid references teams(id),
      segment_tier text not null check (segment_tier in ('leadership', 'frontline')),
      token_hash bytea not null unique,
      comment text check (length(comment) <= 2000)
    );
    create index responses_run_idx on responses(run_id);

    create table answers (
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      response_id uuid not null references responses(id) on delete cascade,
      question_id uuid not null references run_questions(id) on delete cascade,
      -- The response's segment, repeated so histograms need no join.
      segment_team_id uuid references teams(id),
      segment_tier text not null check (segment_tier in ('leadership', 'frontline')),
      value smallint not null check (value between 1 and 5),
      primary key (response_id, question_id)
    );
    create index answers_run_idx on answers(run_id);

    create table cells (
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      priority_id uuid not null references priorities(id),
      dimension text not null,
      team_id uuid references teams(id),
      suppressed boolean not null,
      statistics jsonb not null,
      unique nulls not distinct (run_id, priority_id, dimension, team_id)
    );

    create table run_results (
      run_id uuid primary key references runs(id) on delete cascade,
      organization_id uuid not null references organizations(id) on delete cascade,
      computed_at timestamptz not null,
      responses integer not null
    );

    -- Not tenant data: ids of work to do, relayed to the job queue (transactional outbox).
    create table outbox (
      id bigserial primary key,
      job_name text not null,
      job_key text not null,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      dispatched_at timestamptz
    );
    -- One pending row per key: a second request for the same work coalesces.
    create unique index outbox_pending_key on outbox(job_key) where dispatched_at is null;
  `.execute(db);

  for (const table of TENANT_TABLES) {
    const column = table === 'organizations' ? 'id' : 'organization_id';
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (${sql.ref(column)} = app_current_organization())
        with check (${sql.ref(column)} = app_current_organization())
    `.execute(db);
  }

  // Login must find a user before the tenant is known: one narrow path, a function that
  // runs as the owner and returns only what login needs. The owner alone may read users
  // across tenants; the application role never can.
  await sql`
    create policy owner_login_lookup on users for select to current_user using (true);

    create function auth_login_lookup(p_email text)
      returns table (user_id uuid, organization_id uuid, password_hash text, role text)
      language sql stable security definer set search_path = public
      as $$ select id, organization_id, password_hash, role from users where email = lower(p_email) $$;
    revoke all on function auth_login_lookup(text) from public;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function if exists auth_login_lookup(text);
    drop table if exists outbox, run_results, cells, answers, responses, invitations,
      run_questions, runs, pulse_priorities, pulses, priorities, people, teams, users,
      organizations cascade;
    drop function if exists app_current_organization();
  `.execute(db);
}
