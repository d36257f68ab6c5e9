import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * The token route's two batch functions, `invitations_of_secrets` and `claim_tokens`, with
 * the same signatures and the same statements, in PL/pgSQL instead of SQL. PostgreSQL
 * plans the body of a SQL function that it cannot inline again at every call, while a
 * PL/pgSQL function keeps its plan for the session: measured with batches of ten, a claim
 * took 0.28–0.37 ms instead of 0.54–0.74 ms. The privileges of the functions are kept.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function invitations_of_secrets(p_secret_hashes bytea[])
      returns table (secret_hash bytea, organization_id uuid, run_id uuid,
                     segment_team_id uuid, segment_tier text)
      language plpgsql stable security definer set search_path = public
      as $$
      begin
        return query
          select i.secret_hash, i.organization_id, i.run_id, i.segment_team_id, i.segment_tier
            from invitations i
           where i.secret_hash = any (p_secret_hashes);
      end
      $$;

    create or replace function claim_tokens(p_secret_hashes bytea[])
      returns table (secret_hash bytea)
      language plpgsql volatile security definer set search_path = public
      as $$
      begin
        return query
          with wanted as (
            select i.id
              from invitations i
             where i.secret_hash = any (p_secret_hashes) and not i.token_collected
             order by i.secret_hash
               for update
          )
          update invitations i set token_collected = true
            from wanted w, runs r
           where i.id = w.id and r.id = i.run_id and not i.token_collected
             and r.closed_at is null and r.closes_at > now()
          returning i.secret_hash;
      end
      $$;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function invitations_of_secrets(p_secret_hashes bytea[])
      returns table (secret_hash bytea, organization_id uuid, run_id uuid,
                     segment_team_id uuid, segment_tier text)
      language sql stable security definer set search_path = public
      as $$
        select i.secret_hash, i.organization_id, i.run_id, i.segment_team_id, i.segment_tier
          from invitations i
         where i.secret_hash = any (p_secret_hashes)
      $$;

    create or replace function claim_tokens(p_secret_hashes bytea[])
      returns table (secret_hash bytea)
      language sql volatile security definer set search_path = public
      as $$
        with wanted as (
          select i.id
            from invitations i
           where i.secret_hash = any (p_secret_hashes) and not i.token_collected
           order by i.secret_hash
             for update
        )
        update invitations i set token_collected = true
          from wanted w, runs r
         where i.id = w.id and r.id = i.run_id and not i.token_collected
           and r.closed_at is null and r.closes_at > now()
        returning i.secret_hash
      $$;
  `.execute(db);
}
