import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * The intake writes a batch of responses in one statement outside any explicit
 * transaction: one round trip to PostgreSQL instead of four (BEGIN, the tenant setting,
 * the write, COMMIT), and the statement's own transaction commits before its result is
 * returned. The function runs with the caller's rights (row-level security applies as in
 * any tenant transaction): it sets the tenant for the rest of its transaction, then, if
 * the run is open (checked under FOR SHARE, so a concurrent close comes before or after
 * the whole batch), stores the responses in the order given, skipping token hashes already
 * stored, and writes the outbox job when any response is new. Answers arrive as one array,
 * `p_width` values per response. Returns whether the run was open and the token hashes
 * that were not stored.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function admit_responses(
        p_organization uuid, p_run uuid,
        p_segment_team uuid[], p_segment_tier text[], p_token_hash bytea[], p_comment text[],
        p_answers smallint[], p_width integer,
        p_job_name text, p_job_key text, p_job_payload jsonb)
      returns table (open boolean, refused bytea[])
      language plpgsql volatile set search_path = public
      as $$
      begin
        perform set_config('app.organization_id', p_organization::text, true);
        return query
          with open_run as (
            select r.id from runs r
             where r.id = p_run and r.closed_at is null and r.closes_at > now()
               for share
          ), stored as (
            insert into responses (organization_id, run_id, segment_team_id, segment_tier,
                                   token_hash, comment, answers)
            select p_organization, o.id, v.segment_team_id, v.segment_tier, v.token_hash,
                   v.comment, p_answers[(v.n - 1) * p_width + 1 : v.n * p_width]
              from open_run o,
                   unnest(p_segment_team, p_segment_tier, p_token_hash, p_comment)
                     with ordinality as v(segment_team_id, segment_tier, token_hash, comment, n)
             order by v.n
            on conflict (token_hash) do nothing
            returning responses.token_hash
          ), follow_up as (
            insert into outbox (job_name, job_key, payload)
            select p_job_name, p_job_key, p_job_payload
             where exists (select 1 from stored)
            on conflict (job_key) where dispatched_at is null do nothing
          )
          select exists (select 1 from open_run),
                 array(select h from unnest(p_token_hash) as h
                        where h not in (select s.token_hash from stored s));
      end
      $$;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function if exists admit_responses(uuid, uuid, uuid[], text[], bytea[], text[],
                                            smallint[], integer, text, text, jsonb);
  `.execute(db);
}
