import { createKysely, LATEST_MIGRATION } from '@pulsegap/db';
import { openTestDatabase, testConfig, testDatabaseUrl } from '@pulsegap/testing';
import { sql } from 'kysely';
import { expect, test } from 'vitest';
import { createHttpServer } from '../../http-server.js';
import { expectProblem } from '../../test-support.js';

test('/health answers while the process runs; /ready on a migrated database, with Redis unreachable', async () => {
  const database = await openTestDatabase();
  // Nothing listens there: readiness does not depend on Redis.
  const server = await createHttpServer({
    config: testConfig({ redisUrl: 'redis://127.0.0.1:1' }),
    db: database.db,
  });
  try {
    expect((await server.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await server.inject({ url: '/ready' })).json()).toEqual({ status: 'ok' });
  } finally {
    await server.close();
    await database.close();
  }
});

test('/ready is a 503 on a database not migrated for this build, and names the fix', async () => {
  const name = `pulsegap_unmigrated_${String(process.pid)}`;
  const server = new URL(testDatabaseUrl());
  const admin = createKysely<unknown>(server.toString(), 1);
  await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
  await sql`create database ${sql.id(name)}`.execute(admin);
  server.pathname = `/${name}`;
  const empty = createKysely(server.toString(), 1);
  const http = await createHttpServer({ config: testConfig(), db: empty });
  try {
    expect((await http.inject({ url: '/health' })).statusCode).toBe(200);
    const problem = expectProblem(await http.inject({ url: '/ready' }), 503);
    expect(problem.detail).toBe(
      `Not ready: database not migrated for this build (at none, needs ${LATEST_MIGRATION}): run npm run migrate.`,
    );
  } finally {
    await http.close();
    await empty.destroy();
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
    await admin.destroy();
  }
});
