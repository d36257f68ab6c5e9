import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JOBS } from '@pulsegap/jobs';
import type { Database } from '@pulsegap/db';
import {
  createScratchDatabase,
  freePort,
  testConfig,
  stopProcess,
  testDatabaseUrl,
  type ScratchDatabaseHandle,
} from '@pulsegap/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';

// Two API processes and two workers, as `npm run api` and `npm run worker` start them (node
// on the build: `npm test` builds first), on one PostgreSQL database and one Redis prefix.
// Whatever replica a request or a job reaches, the service behaves as one.
const API = fileURLToPath(new URL('../dist/server.js', import.meta.url));
const WORKER = fileURLToPath(new URL('../../worker/dist/main.js', import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'correct horse battery';
const DOMAIN = 'replicas.test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Replica {
  readonly child: ChildProcess;
  readonly output: () => string;
}

interface Api extends Replica {
  readonly url: string;
}

describe('two API and two worker replicas on one database and one Redis prefix', () => {
  const prefix = `test-replicas-${randomUUID()}`;
  const replicas: Replica[] = [];
  const apis: Api[] = [];
  let scratch: ScratchDatabaseHandle;
  let owner: Kysely<Database>;
  let redis: Redis;
  let token: string | undefined;
  let adminEmail: string;
  let pulseId: string;

  /** Starts the built `file` with the deployment's environment. */
  const start = (file: string, env: Record<string, string> = {}): Replica => {
    let output = '';
    const child = spawn(process.execPath, ['--enable-source-maps', file], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: scratch.url,
        APP_DATABASE_PASSWORD: testConfig().appDatabasePassword,
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        // Replicas on one host: no metrics listener for the APIs, a health port each for the
        // workers (given below), so none of them takes another's port.
        METRICS_PORT: 'off',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const replica = { child, output: () => output };
    replicas.push(replica);
    return replica;
  };

  const startApi = async (): Promise<Api> => {
    const port = await freePort();
    const api = { ...start(API, { PORT: String(port) }), url: `http://127.0.0.1:${port}` };
    apis.push(api);
    return api;
  };

  /** A JSON request to one replica; the parsed body with the status. */
  const call = async (api: Api, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${api.url}/api/v1${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined
          ? {}
          : typeof body === 'string'
            ? { 'content-type': 'text/csv' }
            : { 'content-type': 'application/json' }),
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  };

  const api = (i: number): Api => {
    const found = apis[i];
    if (found === undefined) throw new Error(`no API replica ${String(i)}`);
    return found;
  };

  beforeAll(async () => {
    if (!existsSync(API) || !existsSync(WORKER)) {
      throw new Error('the API and worker are not built: run `npm run build` first');
    }
    scratch = await createScratchDatabase(
      'pulsegap_replicas_',
      testDatabaseUrl(),
      testConfig().appDatabasePassword,
    );
    owner = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: scratch.url, max: 2 }),
      }),
    });
    redis = new Redis(REDIS_URL);

    await Promise.all([startApi(), startApi()]);
    await vi.waitFor(
      async () => {
        for (const a of apis) {
          const ready = await fetch(`${a.url}/ready`).catch(() => null);
          expect(ready?.status, a.output()).toBe(200);
        }
      },
      { timeout: 20_000, interval: 200 },
    );

    // The organization, its roster and a pulse, each through either replica.
    adminEmail = `admin@${DOMAIN}`;
    const signedUp = await call(api(0), 'POST', '/signup', {
      organization: 'Replicas',
      email: adminEmail,
      password: PASSWORD,
    });
    expect(signedUp.status, JSON.stringify(signedUp.body)).toBe(201);
    token = (signedUp.body as { token: string }).token;
    const roster = [
      'email,name,team,tier',
      ...Array.from(
        { length: 5 },
        (_, i) => `lead${String(i)}@${DOMAIN},L${String(i)},Ops,leadership`,
      ),
      ...Array.from(
        { length: 5 },
        (_, i) => `staff${String(i)}@${DOMAIN},S${String(i)},Ops,frontline`,
      ),
    ].join('\n');
    expect((await call(api(1), 'POST', '/people/import', roster)).status).toBe(200);
    const priority = await call(api(0), 'POST', '/priorities', {
      title: 'Reliability',
      statedWeight: 4,
    });
    expect(priority.status).toBe(201);
    const pulse = await call(api(1), 'POST', '/pulses', {
      title: 'Every five seconds',
      priorityIds: [(priority.body as { id: string }).id],
      dimensions: ['staffing'],
    });
    expect(pulse.status).toBe(201);
    pulseId = (pulse.body as { id: string }).id;
    // Occurrences every five seconds (the API takes minutes at the finest): the workers
    // schedule it when they start.
    await owner
      .updateTable('pulses')
      .set({ schedule_cron: '*/5 * * * * *', schedule_timezone: 'UTC', open_for_hours: 1 })
      .where('id', '=', pulseId)
      .execute();

    for (let i = 0; i < 2; i += 1) {
      start(WORKER, { WORKER_HEALTH_PORT: String(await freePort()) });
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map(({ child }) => stopProcess(child)));
    for (const name of JOBS.keys()) {
      const queue = new Queue(name, { connection: { url: REDIS_URL }, prefix });
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
    const limits = await redis.keys(`${prefix}-limit-*`);
    if (limits.length > 0) await redis.del(...limits);
    redis.disconnect();
    await owner.destroy();
    await scratch.drop();
  });

  const scheduledRuns = () =>
    owner
      .selectFrom('runs')
      .select(['id', 'scheduled_for', 'invited', 'released_at'])
      .where('pulse_id', '=', pulseId)
      .orderBy('scheduled_for')
      .execute();

  test('each occurrence of a schedule starts one run, and each run invites everyone once', async () => {
    await vi.waitFor(
      async () => {
        expect((await scheduledRuns()).length).toBeGreaterThanOrEqual(2);
      },
      { timeout: 30_000, interval: 250 },
    );
    const paused = await fetch(`${api(0).url}/api/v1/pulses/${pulseId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ paused: true }),
    });
    expect(paused.status).toBe(204);

    // Every invitation sent once: as many messages as invitees, each with a link of its own.
    await vi.waitFor(
      async () => {
        const messages = await owner
          .selectFrom('outbound_messages')
          .select(['recipient', 'link'])
          .where('link', 'like', '%/answer/%')
          .execute();
        const invited = (await scheduledRuns()).reduce((n, r) => n + r.invited, 0);
        expect(messages).toHaveLength(invited);
        expect(new Set(messages.map((m) => m.link)).size).toBe(invited);
      },
      { timeout: 20_000, interval: 250 },
    );
    const runs = await scheduledRuns();
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const run of runs) {
      expect((run.scheduled_for?.getTime() ?? 1) % 5000).toBe(0);
      expect(run.invited).toBe(10);
    }
    // Started once each: one audit event per run, whichever worker took the occurrence.
    const started = await owner
      .selectFrom('audit_events')
      .select('subject')
      .where('action', '=', 'run.started')
      .execute();
    expect(started.map((e) => e.subject).sort()).toEqual(runs.map((r) => `run/${r.id}`).sort());
  }, 60_000);

  test('a run closed through one replica is released once by one worker', async () => {
    const [run] = await scheduledRuns();
    if (run === undefined) throw new Error('a run was expected');
    const closed = await call(api(1), 'POST', `/runs/${run.id}/close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    await vi.waitFor(
      async () => {
        const [current] = await owner
          .selectFrom('runs')
          .select('released_at')
          .where('id', '=', run.id)
          .execute();
        expect(current?.released_at).toBeInstanceOf(Date);
      },
      { timeout: 20_000, interval: 250 },
    );
    const releases = await owner
      .selectFrom('run_releases')
      .select('run_id')
      .where('run_id', '=', run.id)
      .execute();
    expect(releases).toHaveLength(1);
    const closedEvents = await owner
      .selectFrom('audit_events')
      .select('subject')
      .where('action', '=', 'run.closed')
      .where('subject', '=', `run/${run.id}`)
      .execute();
    expect(closedEvents).toHaveLength(1);
    // Either API serves the release.
    for (const a of apis) expect((await call(a, 'GET', `/runs/${run.id}/gaps`)).status).toBe(200);
  }, 30_000);

  test('the sign-in limit counts attempts at either replica', async () => {
    const attempt = (i: number) =>
      fetch(`${api(i % 2).url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: adminEmail, password: 'not the password at all' }),
      });
    // 10 a minute per address and account: five at each replica are all allowed...
    for (let i = 0; i < 10; i += 1) expect((await attempt(i)).status).toBe(401);
    // ...and the 11th is refused at both.
    expect((await attempt(0)).status).toBe(429);
    expect((await attempt(1)).status).toBe(429);
    expect((await redis.keys(`${prefix}-limit-*`)).length).toBeGreaterThan(0);
  }, 30_000);

  test("the queues are the deployment's prefix's: another prefix sees none of its jobs", async () => {
    const other = `test-other-${randomUUID()}`;
    const ours = new Queue('sweep-due-releases', { connection: { url: REDIS_URL }, prefix });
    try {
      expect((await ours.getJobSchedulers()).map((s) => s.key)).toContain('sweep-due-releases');
    } finally {
      await ours.close();
    }
    for (const name of JOBS.keys()) {
      const theirs = new Queue(name, { connection: { url: REDIS_URL }, prefix: other });
      try {
        expect(await theirs.getJobSchedulers()).toEqual([]);
        const counts = await theirs.getJobCounts();
        expect(Object.values(counts).every((n) => n === 0)).toBe(true);
      } finally {
        await theirs.close();
      }
    }
    // (Opening a queue writes its own `meta` key, nothing else.)
    expect((await redis.keys(`${other}:*`)).filter((k) => !k.endsWith(':meta'))).toEqual([]);
    for (const name of JOBS.keys()) await redis.del(`${other}:${name}:meta`);
    expect((await redis.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
  });

  test('request ids are random UUIDs, none shared between the replicas', () => {
    const ids = apis.map(
      (a) =>
        new Set(
          a
            .output()
            .split('\n')
            .flatMap((line) => {
              const match = /"reqId":"([^"]+)"/.exec(line);
              return match?.[1] === undefined ? [] : [match[1]];
            }),
        ),
    );
    const [first, second] = ids;
    if (first === undefined || second === undefined) throw new Error('two APIs expected');
    expect(first.size).toBeGreaterThan(5);
    expect(second.size).toBeGreaterThan(5);
    for (const id of [...first, ...second]) expect(id).toMatch(UUID);
    expect([...first].filter((id) => second.has(id))).toEqual([]);
  });
});
