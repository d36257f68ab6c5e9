import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * A token asked for again with the same blinded message is given again. A claim keeps the
 * SHA-256 digest of the blinded message it was made with (`invitations.blinded_digest`);
 * `claim_tokens` grants an invitation whose token was claimed with the same digest, while
 * its run is open, so a person whose answer to the first request was lost (a dropped
 * connection) gets the same blind signature instead of being locked out. Another blinded
 * message is still refused. A blinded message is the token's message times a random factor
 * only the browser knew: it is unlinkable to the token it becomes, so the digest pairs the
 * invitation with nothing a response carries.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table invitations add column blinded_digest bytea;
    drop function claim_tokens(bytea[]);
    create function claim_tokens(p_secret_hashes bytea[], p_blinded_digests bytea[])
      returns table (secret_hash bytea, blinded_digest bytea)
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
      as $$
      begin
        return query
          with asked as (
            -- One digest per secret: of two asked together, the lesser is tried.
            select distinct on (a.secret_hash) a.secret_hash, a.blinded_digest
              from unnest(p_secret_hashes, p_blinded_digests) as a(secret_hash, blinded_digest)
             order by a.secret_hash, a.blinded_digest
          ), wanted as (
            select i.id, a.blinded_digest
              from public.invitations i join asked a on a.secret_hash = i.secret_hash
             where not i.token_collected
             order by i.secret_hash
               for update of i
          ), claimed as (
            update public.invitations i
               set token_collected = true, blinded_digest = w.blinded_digest
              from wanted w, public.runs r
             where i.id = w.id and r.id = i.run_id and not i.token_collected
               and r.closed_at is null and r.closes_at > now()
            returning i.secret_hash, i.blinded_digest
          )
          select c.secret_hash, c.blinded_digest from claimed c
          union all
          -- Claimed before (this statement does not see its own claims here).
          select i.secret_hash, i.blinded_digest
            from public.invitations i join public.runs r on r.id = i.run_id
           where i.secret_hash = any (p_secret_hashes) and i.token_collected
             and i.blinded_digest is not null
             and r.closed_at is null and r.closes_at > now();
      end
      $$;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function claim_tokens(bytea[], bytea[]);
    alter table invitations drop column blinded_digest;
    create function claim_tokens(p_secret_hashes bytea[])
      returns table (secret_hash bytea)
      language sql volatile security definer set search_path = pg_catalog, public, pg_temp
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
