import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * `schema_version()`: the name of the last migration applied, for the API's readiness (an
 * API must not take requests on a database older than it). The application role has no
 * right on the migration tables; this owner-defined function tells it that one name.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function schema_version() returns text
      language sql stable security definer set search_path = pg_catalog, public, pg_temp
      as $$ select max(name) from public.kysely_migration $$;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function schema_version()`.execute(db);
}
