import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * The token route works on many links at once, one statement each step, whatever their
 * organizations: it looks up invitations by secret hash (organization, run and segment,
 * which the answer page shows their holder anyway), then claims their tokens. The secret
 * hash is the credential, as for `organization_of_invitation`: these owner-defined
 * functions touch only the invitations whose secrets the caller presented.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function invitations_of_secrets(p_secret_hashes bytea[])
      returns table (secret_hash bytea, organization_id uuid, run_id uuid,
                     segment_team_id uuid, segment_tier text)
      language sql stable security definer set search_path = public
      as $$
        select i.secret_hash, i.organization_id, i.run_id, i.segment_team_id, i.segment_tier
          from invitations i
         where i.secret_hash = any (p_secret_hashes)
      $$;
    revoke all on function invitations_of_secrets(bytea[]) from public;

    -- Marks the token of each given invitation as issued, if it had none and its run is
    -- open; returns the hashes claimed. Rows are locked in hash order, so concurrent
    -- claims cannot deadlock; a second claim of the same invitation waits, then finds it
    -- taken.
    create function claim_tokens(p_secret_hashes bytea[])
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
    revoke all on function claim_tokens(bytea[]) from public;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function if exists claim_tokens(bytea[]);
    drop function if exists invitations_of_secrets(bytea[]);
  `.execute(db);
}
