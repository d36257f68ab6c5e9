import { APP_ROLE } from '@pulsegap/config';
import { Migrator, sql, type Kysely } from 'kysely';
import { migrationProvider } from './migrations/index.js';

/** A migration failed; the database is left at the last migration that succeeded. */
export class MigrationError extends Error {
  readonly code = 'DB_MIGRATION_FAILED';
}

/**
 * Brings the schema up to date as the owner and creates or updates the application role,
 * which owns nothing, cannot bypass row-level security and only gets data privileges (on
 * the audit log only SELECT and INSERT).
 * `appRolePassword` null makes a role that cannot log in (embedded mode switches to it
 * with `SET ROLE`). Returns the names of the migrations applied now.
 */
export async function migrateToLatest<T>(
  owner: Kysely<T>,
  appRolePassword: string | null,
): Promise<string[]> {
  await ensureApplicationRole(owner, appRolePassword);
  const migrator = new Migrator({ db: owner, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const reason = error instanceof Error ? error.message : 'unknown error';
    throw new MigrationError(`migration failed: ${reason}`, { cause: error });
  }
  await grantApplicationRole(owner);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function ensureApplicationRole<T>(owner: Kysely<T>, password: string | null) {
  const role = sql.id(APP_ROLE);
  const login = password === null ? sql`nologin` : sql`login password ${sql.lit(password)}`;
  const attributes = sql`nosuperuser nobypassrls nocreatedb nocreaterole noinherit ${login}`;
  const { rows } = await sql<{ exists: boolean }>`
    select exists (select 1 from pg_roles where rolname = ${APP_ROLE}) as exists
  `.execute(owner);
  if (rows[0]?.exists === true) {
    await sql`alter role ${role} with ${attributes}`.execute(owner);
    return;
  }
  try {
    await sql`create role ${role} with ${attributes}`.execute(owner);
  } catch (error) {
    // Another migrate process created it first: update it instead.
    if ((error as { code?: string }).code !== '42710') throw error;
    await sql`alter role ${role} with ${attributes}`.execute(owner);
  }
}

async function grantApplicationRole<T>(owner: Kysely<T>) {
  const role = sql.id(APP_ROLE);
  await sql`grant usage on schema public to ${role}`.execute(owner);
  await sql`grant select, insert, update, delete on all tables in schema public to ${role}`.execute(
    owner,
  );
  // The audit log is append-only: the application role may read it and add to it, no more.
  await sql`revoke update, delete, truncate on audit_events from ${role}`.execute(owner);
  await sql`grant usage, select on all sequences in schema public to ${role}`.execute(owner);
  await sql`revoke all on kysely_migration, kysely_migration_lock from ${role}`.execute(owner);
  await sql`grant execute on all functions in schema public to ${role}`.execute(owner);
}
