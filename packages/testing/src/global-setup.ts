import { createKysely, migrateToLatest } from '@pulsegap/db';
import { sql } from 'kysely';
import { TEST_DATABASE_URL, testConfig } from './database.js';

/** Recreates and migrates the test database once per test run. */
export default async function setup(): Promise<void> {
  const url = new URL(TEST_DATABASE_URL);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = createKysely<unknown>(url.toString(), 1);
  try {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
    await sql`create database ${sql.id(name)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
  const owner = createKysely<unknown>(TEST_DATABASE_URL, 1);
  try {
    await migrateToLatest(owner as never, testConfig().appDatabasePassword);
  } finally {
    await owner.destroy();
  }
}
