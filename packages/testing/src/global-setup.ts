import { createKysely, migrateToLatest } from '@pulsegap/db';
import { sql } from 'kysely';
import { testConfig } from './database.js';

const PREFIX = 'pulsegap_test_';

/**
 * Creates and migrates a database of this test run's own (`pulsegap_test_<pid>`), so runs
 * side by side never share data, and drops it afterwards. Databases left by runs that died
 * are dropped too.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const server = new URL(
    process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  );
  const name = `${PREFIX}${process.pid}`;
  const admin = createKysely<unknown>(server.toString(), 1);
  const { rows } = await sql<{ datname: string }>`
    select datname from pg_database where datname like ${`${PREFIX}%`}
  `.execute(admin);
  for (const { datname } of rows) {
    if (datname === name || !isAlive(Number(datname.slice(PREFIX.length)))) {
      await sql`drop database if exists ${sql.id(datname)} with (force)`.execute(admin);
    }
  }
  await sql`create database ${sql.id(name)}`.execute(admin);

  const url = new URL(server);
  url.pathname = `/${name}`;
  process.env.TEST_DATABASE_URL = url.toString();
  const owner = createKysely<unknown>(url.toString(), 1);
  try {
    await migrateToLatest(owner, testConfig().appDatabasePassword);
  } finally {
    await owner.destroy();
  }

  return async () => {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
    await admin.destroy();
  };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
