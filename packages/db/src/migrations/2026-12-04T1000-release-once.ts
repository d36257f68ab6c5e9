import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * A run's figures are released once, when it closes (PRODUCT.md §6.6, §6.7):
 *
 * - `run_teams` keeps the team tree as it was when each run started; a run's figures and
 *   comments are planned against it, never against today's teams. Runs that exist already
 *   get today's tree, the best there is.
 * - Accepted responses wait in `sealed_responses`, encrypted under a key that is not in the
 *   database, every one of a run the same length, with no timestamp; they move into
 *   `responses` all at once, shuffled, when the run is released. The token hash lives only
 *   there, which keeps one response per token while the run is open: `responses` loses its
 *   `token_hash`, so nothing in it pairs a stored response with the moment it was sent. For
 *   runs open now, their responses' token hashes are kept as sealed rows without content
 *   (already stored), so none of those tokens can be used twice.
 * - `run_releases` holds each run's release, one document; `runs.released_at` says it exists.
 *   The stored figures of the previous design (`cells`, `run_results`) are dropped: every
 *   closed run is released again from its responses by the workers' sweep of runs due
 *   (`due_releases`), which also closes runs at their deadline.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table run_teams (
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      -- No foreign key: the snapshot outlives a team deleted or renamed later.
      team_id uuid not null,
      name text not null,
      parent_id uuid,
      -- Tiers of which some of the team's invitees were counted with the whole organization.
      merged_tiers text[] not null default '{}',
      primary key (run_id, team_id)
    );

    alter table runs
      add column audience_team_ids uuid[],
      add column audience_tiers text[],
      -- Frozen with the run: every sealed response of a run has one shape.
      add column open_question boolean not null default true,
      add column released_at timestamptz;

    -- Neither an id that orders by time nor a timestamp: the primary key is the token's hash.
    create table sealed_responses (
      token_hash bytea primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      segment_team_id uuid references teams(id),
      segment_tier text not null check (segment_tier in ('leadership', 'frontline')),
      -- Empty only for a response stored before sealing existed (its token stays spent).
      sealed bytea not null
    ) with (toast_tuple_target = 8160);
    -- Random bytes do not compress: never try, and keep a sealed row in its page.
    alter table sealed_responses alter column sealed set storage external;
    create index sealed_responses_run_idx on sealed_responses(run_id);

    create table run_releases (
      run_id uuid primary key references runs(id) on delete cascade,
      organization_id uuid not null references organizations(id) on delete cascade,
      document jsonb not null
    );
  `.execute(db);

  for (const table of ['run_teams', 'sealed_responses', 'run_releases']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (organization_id = app_current_organization())
        with check (organization_id = app_current_organization())
    `.execute(db);
  }

  // The owner copies every tenant's rows: row-level security is lifted for this
  // transaction only (the tables are owned by the migrating role) and restored below.
  await sql`
    alter table runs no force row level security;
    alter table teams no force row level security;
    alter table responses no force row level security;
    alter table run_teams no force row level security;
    alter table sealed_responses no force row level security;

    alter table pulses no force row level security;
    update runs r set open_question = p.open_question from pulses p where p.id = r.pulse_id;
    alter table pulses force row level security;

    insert into run_teams (organization_id, run_id, team_id, name, parent_id)
    select r.organization_id, r.id, t.id, t.name, t.parent_id
      from runs r join teams t on t.organization_id = r.organization_id;

    insert into sealed_responses (token_hash, organization_id, run_id, segment_team_id,
                                  segment_tier, sealed)
    select s.token_hash, s.organization_id, s.run_id, s.segment_team_id, s.segment_tier, ''::bytea
      from responses s join runs r on r.id = s.run_id
     where r.closed_at is null and r.closes_at > now();

    alter table runs force row level security;
    alter table teams force row level security;
    alter table responses force row level security;
    alter table run_teams force row level security;
    alter table sealed_responses force row level security;

    alter table responses drop column token_hash;
    drop table cells, run_results;
    delete from outbox where job_name = 'recompute-run';
    drop function if exists admit_responses(uuid, uuid, uuid[], text[], bytea[], text[],
                                            smallint[], integer, text, text, jsonb);
  `.execute(db);

  // The intake's write: one statement that is its own transaction, with the caller's
  // rights. It sets the tenant, and if the run is open (checked under FOR SHARE, so a
  // close comes before or after the whole batch) stores the sealed responses, skipping
  // token hashes stored already. The token hashes (32 bytes each) and the sealed responses
  // (all of a run one length) come as two binary values, sliced here: a text array of
  // them would cost PostgreSQL more to parse than the insert itself. Returns whether the
  // run was open and the hashes refused.
  await sql`
    create function seal_responses(
        p_organization uuid, p_run uuid, p_segment_team uuid[], p_segment_tier text[],
        p_token_hashes bytea, p_sealed bytea, p_sealed_length integer)
      returns table (open boolean, refused bytea[])
      language plpgsql volatile set search_path = public, pg_temp
      as $$
      begin
        perform set_config('app.organization_id', p_organization::text, true);
        return query
          with open_run as (
            select r.id from runs r
             where r.id = p_run and r.closed_at is null and r.closes_at > now()
               for share
          ), given as (
            select v.segment_team_id, v.segment_tier,
                   substring(p_token_hashes from (v.n::integer - 1) * 32 + 1 for 32) as token_hash,
                   substring(p_sealed from (v.n::integer - 1) * p_sealed_length + 1
                             for p_sealed_length) as sealed
              from unnest(p_segment_team, p_segment_tier)
                     with ordinality as v(segment_team_id, segment_tier, n)
          ), stored as (
            insert into sealed_responses (token_hash, organization_id, run_id, segment_team_id,
                                          segment_tier, sealed)
            select g.token_hash, p_organization, o.id, g.segment_team_id, g.segment_tier, g.sealed
              from open_run o, given g
            on conflict (token_hash) do nothing
            returning sealed_responses.token_hash
          )
          select exists (select 1 from open_run),
                 array(select g.token_hash from given g
                        where g.token_hash not in (select s.token_hash from stored s));
      end
      $$;

    -- Runs whose release is due, across organizations (the workers' sweep): closed by hand
    -- or past their deadline, and not yet released. Only ids; everything else is read in
    -- the tenant's transaction.
    create function due_releases(p_limit integer)
      returns table (organization_id uuid, run_id uuid)
      language sql stable security definer set search_path = public, pg_temp
      as $$
        select r.organization_id, r.id from runs r
         where r.released_at is null and (r.closed_at is not null or r.closes_at <= now())
         order by r.closes_at
         limit p_limit
      $$;
    revoke all on function due_releases(integer) from public;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Back to the stored figures of the previous design, empty: they were computed data, and
  // the tokens' hashes of stored responses are gone for good (the column comes back empty).
  await sql`
    drop function if exists due_releases(integer);
    drop function if exists seal_responses(uuid, uuid, uuid[], text[], bytea, bytea, integer);
    drop table if exists run_releases, sealed_responses, run_teams;
    alter table runs drop column if exists audience_team_ids,
      drop column if exists audience_tiers, drop column if exists open_question,
      drop column if exists released_at;
    alter table responses add column token_hash bytea unique;

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
      responses integer not null,
      summary jsonb not null default '{}',
      counted_at timestamptz
    );
  `.execute(db);
  for (const table of ['cells', 'run_results']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (organization_id = app_current_organization())
        with check (organization_id = app_current_organization())
    `.execute(db);
  }
}
