import { sql } from 'kysely';
import { expect, test } from 'vitest';
import { openDatabase } from './database.js';
import { createOrganizationWithAdmin } from './repositories/organizations.js';
import { createPriority, listPriorities } from './repositories/priorities.js';
import { withTenant } from './tenant.js';

test('the embedded database runs the same migrations and policies as the application role', async () => {
  const handle = await openDatabase({ appDatabaseUrl: null, dataDir: 'memory://' });
  const { db } = handle;
  try {
    const { rows } = await sql<{ role: string }>`select current_user as role`.execute(db);
    expect(rows[0]?.role).toBe('pulsegap_app');
    const a = await createOrganizationWithAdmin(db, {
      name: 'A',
      email: 'a@x.test',
      passwordHash: 'h',
    });
    const b = await createOrganizationWithAdmin(db, {
      name: 'B',
      email: 'b@x.test',
      passwordHash: 'h',
    });
    await withTenant(db, a.organizationId, (trx) =>
      createPriority(trx, a.organizationId, { title: 'A', description: '', statedWeight: 5 }),
    );
    expect(await withTenant(db, b.organizationId, listPriorities)).toEqual([]);
    expect(await withTenant(db, a.organizationId, listPriorities)).toHaveLength(1);
    expect(await db.selectFrom('users').selectAll().execute()).toEqual([]);
  } finally {
    await handle.close();
  }
});

test('the embedded database reads bytea as Buffer, as pg does', async () => {
  const handle = await openDatabase({ appDatabaseUrl: null, dataDir: 'memory://' });
  try {
    const { rows } = await sql<{ b: Buffer }>`select '\\x00ff10'::bytea as b`.execute(handle.db);
    expect(Buffer.isBuffer(rows[0]?.b)).toBe(true);
    expect(rows[0]?.b.toString('hex')).toBe('00ff10');
  } finally {
    await handle.close();
  }
});
