import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { APP_ROLE } from '@pulsegap/config';
import { testConfig, testDatabaseUrl } from '@pulsegap/testing';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKysely } from './database.js';
import { migrateToLatest } from './migrate.js';
import { migrationProvider } from './migrations/index.js';

const STATEMENTS = [
  `ALTER ROLE ${APP_ROLE} SET log_statement = 'none'`,
  `ALTER ROLE ${APP_ROLE} SET log_min_duration_statement = -1`,
];
const MIGRATE_CLI = fileURLToPath(new URL('./migrate-cli.ts', import.meta.url));

// The application role's statements never reach the server's log (PRODUCT.md §6.7): with
// their times they would date the writes of responses. The settings are the role's, so this
// file changes them for the whole server and sets them again when it is done.
describe('migrate turns statement logging off for the application role', () => {
  const suffix = `${process.pid}`;
  const ownerRole = `pulsegap_migrate_owner_${suffix}`;
  const databases = [`pulsegap_migrate_${suffix}`, `pulsegap_migrate_owned_${suffix}`];
  const password = testConfig().appDatabasePassword;
  let admin: Kysely<unknown>;

  const urlOf = (database: string, user?: string) => {
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${database}`;
    if (user !== undefined) url.username = user;
    return url.toString();
  };
  const dropAll = async () => {
    for (const database of databases) {
      await sql`drop database if exists ${sql.id(database)} with (force)`.execute(admin);
    }
    await sql`drop role if exists ${sql.id(ownerRole)}`.execute(admin);
  };
  const roleSettings = async () => {
    const { rows } = await sql<{ settings: string[] }>`
      select coalesce(s.setconfig, '{}') as settings
        from pg_roles r
        left join pg_db_role_setting s on s.setrole = r.oid and s.setdatabase = 0
       where r.rolname = ${APP_ROLE}
    `.execute(admin);
    return rows[0]?.settings ?? [];
  };
  const resetRoleSettings = async () => {
    await sql`alter role ${sql.id(APP_ROLE)} reset log_statement`.execute(admin);
    await sql`alter role ${sql.id(APP_ROLE)} reset log_min_duration_statement`.execute(admin);
  };
  /** Migrates `database` as `user` (default: the test server's superuser). */
  const migrate = async (database: string, user?: string) => {
    const owner = createKysely<unknown>(urlOf(database, user), 1);
    try {
      return await migrateToLatest(owner, password);
    } finally {
      await owner.destroy();
    }
  };

  beforeAll(async () => {
    admin = createKysely<unknown>(urlOf('postgres'), 1);
    await dropAll();
  });
  afterAll(async () => {
    for (const statement of STATEMENTS) await sql.raw(statement).execute(admin);
    await dropAll();
    await admin.destroy();
  });

  test('as a superuser, it sets both settings for the role', async () => {
    const [database = ''] = databases;
    await sql`create database ${sql.id(database)}`.execute(admin);
    await resetRoleSettings();
    expect(await roleSettings()).toEqual([]);

    const outcome = await migrate(database);
    expect(outcome.applied).toEqual(Object.keys(await migrationProvider.getMigrations()));
    expect(outcome.superuserStatements).toEqual([]);
    expect(await roleSettings()).toEqual(['log_statement=none', 'log_min_duration_statement=-1']);
    // pg_roles shows the same.
    const { rows } = await sql<{ rolconfig: string[] }>`
      select rolconfig from pg_roles where rolname = ${APP_ROLE}
    `.execute(admin);
    expect(rows[0]?.rolconfig).toEqual(
      expect.arrayContaining(['log_statement=none', 'log_min_duration_statement=-1']),
    );
    // Once set, a second migration has nothing to do.
    expect(await migrate(database)).toEqual({ applied: [], superuserStatements: [] });
  });

  test('as an owner that is not a superuser, it migrates and says what a superuser must run', async () => {
    // A managed database's admin: it may create roles and owns the database, no more.
    const [, database = ''] = databases;
    await sql`
      create role ${sql.id(ownerRole)} login createrole nosuperuser nobypassrls
    `.execute(admin);
    await sql`create database ${sql.id(database)} owner ${sql.id(ownerRole)}`.execute(admin);
    await resetRoleSettings();

    const outcome = await migrate(database, ownerRole);
    expect(outcome.applied).toEqual(Object.keys(await migrationProvider.getMigrations()));
    expect(outcome.superuserStatements).toEqual(STATEMENTS);
    expect(await roleSettings()).toEqual([]);

    // `npm run migrate` succeeds and prints the statements.
    const printed = await promisify(execFile)(
      process.execPath,
      ['--conditions=pulsegap-source', '--import', 'tsx', MIGRATE_CLI],
      {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          DATABASE_URL: urlOf(database, ownerRole),
          APP_DATABASE_PASSWORD: password,
        },
      },
    );
    expect(printed.stdout).toContain('migrate: up to date');
    expect(printed.stderr).toContain(`statement logging stays on for ${APP_ROLE}`);
    for (const statement of STATEMENTS) expect(printed.stderr).toContain(`  ${statement};\n`);

    // What it printed works for a superuser, and the owner's next migration is content.
    for (const statement of STATEMENTS) await sql.raw(statement).execute(admin);
    expect(await migrate(database, ownerRole)).toEqual({ applied: [], superuserStatements: [] });
    expect(await roleSettings()).toEqual(['log_statement=none', 'log_min_duration_statement=-1']);
  });
});
