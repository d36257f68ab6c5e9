import { APP_ROLE, appRoleUrl, DEFINER_ROLE } from '@pulsegap/config';
import {
  openTestDatabase,
  startThrowawayPostgres,
  testConfig,
  testDatabaseUrl,
  type ThrowawayPostgres,
} from '@pulsegap/testing';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  assertApplicationRole,
  createKysely,
  UnsafeDatabaseRoleError,
  type DatabaseHandle,
} from './database.js';
import { migrateToLatest } from './migrate.js';
import { createOrganizationWithAdmin } from './repositories/organizations.js';
import type { Database } from './schema.js';

const codeOf = (error: unknown) => (error as { code?: string }).code;

/** Runs `statement` and gives back the SQLSTATE it failed with, or 'ran'. */
async function attempt(db: Kysely<Database>, statement: ReturnType<typeof sql>): Promise<string> {
  return statement.execute(db).then(
    () => 'ran',
    (error: unknown) => codeOf(error) ?? 'failed without a code',
  );
}

describe('the application role can create nothing', () => {
  let app: DatabaseHandle;

  beforeAll(async () => {
    app = await openTestDatabase();
  });
  afterAll(() => app.close());

  test('a temporary view named like a table cannot be made: the attack stops at its first step', async () => {
    const made = await attempt(
      app.db,
      sql`create temporary view users as select gen_random_uuid() as id`,
    );
    expect(made).toBe('42501');
  });

  test('nor a table, a function or a schema', async () => {
    expect(await attempt(app.db, sql`create table public.planted (id int)`)).toBe('42501');
    expect(
      await attempt(
        app.db,
        sql`create function public.planted() returns int language sql as 'select 1'`,
      ),
    ).toBe('42501');
    expect(await attempt(app.db, sql`create schema planted`)).toBe('42501');
  });
});

describe('owner-defined functions run as a role that can do little', () => {
  let owner: Kysely<Database>;

  beforeAll(() => {
    owner = createKysely(testDatabaseUrl(), 1);
  });
  afterAll(() => owner.destroy());

  test(`every SECURITY DEFINER function belongs to ${DEFINER_ROLE}, with pg_temp last on its search path`, async () => {
    const { rows } = await sql<{ name: string; owner: string; config: string[] | null }>`
      select p.proname as name, pg_get_userbyid(p.proowner) as owner, p.proconfig as config
        from pg_proc p
       where p.pronamespace = 'public'::regnamespace and p.prosecdef
       order by 1
    `.execute(owner);
    expect(rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['auth_login_lookup', 'claim_tokens', 'open_sealed_responses']),
    );
    for (const row of rows) {
      expect(row.owner, row.name).toBe(DEFINER_ROLE);
      expect(row.config, row.name).toContain('search_path=pg_catalog, public, pg_temp');
    }
  });

  test(`${DEFINER_ROLE} is no superuser, cannot bypass row-level security, log in or make roles`, async () => {
    const { rows } = await sql<{
      rolsuper: boolean;
      rolbypassrls: boolean;
      rolcanlogin: boolean;
      rolcreaterole: boolean;
      rolcreatedb: boolean;
    }>`
      select rolsuper, rolbypassrls, rolcanlogin, rolcreaterole, rolcreatedb
        from pg_roles where rolname = ${DEFINER_ROLE}
    `.execute(owner);
    expect(rows).toEqual([
      {
        rolsuper: false,
        rolbypassrls: false,
        rolcanlogin: false,
        rolcreaterole: false,
        rolcreatedb: false,
      },
    ]);
  });

  test(`${DEFINER_ROLE} reads across organizations only what its policies name`, async () => {
    const { rows } = await sql<{ table: string; readable: boolean }>`
      select c.relname as table, has_table_privilege(${DEFINER_ROLE}, c.oid, 'SELECT') as readable
        from pg_class c
       where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
         and c.relname not like 'sealed_responses%' and c.relname not like 'kysely_%'
    `.execute(owner);
    expect(
      rows
        .filter((r) => r.readable)
        .map((r) => r.table)
        .sort(),
    ).toEqual(['invitations', 'pulses', 'room_sessions', 'run_reminders', 'runs', 'users']);
  });
});

// The whole attack, on a PostgreSQL of its own (migrating sets the application role's
// settings, which are the whole server's) where the application role was, wrongly, left the
// right to make temporary objects: the view is made, and still no function uses it.
describe('even with TEMPORARY left to the application role', () => {
  let postgres: ThrowawayPostgres;
  let admin: Kysely<Database>;
  let app: Kysely<Database>;

  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    admin = createKysely(postgres.url, 1);
    const password = testConfig().appDatabasePassword;
    await migrateToLatest(admin, password);
    await sql`grant temporary on database postgres to ${sql.id(APP_ROLE)}`.execute(admin);
    app = createKysely(appRoleUrl(postgres.url, password), 1);
  }, 60_000);
  afterAll(async () => {
    await app.destroy();
    await admin.destroy();
    await postgres.destroy();
  });

  test('the API and worker refuse to start on such a role', async () => {
    const refused = await assertApplicationRole(app).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(UnsafeDatabaseRoleError);
    expect((refused as Error).message).toContain('may create temporary objects');
  });

  test('a temporary view named users is never what the login lookup reads', async () => {
    await createOrganizationWithAdmin(app, {
      name: 'Real',
      email: 'real@least-privilege.test',
      passwordHash: 'real-hash',
    });
    // One connection: the temporary view lives in this session, as the attacker's would.
    const found = await app.connection().execute(async (session) => {
      await sql`
        create temporary view users as
          select gen_random_uuid() as id, gen_random_uuid() as organization_id,
                 'planted-hash'::text as password_hash, 'admin'::text as role,
                 'real@least-privilege.test'::text as email
      `.execute(session);
      const { rows } = await sql<{ password_hash: string; role: string }>`
        select password_hash, role from auth_login_lookup('real@least-privilege.test')
      `.execute(session);
      return rows;
    });
    expect(found).toEqual([{ password_hash: 'real-hash', role: 'admin' }]);
  });
});
