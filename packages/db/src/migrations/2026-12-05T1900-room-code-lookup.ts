import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * A phone holds only a room's code. `room_session_by_code` finds the open session of a code;
 * a phone still holding a code whose session has closed must be told it closed (410), not
 * that it never existed (404). `room_session_of_code` returns the open session of a code,
 * else the one that closed last, with whether it is closed: the organization, the session
 * and that flag, nothing else. The definer may read closed sessions for it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create policy definer_room_codes_closed on room_sessions for select to pulsegap_definer
      using (closed_at is not null);
    create function room_session_of_code(p_code text)
      returns table (organization_id uuid, session_id uuid, closed boolean)
      language sql stable security definer set search_path = pg_catalog, public, pg_temp
      as $$
        select s.organization_id, s.id, s.closed_at is not null from room_sessions s
         where s.code = upper(p_code)
         order by s.closed_at is null desc, s.closed_at desc
         limit 1
      $$;
    revoke all on function room_session_of_code(text) from public;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function room_session_of_code(text);
    drop policy definer_room_codes_closed on room_sessions;
  `.execute(db);
}
