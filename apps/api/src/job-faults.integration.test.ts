import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appRoleUrl } from '@pulsegap/config';
import { createKysely, openDatabase, type Database, type DatabaseHandle } from '@pulsegap/db';
import {
  createScratchDatabase,
  startThrowawayPostgres,
  startThrowawayRedis,
  testConfig,
  type ScratchDatabaseHandle,
  type ThrowawayPostgres,
  type ThrowawayRedis,
} from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createHttpServer } from './http-server.js';
import { bearer, createPriority, signup } from './test-support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PEOPLE = 600;
/** The workers' hold on a running job: a job whose worker died is taken up after about this. */
const JOB_LOCK_MS = 1000;

/** The real worker (`apps/worker`), as its own process, on the test's PostgreSQL and Redis. */
function startWorker(env: Record<string, string>, output: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=pulsegap-source', path.join(ROOT, 'apps/worker/src/main.ts')],
    {
      cwd: ROOT,
      // A health listener of its own, apart from other workers the suite runs at the time.
      env: {
        PATH: process.env.PATH ?? '',
        WORKER_HEALTH_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return child;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

// Work handed to Redis is owed in PostgreSQL until it has finished: the worker is killed in
// mid-delivery three times (its job stalls each time), Redis restarts empty with no worker
// running and again under a running one, and every invitation still goes out exactly once.
// PostgreSQL and Redis are the test's own.
describe('invitation delivery through worker deaths and a Redis restart', () => {
  let postgres: ThrowawayPostgres;
  let redis: ThrowawayRedis;
  let scratch: ScratchDatabaseHandle;
  let handle: DatabaseHandle;
  let owner: Kysely<Database>;
  let server: FastifyInstance;
  let env: Record<string, string>;
  const workers: ChildProcess[] = [];
  const output: string[] = [];

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startThrowawayPostgres(), startThrowawayRedis()]);
    const password = testConfig().appDatabasePassword;
    scratch = await createScratchDatabase('pulsegap_jobfaults_', postgres.url, password);
    const config = testConfig({
      databaseUrl: scratch.url,
      appDatabaseUrl: appRoleUrl(scratch.url, password),
      redisUrl: redis.url,
    });
    handle = await openDatabase(config, { poolSize: 4 });
    owner = createKysely(scratch.url, 2);
    server = await createHttpServer({ config, db: handle.db });
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: scratch.url,
      APP_DATABASE_PASSWORD: password,
      REDIS_URL: redis.url,
      JOB_LOCK_MS: String(JOB_LOCK_MS),
    };
  }, 60_000);
  afterAll(async () => {
    for (const worker of workers) await kill(worker, 'SIGKILL');
    await server.close();
    await handle.close();
    await owner.destroy();
    await redis.destroy();
    await postgres.destroy();
  });

  const delivered = async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from outbound_messages
    `.execute(owner);
    return rows[0]?.n ?? 0;
  };
  const untilDelivered = async (atLeast: number) => {
    await vi.waitFor(
      async () => {
        expect(await delivered()).toBeGreaterThanOrEqual(atLeast);
      },
      { timeout: 20_000, interval: 5 },
    );
  };

  test('every invitation is sent exactly once, and the outbox empties', async () => {
    const org = await signup(server, 'Faults Co');
    const imported = await server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: { ...bearer(org.token), 'content-type': 'text/csv' },
      payload: [
        'email,name,team,tier',
        ...Array.from(
          { length: PEOPLE },
          (_, i) =>
            `p${String(i)}@faults.test,Person ${String(i)},Depot ${String(i % 6)},${i % 10 === 0 ? 'leadership' : 'frontline'}`,
        ),
      ].join('\n'),
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const priorityId = await createPriority(server, org.token, {
      title: 'Depots',
      statedWeight: 4,
    });
    const pulse = await server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(org.token),
      payload: { title: 'Depot pulse', priorityIds: [priorityId], dimensions: ['staffing'] },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    const run = await server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulse.json<{ id: string }>().id}/runs`,
      headers: bearer(org.token),
    });
    expect(run.statusCode, run.body).toBe(201);

    try {
      // Killed three times in mid-delivery: the job stalls and is taken up each time.
      for (const threshold of [60, 180, 300]) {
        const worker = startWorker(env, output);
        workers.push(worker);
        await untilDelivered(threshold);
        await kill(worker, 'SIGKILL');
      }
      // Then Redis restarts empty while no worker runs: the job it held is gone, and only
      // the row owed in PostgreSQL remembers the work.
      await redis.stop();
      await redis.start();
      const last = startWorker(env, output);
      workers.push(last);
      // And again under the new worker, in mid-delivery: the job it runs is gone from the
      // queue and is handed on again while it still runs; the two never send one twice.
      await untilDelivered(420);
      await redis.stop();
      await redis.start();
      expect(await delivered()).toBeLessThan(PEOPLE);

      await vi.waitFor(
        async () => {
          const outbox = await owner.selectFrom('outbox').select('id').execute();
          expect(outbox).toEqual([]);
        },
        { timeout: 30_000, interval: 100 },
      );
      await kill(last, 'SIGTERM');
    } catch (error) {
      console.error(output.join(''));
      throw error;
    }

    const { rows: perRecipient } = await sql<{ recipient: string; n: number }>`
      select recipient, count(*)::int as n from outbound_messages group by recipient
    `.execute(owner);
    expect(perRecipient).toHaveLength(PEOPLE);
    expect(perRecipient.filter((r) => r.n !== 1)).toEqual([]);
    const { rows: undelivered } = await sql<{ n: number }>`
      select count(*)::int as n from invitations where not delivered
    `.execute(owner);
    expect(undelivered[0]?.n).toBe(0);
    // The restarts were survived by handing the owed job on again.
    expect(output.join('')).toContain('job lost; handed on again');
  }, 120_000);
});
