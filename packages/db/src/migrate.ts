import { APP_ROLE, DEFINER_ROLE } from '@pulsegap/config';
import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { LATEST_MIGRATION, migrationProvider } from './migrations/index.js';

export { LATEST_MIGRATION };

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
 * Brings the schema up to date as the owner and creates or updates the application role
 * (`appRole`, `APP_DATABASE_ROLE`), which owns nothing, cannot bypass row-level security,
 * only gets data privileges (on the audit log only SELECT and INSERT) and has statement
 * logging off. `appRolePassword` null makes a role that cannot log in (embedded mode
 * switches to it with `SET ROLE`).
 */
export async function migrateToLatest<T>(
  owner: Kysely<T>,
  appRolePassword: string | null,
  appRole: string = APP_ROLE,
): Promise<MigrationOutcome> {
  await ensureApplicationRole(owner, appRole, appRolePassword);
  await ensureDefinerRole(owner);
  const superuserStatements = await turnOffStatementLogging(owner, appRole);
  const migrator = new Migrator({ db: owner, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const reason = error instanceof Error ? error.message : 'unknown error';
    throw new MigrationError(`migration failed: ${reason}`, { cause: error });
  }
  await grantApplicationRole(owner, appRole);
  await secureDefinerFunctions(owner);
  superuserStatements.push(...(await refuseTemporaryObjects(owner)));
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  return { applied, superuserStatements };
}

async function ensureApplicationRole<T>(owner: Kysely<T>, name: string, password: string | null) {
  const role = sql.id(name);
  const login = password === null ? sql`nologin` : sql`login password ${sql.lit(password)}`;
  const { rows } = await sql<{ superuser: boolean; bypassrls: boolean }>`
    select rolsuper as superuser, rolbypassrls as bypassrls from pg_roles where rolname = ${name}
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
    await ensureApplicationRole(owner, name, password);
  }
}

/**
 * The role the owner-defined functions run as (`DEFINER_ROLE`): no superuser, no BYPASSRLS,
 * no login. The migrating role is made a member, so that it may hand the functions over.
 */
async function ensureDefinerRole<T>(owner: Kysely<T>) {
  const role = sql.id(DEFINER_ROLE);
  const { rows } = await sql<{ superuser: boolean; bypassrls: boolean }>`
    select rolsuper as superuser, rolbypassrls as bypassrls from pg_roles
     where rolname = ${DEFINER_ROLE}
  `.execute(owner);
  const existing = rows[0];
  const attributes = sql`nologin nocreatedb nocreaterole noinherit`;
  if (existing === undefined) {
    try {
      await sql`create role ${role} with nosuperuser nobypassrls ${attributes}`.execute(owner);
    } catch (error) {
      // Another migrate process created it first: update it instead.
      if ((error as { code?: string }).code !== '42710') throw error;
      await ensureDefinerRole(owner);
      return;
    }
  } else {
    // As for the application role: SUPERUSER and BYPASSRLS are named only when on.
    const off = [
      ...(existing.superuser ? [sql`nosuperuser`] : []),
      ...(existing.bypassrls ? [sql`nobypassrls`] : []),
    ];
    await sql`alter role ${role} with ${sql.join([...off, attributes], sql` `)}`.execute(owner);
  }
  const { rows: member } = await sql<{ member: boolean }>`
    select pg_has_role(current_user, ${DEFINER_ROLE}, 'usage') as member
  `.execute(owner);
  if (member[0]?.member !== true) await sql`grant ${role} to current_user`.execute(owner);
}

/**
 * Every SECURITY DEFINER function of the schema runs as `DEFINER_ROLE`, never as the role
 * that migrates, with a search path that names its schemas and ends with pg_temp (so no
 * temporary object can stand in for a table). That role gets exactly what those functions
 * use: reading users, invitations, runs, pulses, reminders and open room sessions' codes, collecting a token, and making, emptying and
 * dropping the partitions of sealed responses (so it owns `sealed_responses`).
 */
async function secureDefinerFunctions<T>(owner: Kysely<T>) {
  const role = sql.id(DEFINER_ROLE);
  await sql`grant usage, create on schema public to ${role}`.execute(owner);
  await sql`grant select on users, invitations, runs, pulses, run_reminders, room_sessions to ${role}`.execute(
    owner,
  );
  await sql`grant update (token_collected, blinded_digest) on invitations to ${role}`.execute(
    owner,
  );
  await sql`grant references on organizations, runs, teams to ${role}`.execute(owner);
  await sql`grant execute on all functions in schema public to ${role}`.execute(owner);
  await sql`grant select on kysely_migration to ${role}`.execute(owner);
  const { rows: functions } = await sql<{ signature: string }>`
    select p.oid::regprocedure::text as signature from pg_proc p
     where p.pronamespace = 'public'::regnamespace and p.prosecdef
  `.execute(owner);
  for (const { signature } of functions) {
    const fn = sql.raw(signature);
    await sql`alter function ${fn} owner to ${role}`.execute(owner);
    await sql`alter function ${fn} set search_path = pg_catalog, public, pg_temp`.execute(owner);
  }
  const { rows: tables } = await sql<{ name: string }>`
    select 'public.sealed_responses' as name
    union all
    select inhrelid::regclass::text from pg_inherits
     where inhparent = 'public.sealed_responses'::regclass
  `.execute(owner);
  for (const { name } of tables) {
    await sql`alter table ${sql.raw(name)} owner to ${role}`.execute(owner);
  }
}

/**
 * Nobody but the owner may create temporary objects in the database (a temporary view can
 * stand in for a table wherever a search path reaches pg_temp first). Only the database's
 * owner may change that; otherwise the statement is handed back for an operator to run.
 */
async function refuseTemporaryObjects<T>(owner: Kysely<T>): Promise<string[]> {
  const { rows } = await sql<{ database: string }>`
    select current_database() as database
  `.execute(owner);
  const database = rows[0]?.database ?? '';
  const statement = `REVOKE TEMPORARY ON DATABASE ${quoteIdentifier(database)} FROM PUBLIC`;
  try {
    await sql.raw(statement).execute(owner);
    return [];
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    return [statement];
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

// With statement logging on, the server's log would hold the application's statements with
// their times, and so date the writes of responses. Only a superuser may change these two
// settings: an owner that is not one is refused (42501), and the statements are handed back
// for an operator to run.
const statementLoggingOff = (role: string) => {
  // As an operator would type it: a plain name bare, any other quoted.
  const shown = /^[a-z_][a-z0-9_]*$/.test(role) ? role : quoteIdentifier(role);
  return [
    { setting: 'log_statement=none', name: 'log_statement', value: `'none'` },
    { setting: 'log_min_duration_statement=-1', name: 'log_min_duration_statement', value: '-1' },
  ].map(({ setting, name, value }) => ({
    setting,
    run: sql.raw(`ALTER ROLE ${quoteIdentifier(role)} SET ${name} = ${value}`),
    statement: `ALTER ROLE ${shown} SET ${name} = ${value}`,
  }));
};

/** Turns statement logging off for the application role; returns what the owner may not. */
async function turnOffStatementLogging<T>(owner: Kysely<T>, role: string): Promise<string[]> {
  const { rows } = await sql<{ settings: string[] | null }>`
    select rolconfig as settings from pg_roles where rolname = ${role}
  `.execute(owner);
  const current = new Set(rows[0]?.settings ?? []);
  const refused: string[] = [];
  for (const { setting, run, statement } of statementLoggingOff(role)) {
    if (current.has(setting)) continue;
    try {
      await run.execute(owner);
    } catch (error) {
      if ((error as { code?: string }).code !== '42501') throw error;
      refused.push(statement);
    }
  }
  return refused;
}

async function grantApplicationRole<T>(owner: Kysely<T>, name: string) {
  const role = sql.id(name);
  await sql`grant usage on schema public to ${role}`.execute(owner);
  await sql`grant select, insert, update, delete on all tables in schema public to ${role}`.execute(
    owner,
  );
  // The audit log is append-only: the application role may read it and add to it, no more.
  await sql`revoke update, delete, truncate on audit_events from ${role}`.execute(owner);
  await sql`grant usage, select on all sequences in schema public to ${role}`.execute(owner);
  await sql`revoke all on kysely_migration, kysely_migration_lock from ${role}`.execute(owner);
  await sql`grant execute on all functions in schema public to ${role}`.execute(owner);
  // A run's partition of sealed responses is reached only through sealed_responses, under
  // its policy; the grant above gave the application role the partitions there are now.
  const { rows } = await sql<{ partition: string }>`
    select inhrelid::regclass::text as partition from pg_inherits
     where inhparent = to_regclass('public.sealed_responses')
  `.execute(owner);
  for (const { partition } of rows) {
    await sql`revoke all on ${sql.raw(partition)} from ${role}`.execute(owner);
  }
}

/**
 * Whether the database is migrated at least as far as this build (`LATEST_MIGRATION`),
 * asked as the application role through `schema_version()`; a database that predates that
 * function is not. Returns the version found (null: none) with the answer.
 */
export async function schemaIsCurrent<T>(
  db: Kysely<T>,
): Promise<{ current: boolean; version: string | null }> {
  try {
    const { rows } = await sql<{ version: string | null }>`
      select schema_version() as version
    `.execute(db);
    const version = rows[0]?.version ?? null;
    return { current: version !== null && version >= LATEST_MIGRATION, version };
  } catch (error) {
    // 42883: no such function, a database migrated by an older build or not at all.
    if ((error as { code?: string }).code !== '42883') throw error;
    return { current: false, version: null };
  }
}
