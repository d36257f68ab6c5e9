import { APP_ROLE } from '@pulsegap/config';
import { Migrator, sql, type Kysely } from 'kysely';
import { migrationProvider } from './migrations/index.js';

/** A migration failed; the database is left at the last migration that succeeded. */
export class MigrationError extends Error {
  readonly code = 'DB_MIGRATION_FAILED';
}

/** What `migrateToLatest` did, and what is left for a superuser. */
export interface MigrationOutcome {
  /** The names of the migrations applied now. */
  readonly applied: readonly string[];
  /**
   * Statements only a superuser may run, which the owner was refused and an operator must
   * run by hand (the CLI prints them); empty when everything is in place.
   */
  readonly superuserStatements: readonly string[];
}

/**
 * Brings the schema up to date as the owner and creates or updates the application role,
 * which owns nothing, cannot bypass row-level security, only gets data privileges (on the
 * audit log only SELECT and INSERT) and has statement logging off. `appRolePassword` null
 * makes a role that cannot log in (embedded mode switches to it with `SET ROLE`).
 */
export async function migrateToLatest<T>(
  owner: Kysely<T>,
  appRolePassword: string | null,
): Promise<MigrationOutcome> {
  await ensureApplicationRole(owner, appRolePassword);
  const superuserStatements = await turnOffStatementLogging(owner);
  const migrator = new Migrator({ db: owner, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const reason = error instanceof Error ? error.message : 'unknown error';
    throw new MigrationError(`migration failed: ${reason}`, { cause: error });
  }
  await grantApplicationRole(owner);
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  return { applied, superuserStatements };
}

async function ensureApplicationRole<T>(owner: Kysely<T>, password: string | null) {
  const role = sql.id(APP_ROLE);
  const login = password === null ? sql`nologin` : sql`login password ${sql.lit(password)}`;
  const { rows } = await sql<{ superuser: boolean; bypassrls: boolean }>`
    select rolsuper as superuser, rolbypassrls as bypassrls from pg_roles where rolname = ${APP_ROLE}
  `.execute(owner);
  const existing = rows[0];
  if (existing !== undefined) {
    // PostgreSQL lets only a superuser name SUPERUSER or BYPASSRLS, even to turn them off:
    // they are named only when on, so an owner with CREATEROLE alone (a managed database's
    // admin) can migrate.
    const attributes = sql.join(
      [
        ...(existing.superuser ? [sql`nosuperuser`] : []),
        ...(existing.bypassrls ? [sql`nobypassrls`] : []),
        sql`nocreatedb nocreaterole noinherit`,
        login,
      ],
      sql` `,
    );
    await sql`alter role ${role} with ${attributes}`.execute(owner);
    return;
  }
  try {
    await sql`
      create role ${role} with nosuperuser nobypassrls nocreatedb nocreaterole noinherit ${login}
    `.execute(owner);
  } catch (error) {
    // Another migrate process created it first: update it instead.
    if ((error as { code?: string }).code !== '42710') throw error;
    await ensureApplicationRole(owner, password);
  }
}

// With statement logging on, the server's log would hold the application's statements with
// their times, and so date the writes of responses. Only a superuser may change these two
// settings: an owner that is not one is refused (42501), and the statements are handed back
// for an operator to run.
const STATEMENT_LOGGING_OFF = [
  { setting: 'log_statement=none', statement: `ALTER ROLE ${APP_ROLE} SET log_statement = 'none'` },
  {
    setting: 'log_min_duration_statement=-1',
    statement: `ALTER ROLE ${APP_ROLE} SET log_min_duration_statement = -1`,
  },
];

/** Turns statement logging off for the application role; returns what the owner may not. */
async function turnOffStatementLogging<T>(owner: Kysely<T>): Promise<string[]> {
  const { rows } = await sql<{ settings: string[] | null }>`
    select rolconfig as settings from pg_roles where rolname = ${APP_ROLE}
  `.execute(owner);
  const current = new Set(rows[0]?.settings ?? []);
  const refused: string[] = [];
  for (const { setting, statement } of STATEMENT_LOGGING_OFF) {
    if (current.has(setting)) continue;
    try {
      await sql.raw(statement).execute(owner);
    } catch (error) {
      if ((error as { code?: string }).code !== '42501') throw error;
      refused.push(statement);
    }
  }
  return refused;
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
