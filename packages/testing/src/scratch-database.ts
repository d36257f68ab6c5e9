import { createKysely, migrateToLatest } from '@pulsegap/db';
import { sql } from 'kysely';

/** A database of one process's own, migrated; `drop()` removes it. */
export interface ScratchDatabaseHandle {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * Creates and migrates `<prefix><pid>` on the PostgreSQL server at `serverUrl` (any database
 * of it), after dropping databases of that prefix left by processes that died, so runs side
 * by side never share data. The application role (`appRole`, default `pulsegap_app`) gets
 * `appRolePassword`.
 */
export async function createScratchDatabase(
  prefix: string,
  serverUrl: string,
  appRolePassword: string,
  appRole?: string,
): Promise<ScratchDatabaseHandle> {
  const server = new URL(serverUrl);
  server.pathname = '/postgres';
  const name = `${prefix}${process.pid}`;
  const admin = createKysely<unknown>(server.toString(), 1);
  const dropDatabase = async (database: string) => {
    await sql`drop database if exists ${sql.id(database)} with (force)`.execute(admin);
  };
  try {
    const { rows } = await sql<{ datname: string }>`
      select datname from pg_database where datname like ${`${prefix}%`}
    `.execute(admin);
    for (const { datname } of rows) {
      if (datname === name || !isAlive(Number(datname.slice(prefix.length)))) {
        await dropDatabase(datname);
      }
    }
    await sql`create database ${sql.id(name)}`.execute(admin);
    const url = new URL(server);
    url.pathname = `/${name}`;
    const owner = createKysely<unknown>(url.toString(), 1);
    try {
      await migrateToLatest(owner, appRolePassword, appRole);
    } finally {
      await owner.destroy();
    }
    return {
      name,
      url: url.toString(),
      async drop() {
        await dropDatabase(name);
        await admin.destroy();
      },
    };
  } catch (error) {
    await dropDatabase(name).catch(() => undefined);
    await admin.destroy();
    throw error;
  }
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
