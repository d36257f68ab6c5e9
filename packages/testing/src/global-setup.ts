import { loadConfig } from '@pulsegap/config';
import { createScratchDatabase } from './scratch-database.js';

/**
 * Creates and migrates a database of this test run's own (`pulsegap_test_<pid>`) and drops
 * it afterwards.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const database = await createScratchDatabase(
    'pulsegap_test_',
    process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    loadConfig('server', { NODE_ENV: 'test' }).appDatabasePassword,
  );
  process.env.TEST_DATABASE_URL = database.url;
  return () => database.drop();
}
