import { loadConfig, type Config } from '@pulsegap/config';
import { createKysely, openDatabase, type Database, type DatabaseHandle } from '@pulsegap/db';
import type { Kysely } from 'kysely';

/** The database this test run created and migrated once (see global-setup). */
export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined) throw new Error('TEST_DATABASE_URL is set by the global setup of vitest');
  return url;
}

/** Configuration for tests: the test database, the local Redis, quiet logs. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig('server', {
    NODE_ENV: 'test',
    DATABASE_URL: testDatabaseUrl(),
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
  return createKysely(testDatabaseUrl(), 2);
}
