import { loadConfig } from '@pulsegap/config';
import { createKysely } from './database.js';
import { migrateToLatest } from './migrate.js';

// `npm run migrate`: as the owner (DATABASE_URL), bring the schema and the application role
// (APP_DATABASE_ROLE) up to date.
const config = loadConfig('server');
if (config.databaseUrl === null) throw new Error('DATABASE_URL is required to migrate');
await ensureDatabaseExists(config.databaseUrl);
const owner = createKysely<unknown>(config.databaseUrl, 1);
try {
  const { applied, superuserStatements } = await migrateToLatest(
    owner,
    config.appDatabasePassword,
    config.appDatabaseRole,
  );
  console.log(
    applied.length === 0 ? 'migrate: up to date' : `migrate: applied ${applied.join(', ')}`,
  );
  if (superuserStatements.length > 0) {
    console.warn(
      [
        `migrate: warning: statement logging stays on for ${config.appDatabaseRole}, which only a superuser`,
        'may turn off; as a superuser, run:',
        ...superuserStatements.map((statement) => `  ${statement};`),
      ].join('\n'),
    );
  }
} finally {
  await owner.destroy();
}

/** Creates the database named in the URL when it is missing (a fresh machine's first run). */
async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const db = createKysely<unknown>(maintenance.toString(), 1);
  try {
    const { sql } = await import('kysely');
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_database where datname = ${name}`.execute(db);
    if (rows[0]?.n === 0) await sql`create database ${sql.id(name)}`.execute(db);
  } finally {
    await db.destroy();
  }
}
