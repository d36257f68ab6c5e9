import { openOwnerDatabase, openTestDatabase } from '@pulsegap/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, UnsafeDatabaseRoleError, type DatabaseHandle } from './database.js';
import { createOrganizationWithAdmin, findLoginCandidate } from './repositories/organizations.js';
import { createPriority, listPriorities } from './repositories/priorities.js';
import { withTenant } from './tenant.js';
import { testDatabaseUrl } from '@pulsegap/testing';

describe('row-level security', () => {
  let handle: DatabaseHandle;
  let a: string;
  let b: string;

  beforeAll(async () => {
    handle = await openTestDatabase();
    const suffix = Math.random().toString(36).slice(2);
    a = (
      await createOrganizationWithAdmin(handle.db, {
        name: 'A',
        email: `a-${suffix}@example.test`,
        passwordHash: 'x',
      })
    ).organizationId;
    b = (
      await createOrganizationWithAdmin(handle.db, {
        name: 'B',
        email: `b-${suffix}@example.test`,
        passwordHash: 'x',
      })
    ).organizationId;
    await withTenant(handle.db, a, (trx) =>
      createPriority(trx, a, { title: 'A only', description: '', statedWeight: 3 }),
    );
    await withTenant(handle.db, b, (trx) =>
      createPriority(trx, b, { title: 'B only', description: '', statedWeight: 3 }),
    );
  });
  afterAll(() => handle.close());

  test('a query with no tenant filter sees only its own organization', async () => {
    const seenByA = await withTenant(handle.db, a, (trx) =>
      trx.selectFrom('priorities').select(['title', 'organization_id']).execute(),
    );
    expect(seenByA.map((p) => p.title)).toEqual(['A only']);
    expect(await withTenant(handle.db, a, listPriorities)).toHaveLength(1);
    const orgs = await withTenant(handle.db, a, (trx) =>
      trx.selectFrom('organizations').select('id').execute(),
    );
    expect(orgs).toEqual([{ id: a }]);
  });

  test('parallel workers see the tenant setting: a parallel plan filters the same', async () => {
    const plan = await withTenant(handle.db, a, async (trx) => {
      // Force a parallel plan even for a small table (PostgreSQL 15's setting).
      await sql`set local force_parallel_mode = on`.execute(trx);
      await sql`set local parallel_setup_cost = 0`.execute(trx);
      await sql`set local parallel_tuple_cost = 0`.execute(trx);
      const explained = await sql<{ 'QUERY PLAN': string }>`
        explain select title from priorities
      `.execute(trx);
      const rows = await trx.selectFrom('priorities').select('title').execute();
      return { text: explained.rows.map((r) => r['QUERY PLAN']).join('\n'), rows };
    });
    expect(plan.text).toMatch(/Gather/);
    expect(plan.rows).toEqual([{ title: 'A only' }]);
  });

  test('outside a tenant transaction nothing is visible', async () => {
    const rows = await handle.db.selectFrom('priorities').select('id').execute();
    expect(rows).toEqual([]);
    const users = await handle.db.selectFrom('users').select('id').execute();
    expect(users).toEqual([]);
  });

  test('the tenant setting does not leak to the next transaction on the connection', async () => {
    await withTenant(handle.db, a, async () => {});
    const { rows } = await sql<{
      v: string | null;
    }>`select current_setting('app.organization_id', true) as v`.execute(handle.db);
    expect(rows[0]?.v ?? '').toBe('');
  });

  test('writing a row for another organization is refused', async () => {
    await expect(
      withTenant(handle.db, a, (trx) =>
        createPriority(trx, b, { title: 'sneaky', description: '', statedWeight: 1 }),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  test('login lookup works across tenants through the narrow function only', async () => {
    const owner = openOwnerDatabase();
    try {
      const email = (
        await owner
          .selectFrom('users')
          .select('email')
          .where('organization_id', '=', b)
          .executeTakeFirstOrThrow()
      ).email;
      const found = await findLoginCandidate(handle.db, email);
      expect(found?.organizationId).toBe(b);
      expect(await findLoginCandidate(handle.db, 'nobody@example.test')).toBeNull();
    } finally {
      await owner.destroy();
    }
  });

  test('the application role cannot switch off row-level security', async () => {
    await expect(
      sql`alter table priorities disable row level security`.execute(handle.db),
    ).rejects.toThrow();
    await expect(
      sql`set row_security = off; select * from priorities`.execute(handle.db),
    ).rejects.toThrow();
  });

  test('refuses to run as a superuser', async () => {
    await expect(
      openDatabase({ appDatabaseUrl: testDatabaseUrl(), dataDir: '' }),
    ).rejects.toBeInstanceOf(UnsafeDatabaseRoleError);
  });
});
