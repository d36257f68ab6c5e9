import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026-11-25T1000-initial.js';

/** Every migration, by its dated name; listed here so the same build runs on PostgreSQL and PGlite. */
const migrations: Record<string, Migration> = {
  '2026-11-25T1000-initial': initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
