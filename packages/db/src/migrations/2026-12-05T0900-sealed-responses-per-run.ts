import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * Each run's sealed responses get a table of their own: `sealed_responses` becomes a table
 * partitioned by run, one partition a run, made when the run starts
 * (`open_sealed_responses`). When the run is released its partition is emptied by
 * `TRUNCATE` in the release's transaction (`discard_sealed_responses`): the rows' pages are
 * not marked dead and left until a vacuum, nor copied into the write-ahead log page by page
 * as a `DELETE` would; the file itself goes when the release commits. The empty partition
 * is dropped later by the workers' sweep (`drop_discarded_sealed_responses`), which waits at
 * most a moment for its lock and otherwise tries again on the next sweep.
 *
 * A token hash is unique within its run (a token is signed with its run's key), so the key
 * becomes (run_id, token_hash). Partitions are owned by the owner and granted to nobody:
 * the application role reaches them only through `sealed_responses`, under its policy.
 * Runs not yet released get their partition here, with their rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table sealed_responses rename to sealed_responses_before_partitions;
    alter index sealed_responses_pkey rename to sealed_responses_before_partitions_pkey;
    drop index sealed_responses_run_idx;

    -- Neither an id that orders by time nor a timestamp: the key is the token's hash.
    create table sealed_responses (
      token_hash bytea not null,
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      segment_team_id uuid references teams(id),
      segment_tier text not null check (segment_tier in ('leadership', 'frontline')),
      -- Empty only for a response stored before sealing existed (its token stays spent).
      sealed bytea not null,
      primary key (run_id, token_hash)
    ) partition by list (run_id);
    -- Random bytes do not compress: never try (each partition also keeps a row in its page).
    alter table sealed_responses alter column sealed set storage external;
    alter table sealed_responses enable row level security;
    alter table sealed_responses force row level security;
    create policy tenant_isolation on sealed_responses
      using (organization_id = app_current_organization())
      with check (organization_id = app_current_organization());

    create function sealed_responses_partition(p_run uuid) returns text
      language sql immutable set search_path = public, pg_temp
      as $$ select 'sealed_responses_' || replace(p_run::text, '-', '') $$;

    -- Made as a table of its own and then attached, which locks sealed_responses only
    -- against other schema changes (SHARE UPDATE EXCLUSIVE), not against the intake.
    create function make_sealed_responses_partition(p_run uuid) returns void
      language plpgsql volatile set search_path = public, pg_temp
      as $$
      declare
        v_name text := sealed_responses_partition(p_run);
      begin
        if to_regclass('public.' || quote_ident(v_name)) is not null then return; end if;
        execute format(
          'create table public.%I (like public.sealed_responses including defaults '
          || 'including constraints including storage) with (toast_tuple_target = 8160)',
          v_name);
        execute format('alter table public.%I enable row level security', v_name);
        execute format('alter table public.%I force row level security', v_name);
        execute format(
          'create policy tenant_isolation on public.%I '
          || 'using (organization_id = app_current_organization()) '
          || 'with check (organization_id = app_current_organization())', v_name);
        execute format(
          'alter table public.sealed_responses attach partition public.%I for values in (%L)',
          v_name, p_run);
      end
      $$;

    -- Called in the transaction that starts a run: makes the run's partition. Only for a
    -- run of the caller's organization that is not released.
    create function open_sealed_responses(p_run uuid) returns void
      language plpgsql volatile security definer set search_path = public, pg_temp
      as $$
      begin
        if not exists (select 1 from runs r
                        where r.id = p_run and r.organization_id = app_current_organization()
                          and r.released_at is null) then
          raise exception 'no run % waiting for responses in this organization', p_run
            using errcode = 'P0002';
        end if;
        perform make_sealed_responses_partition(p_run);
      end
      $$;

    -- Called in the release's transaction once the release is stored: empties the run's
    -- partition. Only for a released run of the caller's organization.
    create function discard_sealed_responses(p_run uuid) returns void
      language plpgsql volatile security definer set search_path = public, pg_temp
      as $$
      declare
        v_name text := sealed_responses_partition(p_run);
      begin
        if not exists (select 1 from runs r
                        where r.id = p_run and r.organization_id = app_current_organization()
                          and r.released_at is not null) then
          raise exception 'no released run % in this organization', p_run
            using errcode = 'P0002';
        end if;
        if to_regclass('public.' || quote_ident(v_name)) is not null then
          execute format('truncate table public.%I', v_name);
        end if;
      end
      $$;

    -- The workers' sweep: drops the partitions of released (or deleted) runs, at most
    -- p_limit, each only if its lock comes within a moment (dropping a partition locks
    -- sealed_responses briefly). Returns how many it dropped.
    create function drop_discarded_sealed_responses(p_limit integer) returns integer
      language plpgsql volatile security definer
      set search_path = public, pg_temp set lock_timeout = '200ms'
      as $$
      declare
        v_name text;
        v_dropped integer := 0;
      begin
        for v_name in
          select c.relname
            from pg_inherits i
            join pg_class c on c.oid = i.inhrelid
            left join runs r on sealed_responses_partition(r.id) = c.relname
           where i.inhparent = 'public.sealed_responses'::regclass
             and (r.id is null or r.released_at is not null)
           limit p_limit
        loop
          begin
            execute format('drop table public.%I', v_name);
            v_dropped := v_dropped + 1;
          exception when lock_not_available then
            exit;
          end;
        end loop;
        return v_dropped;
      end
      $$;
    revoke all on function drop_discarded_sealed_responses(integer) from public;
  `.execute(db);

  // The owner moves every tenant's rows: row-level security is lifted for this transaction
  // only (the tables are owned by the migrating role) and restored below.
  await sql`
    alter table sealed_responses_before_partitions no force row level security;
    alter table runs no force row level security;
    select make_sealed_responses_partition(id) from runs where released_at is null;
    alter table sealed_responses no force row level security;
    insert into sealed_responses
    select s.* from sealed_responses_before_partitions s
      join runs r on r.id = s.run_id where r.released_at is null;
    alter table sealed_responses force row level security;
    alter table runs force row level security;
    drop table sealed_responses_before_partitions;
  `.execute(db);

  // The intake's write, as before, with the new key for refusing a token used twice.
  await sql`
    create or replace function seal_responses(
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
            on conflict (run_id, token_hash) do nothing
            returning sealed_responses.token_hash
          )
          select exists (select 1 from open_run),
                 array(select g.token_hash from given g
                        where g.token_hash not in (select s.token_hash from stored s));
      end
      $$;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function drop_discarded_sealed_responses(integer);
    drop function discard_sealed_responses(uuid);
    drop function open_sealed_responses(uuid);
    create table sealed_responses_unpartitioned (
      token_hash bytea primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      segment_team_id uuid references teams(id),
      segment_tier text not null check (segment_tier in ('leadership', 'frontline')),
      sealed bytea not null
    ) with (toast_tuple_target = 8160);
    alter table sealed_responses_unpartitioned alter column sealed set storage external;
    alter table sealed_responses no force row level security;
    insert into sealed_responses_unpartitioned select * from sealed_responses;
    drop table sealed_responses;
    drop function make_sealed_responses_partition(uuid);
    drop function sealed_responses_partition(uuid);
    alter table sealed_responses_unpartitioned rename to sealed_responses;
    alter index sealed_responses_unpartitioned_pkey rename to sealed_responses_pkey;
    create index sealed_responses_run_idx on sealed_responses(run_id);
    alter table sealed_responses enable row level security;
    alter table sealed_responses force row level security;
    create policy tenant_isolation on sealed_responses
      using (organization_id = app_current_organization())
      with check (organization_id = app_current_organization());
  `.execute(db);
  await sql`
    create or replace function seal_responses(
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
  `.execute(db);
}
