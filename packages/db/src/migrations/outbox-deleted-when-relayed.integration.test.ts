import { testDatabaseUrl } from '@pulsegap/testing';
import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createKysely } from '../database.js';
import { migrationProvider } from './index.js';

// Rows relayed before the relay deleted them go, and no outbox row keeps a time any more
// (neither when it was written nor when it was relayed); pending rows stay, and still
// coalesce on their key.
const database = `pulsegap_outbox_migration_${process.pid}`;
const BEFORE = '2026-11-25T1800-token-batches-cached-plans';
const THIS = '2026-12-04T2300-outbox-deleted-when-relayed';
let admin: Kysely<unknown>;
let owner: Kysely<any>;

beforeAll(async () => {
  const server = new URL(testDatabaseUrl());
  server.pathname = '/postgres';
  admin = createKysely<unknown>(server.toString(), 1);
  await sql`drop database if exists ${sql.id(database)} with (force)`.execute(admin);
  await sql`create database ${sql.id(database)}`.execute(admin);
  const url = new URL(server);
  url.pathname = `/${database}`;
  owner = createKysely<any>(url.toString(), 1);
});

afterAll(async () => {
  await owner.destroy();
  await sql`drop database if exists ${sql.id(database)} with (force)`.execute(admin);
  await admin.destroy();
});

const columns = async () => {
  const { rows } = await sql<{ name: string; type: string }>`
    select column_name as name, data_type as type from information_schema.columns
     where table_name = 'outbox' order by ordinal_position
  `.execute(owner);
  return rows;
};

test('relayed outbox rows are deleted and the rows lose their time', async () => {
  const migrator = new Migrator({ db: owner, provider: migrationProvider });
  expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined();
  await sql`
    insert into outbox (job_name, job_key, payload, dispatched_at) values
      ('deliver-invitations', 'deliver-invitations-a', '{}', now() - interval '1 day'),
      ('deliver-invitations', 'deliver-invitations-a', '{}', null),
      ('deliver-invitations', 'deliver-invitations-b', '{}', now())
  `.execute(owner);

  expect((await migrator.migrateTo(THIS)).error).toBeUndefined();
  const { rows } = await sql<{ key: string }>`
    select job_key as key from outbox
  `.execute(owner);
  expect(rows).toEqual([{ key: 'deliver-invitations-a' }]);
  expect((await columns()).map((c) => c.name)).toEqual(['id', 'job_name', 'job_key', 'payload']);
  // A second pending request for the same work coalesces, as before.
  await sql`
    insert into outbox (job_name, job_key, payload) values ('deliver-invitations', 'deliver-invitations-a', '{}')
    on conflict (job_key) do nothing
  `.execute(owner);
  const { rows: count } = await sql<{ n: number }>`
    select count(*)::int as n from outbox
  `.execute(owner);
  expect(count).toEqual([{ n: 1 }]);

  // Later the row stays until its job finishes, marked relayed: still no time of any kind.
  expect((await migrator.migrateToLatest()).error).toBeUndefined();
  expect(await columns()).toEqual([
    { name: 'id', type: 'bigint' },
    { name: 'job_name', type: 'text' },
    { name: 'job_key', type: 'text' },
    { name: 'payload', type: 'jsonb' },
    { name: 'relayed', type: 'boolean' },
  ]);

  expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined();
  expect((await columns()).map((c) => c.name)).toContain('created_at');
});
