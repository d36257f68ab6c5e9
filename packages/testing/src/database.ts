import { loadConfig, type Config } from '@pulsegap/config';
import { createKysely, openDatabase, type Database, type DatabaseHandle } from '@pulsegap/db';
import type { Kysely } from 'kysely';

/** The database the test run creates and migrates once (see global-setup). */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pulsegap_test';

/** Configuration for tests: the test database, the local Redis, quiet logs. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig('server', {
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  });
  return { ...base, ...overrides };
}

/** The test database as the application role, as the API and worker see it. */
export function openTestDatabase(): Promise<DatabaseHandle> {
  return openDatabase(testConfig(), { poolSize: 4 });
}

/** The test database as its owner, for inspecting what the application role cannot see. */
export function openOwnerDatabase(): Kysely<Database> {
  return createKysely<Database>(TEST_DATABASE_URL, 2);
}
