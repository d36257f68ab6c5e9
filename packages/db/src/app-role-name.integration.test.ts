import { APP_ROLE, appRoleUrl } from '@pulsegap/config';
import {
  createScratchDatabase,
  testDatabaseUrl,
  type ScratchDatabaseHandle,
} from '@pulsegap/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKysely, openDatabase, type DatabaseHandle } from './database.js';
import { migrateToLatest } from './migrate.js';
import { createOrganizationWithAdmin } from './repositories/organizations.js';
import { createPriority, listPriorities } from './repositories/priorities.js';
import { withTenant } from './tenant.js';

// Roles belong to the whole PostgreSQL server: two deployments on one server, each with its
// own database, need an application role each (APP_DATABASE_ROLE), or the second migrate
// would change the first one's password.
const ROLE = `pulsegap_app_other_${String(process.pid)}`;
const PASSWORD = 'another-deployment-password';

describe('an application role of another name', () => {
  let scratch: ScratchDatabaseHandle;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    scratch = await createScratchDatabase('pulsegap_role_name_', testDatabaseUrl(), PASSWORD, ROLE);
    handle = await openDatabase({
      appDatabaseUrl: appRoleUrl(scratch.url, PASSWORD, ROLE),
      appDatabaseRole: ROLE,
      dataDir: '',
    });
  });
  afterAll(async () => {
    await handle.close();
    const server = createKysely<unknown>(testDatabaseUrl(), 1);
    try {
      await scratch.drop();
      await sql`drop role if exists ${sql.id(ROLE)}`.execute(server);
    } finally {
      await server.destroy();
    }
  });

  test('is what the processes connect as, with its grants and statement logging off', async () => {
    const { rows } = await sql<{ role: string; settings: string[] | null }>`
      select current_user as role,
        (select rolconfig from pg_roles where rolname = current_user) as settings
    `.execute(handle.db);
    expect(rows[0]?.role).toBe(ROLE);
    expect(rows[0]?.settings).toEqual(
      expect.arrayContaining(['log_statement=none', 'log_min_duration_statement=-1']),
    );
  });

  test('the default role gets nothing in this database', async () => {
    const owner = createKysely<unknown>(scratch.url, 1);
    try {
      const { rows } = await sql<{ table: string; mine: boolean; theirs: boolean }>`
        select c.relname as table,
          has_table_privilege(${ROLE}, c.oid, 'SELECT') as mine,
          has_table_privilege(${APP_ROLE}, c.oid, 'SELECT') as theirs
        from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
          and c.relname in ('organizations', 'priorities', 'runs', 'audit_events')
      `.execute(owner);
      expect(rows).toHaveLength(4);
      for (const row of rows) expect(row, row.table).toMatchObject({ mine: true, theirs: false });
      // Migrating again changes nothing and keeps the role.
      expect((await migrateToLatest(owner, PASSWORD, ROLE)).applied).toEqual([]);
    } finally {
      await owner.destroy();
    }
  });

  test('row-level security holds for it', async () => {
    const suffix = Math.random().toString(36).slice(2);
    const [a, b] = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const { organizationId } = await createOrganizationWithAdmin(handle.db, {
          name,
          email: `${name}-${suffix}@example.test`,
          passwordHash: 'x',
        });
        return organizationId;
      }),
    );
    if (a === undefined || b === undefined) throw new Error('two organizations expected');
    await withTenant(handle.db, a, (trx) =>
      createPriority(trx, a, { title: 'A only', description: '', statedWeight: 3 }),
    );
    expect(await withTenant(handle.db, b, listPriorities)).toEqual([]);
    expect(await withTenant(handle.db, a, listPriorities)).toHaveLength(1);
    expect(await handle.db.selectFrom('priorities').selectAll().execute()).toEqual([]);
    await expect(
      sql`alter table priorities disable row level security`.execute(handle.db),
    ).rejects.toThrow();
  });

  test('embedded mode switches to it as well', async () => {
    const embedded = await openDatabase({
      appDatabaseUrl: null,
      appDatabaseRole: ROLE,
      dataDir: 'memory://',
    });
    try {
      const { rows } = await sql<{ role: string }>`select current_user as role`.execute(
        embedded.db,
      );
      expect(rows[0]?.role).toBe(ROLE);
    } finally {
      await embedded.close();
    }
  });
});
