import { randomUUID } from 'node:crypto';
import { openOwnerDatabase, openTestDatabase } from '@pulsegap/testing';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DatabaseHandle } from './database.js';
import { listAuditEvents, recordAudit } from './repositories/audit.js';
import { createOrganizationWithAdmin } from './repositories/organizations.js';
import type { Database } from './schema.js';
import { withTenant } from './tenant.js';

// PRODUCT.md §6.8: roster, pulse and threshold changes are kept in an append-only audit
// log, and thresholds only go up. Both hold in the database, whoever connects.

let handle: DatabaseHandle;
let owner: Kysely<Database>;
let organizationId: string;
let userId: string;

const events = () =>
  owner
    .selectFrom('audit_events')
    .select(['id', 'action', 'subject', 'detail'])
    .where('organization_id', '=', organizationId)
    .orderBy('id')
    .execute();

beforeAll(async () => {
  handle = await openTestDatabase();
  owner = openOwnerDatabase();
  ({ organizationId, userId } = await createOrganizationWithAdmin(handle.db, {
    name: 'Audited',
    email: `audited-${randomUUID()}@example.test`,
    passwordHash: 'x',
  }));
  await withTenant(handle.db, organizationId, (trx) =>
    recordAudit(trx, organizationId, {
      actorUserId: userId,
      action: 'settings.updated',
      subject: 'settings',
      detail: { changes: { minGroupSize: { old: 5, new: 6 } } },
    }),
  );
});
afterAll(async () => {
  await owner.destroy();
  await handle.close();
});

describe('the audit log is append-only', () => {
  test('the application role adds and reads events, with the actor’s email', async () => {
    const page = await withTenant(handle.db, organizationId, (trx) =>
      listAuditEvents(trx, { limit: 10, after: null }),
    );
    expect(page.next).toBeNull();
    expect(page.entries.map((e) => e.action).sort()).toEqual([
      'organization.created',
      'settings.updated',
    ]);
    for (const entry of page.entries) {
      expect(entry.actor).toEqual({ id: userId, email: expect.stringMatching(/^audited-/) });
    }
  });

  test.for([
    ['UPDATE', sql`update audit_events set action = 'pulse.deleted'`],
    ['DELETE', sql`delete from audit_events`],
    ['TRUNCATE', sql`truncate audit_events`],
  ] as const)('the application role may not %s it', async ([, statement]) => {
    const before = await events();
    await expect(
      withTenant(handle.db, organizationId, (trx) => statement.execute(trx)),
    ).rejects.toThrow(/permission denied/);
    expect(await events()).toEqual(before);
  });

  test.for([
    ['UPDATE', sql`update audit_events set subject = 'forged'`],
    ['DELETE', sql`delete from audit_events`],
    ['TRUNCATE', sql`truncate audit_events`],
  ] as const)('the owner may not %s it either: a trigger refuses', async ([, statement]) => {
    const before = await events();
    await expect(statement.execute(owner)).rejects.toThrow(/append-only/);
    expect(await events()).toEqual(before);
    expect(before.length).toBeGreaterThanOrEqual(2);
  });

  test('an event for another organization is refused by row-level security', async () => {
    const other = await createOrganizationWithAdmin(handle.db, {
      name: 'Other',
      email: `other-${randomUUID()}@example.test`,
      passwordHash: 'x',
    });
    await expect(
      withTenant(handle.db, organizationId, (trx) =>
        recordAudit(trx, other.organizationId, {
          actorUserId: null,
          action: 'run.closed',
          subject: 'run/forged',
          detail: {},
        }),
      ),
    ).rejects.toThrow(/row-level security/);
    const seen = await withTenant(handle.db, other.organizationId, (trx) =>
      listAuditEvents(trx, { limit: 200, after: null }),
    );
    expect(seen.entries.map((e) => e.action)).toEqual(['organization.created']);
  });

  test('an organization with a history cannot be deleted', async () => {
    await expect(
      sql`delete from organizations where id = ${organizationId}`.execute(owner),
    ).rejects.toThrow(/audit_events/);
    expect(await events()).not.toEqual([]);
  });
});

describe('thresholds only go up, in the database too', () => {
  test('lowering the organization’s floor is refused to every role; raising it is not', async () => {
    await expect(
      withTenant(handle.db, organizationId, (trx) =>
        trx.updateTable('organizations').set({ min_group_size: 4 }).execute(),
      ),
    ).rejects.toThrow(/only go up/);
    await expect(
      sql`update organizations set comment_min_group_size = 9 where id = ${organizationId}`.execute(
        owner,
      ),
    ).rejects.toThrow(/only go up/);
    await withTenant(handle.db, organizationId, (trx) =>
      trx.updateTable('organizations').set({ min_group_size: 6 }).execute(),
    );
    const row = await owner
      .selectFrom('organizations')
      .select(['min_group_size', 'comment_min_group_size'])
      .where('id', '=', organizationId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ min_group_size: 6, comment_min_group_size: 10 });
  });
});
