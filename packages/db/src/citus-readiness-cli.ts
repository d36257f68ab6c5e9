import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '@pulsegap/config';
import { sql } from 'kysely';
import { formatCitusReadiness, inspectCitusReadiness, replaceSection } from './citus-readiness.js';
import { createKysely } from './database.js';
import { migrateToLatest } from './migrate.js';

// `npm run citus-check`: what distributing the schema by organization_id with Citus needs,
// read from the database at DATABASE_URL (as the owner), or with --scratch from a database
// made and migrated for the purpose on the same server and dropped after. --write FILE puts
// the report between FILE's `<!-- citus-readiness -->` markers (docs/SCALING.md).
const { values } = parseArgs({
  options: { scratch: { type: 'boolean', default: false }, write: { type: 'string' } },
});
const config = loadConfig('server');
if (config.databaseUrl === null) throw new Error('DATABASE_URL is required');
// From src/ (tsx) and dist/ alike.
const repositories = fileURLToPath(new URL('../src/repositories/', import.meta.url));

const target = new URL(config.databaseUrl);
let drop: (() => Promise<void>) | null = null;
if (values.scratch) {
  const name = `pulsegap_citus_${process.pid}`;
  const server = new URL(config.databaseUrl);
  server.pathname = '/postgres';
  const admin = createKysely<unknown>(server.toString(), 1);
  await sql`create database ${sql.id(name)}`.execute(admin);
  drop = async () => {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
    await admin.destroy();
  };
  target.pathname = `/${name}`;
}
const db = createKysely<unknown>(target.toString(), 1);
try {
  if (values.scratch) await migrateToLatest(db, config.appDatabasePassword);
  const report = formatCitusReadiness(await inspectCitusReadiness(db, repositories));
  if (values.write === undefined) {
    console.log(report);
  } else {
    const document = readFileSync(values.write, 'utf8');
    writeFileSync(values.write, replaceSection(document, 'citus-readiness', report));
    console.log(report.split('\n').at(-1));
  }
} finally {
  await db.destroy();
  await drop?.();
}
