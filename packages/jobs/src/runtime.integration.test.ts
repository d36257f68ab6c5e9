import { randomUUID } from 'node:crypto';
import { appRoleUrl } from '@pulsegap/config';
import {
  closeRun,
  createKysely,
  enqueueJob,
  openDatabase,
  readRelease,
  withTenant,
  type Database,
  type DatabaseHandle,
} from '@pulsegap/db';
import {
  createRunFixture,
  createScratchDatabase,
  openOwnerDatabase,
  openTestDatabase,
  testConfig,
  testDatabaseUrl,
  type ScratchDatabaseHandle,
} from '@pulsegap/testing';
import type { Kysely } from 'kysely';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  createJobContext,
  JOBS,
  releaseRunRequest,
  startBullmqRuntime,
  startInProcessRuntime,
  type JobLogger,
} from './index.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const errors: unknown[] = [];
const logger: JobLogger = {
  info: () => undefined,
  error: (object) => errors.push(object),
};

/** Removes every queue of `prefix`, schedulers included. */
async function obliterate(prefix: string): Promise<void> {
  for (const name of JOBS.keys()) {
    const queue = new Queue(name, { connection: { url: REDIS_URL }, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** The ids of the outbox rows for `key`: pending work, since a relayed row is deleted. */
async function outboxRows(key: string): Promise<string[]> {
  const owner = openOwnerDatabase();
  try {
    const rows = await owner.selectFrom('outbox').select('id').where('job_key', '=', key).execute();
    return rows.map((row) => String(row.id));
  } finally {
    await owner.destroy();
  }
}

async function pendingOutboxRows(key: string): Promise<number> {
  return (await outboxRows(key)).length;
}

describe('job runtimes', () => {
  let handle: DatabaseHandle;
  const prefix = `test-${randomUUID()}`;

  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(async () => {
    await obliterate(prefix);
    await handle.close();
  });

  test('requests for the same run coalesce in the outbox while pending', async () => {
    const fixture = await createRunFixture(handle.db, { leadership: [4], frontline: [2] });
    const request = releaseRunRequest(fixture.organizationId, fixture.runId);
    await withTenant(handle.db, fixture.organizationId, async (trx) => {
      await enqueueJob(trx, request);
      await enqueueJob(trx, request);
    });
    await enqueueJob(handle.db, request);
    expect(await pendingOutboxRows(request.key)).toBe(1);
  });

  test('the outbox write rolls back with the transaction that asked for it', async () => {
    const fixture = await createRunFixture(handle.db, { leadership: [4], frontline: [2] });
    const request = releaseRunRequest(fixture.organizationId, fixture.runId);
    await expect(
      withTenant(handle.db, fixture.organizationId, async (trx) => {
        await enqueueJob(trx, request);
        throw new Error('the business write failed');
      }),
    ).rejects.toThrow('the business write failed');
    expect(await pendingOutboxRows(request.key)).toBe(0);
  });

  test('with Redis down, the work stays in the outbox; with Redis back, BullMQ runs it', async () => {
    const fixture = await createRunFixture(handle.db, {
      leadership: [5, 5, 4, 4, 4],
      frontline: [2, 2, 1, 3, 2],
    });
    await withTenant(handle.db, fixture.organizationId, (trx) =>
      closeRun(trx, fixture.runId, new Date()),
    );
    const request = releaseRunRequest(fixture.organizationId, fixture.runId);
    await enqueueJob(handle.db, request);

    const before = errors.length;
    const down = startBullmqRuntime({
      context: createJobContext(testConfig(), handle.db),
      redisUrl: 'redis://127.0.0.1:1', // nothing listens there
      logger,
      prefix,
      pollMs: 50,
      redisTimeoutMs: 300,
    });
    await vi.waitFor(
      () => {
        expect(errors.length).toBeGreaterThan(before);
      },
      { timeout: 5000 },
    );
    await down.close();
    expect(errors.length).toBeGreaterThan(before);
    expect(await pendingOutboxRows(request.key)).toBe(1);

    const up = startBullmqRuntime({
      context: createJobContext(testConfig(), handle.db),
      redisUrl: REDIS_URL,
      logger,
      prefix,
    });
    try {
      await up.drain();
    } finally {
      await up.close();
      await up.close(); // idempotent
    }
    expect(await pendingOutboxRows(request.key)).toBe(0);
    const release = await withTenant(handle.db, fixture.organizationId, (trx) =>
      readRelease(trx, fixture.runId),
    );
    expect(release?.cells.filter((c) => c.teamId === null)).toMatchObject([
      { dimension: 'staffing', teamId: null, suppressed: false, gap: 4.4 - 2 },
    ]);
  });

  test('a completed job leaves nothing behind, in the queue or in the outbox', async () => {
    const fixture = await createRunFixture(handle.db, {
      leadership: [4, 4, 4, 4, 4],
      frontline: [2, 2, 2, 2, 2],
    });
    await withTenant(handle.db, fixture.organizationId, (trx) =>
      closeRun(trx, fixture.runId, new Date()),
    );
    const request = releaseRunRequest(fixture.organizationId, fixture.runId);
    await enqueueJob(handle.db, request);
    const [id] = await outboxRows(request.key);
    const jobId = `${request.key}-${id}`;

    const completed: string[] = [];
    const runtime = startBullmqRuntime({
      context: createJobContext(testConfig(), handle.db),
      redisUrl: REDIS_URL,
      logger,
      prefix,
    });
    const queue = new Queue('release-run', { connection: { url: REDIS_URL }, prefix });
    const events = new QueueEvents('release-run', { connection: { url: REDIS_URL }, prefix });
    events.on('completed', ({ jobId: done }) => completed.push(done));
    try {
      await events.waitUntilReady();
      await runtime.drain();
      await vi.waitFor(() => {
        expect(completed).toContain(jobId);
      });
      expect(await queue.getJob(jobId)).toBeUndefined();
      expect(await queue.getJobCounts('completed')).toEqual({ completed: 0 });
      const redis = new Redis(REDIS_URL);
      try {
        expect(await redis.keys(`${prefix}:release-run:${jobId}*`)).toEqual([]);
      } finally {
        redis.disconnect();
      }
    } finally {
      await events.close();
      await queue.close();
      await runtime.close();
    }
    expect(await outboxRows(request.key)).toEqual([]);
    const release = await withTenant(handle.db, fixture.organizationId, (trx) =>
      readRelease(trx, fixture.runId),
    );
    expect(release?.runId).toBe(fixture.runId);

    // The key is free again: a new request is a new pending row.
    await enqueueJob(handle.db, request);
    expect(await outboxRows(request.key)).toEqual([expect.not.stringMatching(`^${id}$`)]);
  });

  test('BullMQ: the due-release sweep recurs on one job scheduler, kept in step with the recurrences', async () => {
    const schedulerPrefix = `test-${randomUUID()}`;
    // A scheduler no recurrence names (left by an older version): removed when the runtime starts.
    const sweeps = new Queue('sweep-due-releases', {
      connection: { url: REDIS_URL },
      prefix: schedulerPrefix,
    });
    await sweeps.upsertJobScheduler('retired-scheduler', { every: 60_000 });
    const fixture = await createRunFixture(handle.db, {
      leadership: [4, 4, 4, 4, 4],
      frontline: [2, 2, 2, 2, 2],
    });
    const runtimes = [0, 1].map(() =>
      startBullmqRuntime({
        context: createJobContext(testConfig(), handle.db),
        redisUrl: REDIS_URL,
        logger,
        prefix: schedulerPrefix,
        sweepMs: 300,
      }),
    );
    try {
      // Two workers, one scheduler between them.
      await vi.waitFor(
        async () => {
          const schedulers = await sweeps.getJobSchedulers();
          expect(schedulers.map((s) => [s.key, s.every])).toEqual([['sweep-due-releases', 300]]);
        },
        { timeout: 5000 },
      );
      // A run closed after the workers started is released by a sweep of the scheduler's.
      await withTenant(handle.db, fixture.organizationId, (trx) =>
        closeRun(trx, fixture.runId, new Date()),
      );
      await vi.waitFor(
        async () => {
          const release = await withTenant(handle.db, fixture.organizationId, (trx) =>
            readRelease(trx, fixture.runId),
          );
          expect(release?.runId).toBe(fixture.runId);
        },
        { timeout: 10_000, interval: 100 },
      );
    } finally {
      for (const runtime of runtimes) await runtime.close();
      await sweeps.close();
      await obliterate(schedulerPrefix);
    }
  });

  test('the in-process runtime runs the same handlers', async () => {
    const fixture = await createRunFixture(handle.db, {
      leadership: [3, 3, 3, 3, 3],
      frontline: [1, 1, 1, 1, 1],
    });
    await withTenant(handle.db, fixture.organizationId, (trx) =>
      closeRun(trx, fixture.runId, new Date()),
    );
    const request = releaseRunRequest(fixture.organizationId, fixture.runId);
    await enqueueJob(handle.db, request);
    const runtime = startInProcessRuntime({
      context: createJobContext(testConfig(), handle.db),
      logger,
      pollMs: 10_000,
    });
    try {
      await runtime.drain();
    } finally {
      await runtime.close();
    }
    const release = await withTenant(handle.db, fixture.organizationId, (trx) =>
      readRelease(trx, fixture.runId),
    );
    expect(release?.cells[0]).toMatchObject({ gap: 2, suppressed: false });
    expect(await outboxRows(request.key)).toEqual([]);
  });
});

// A job name without a handler (an outbox row of a removed job, say) fails for good in both
// runtimes alike: logged as a failed job, its row deleted, and the jobs after it still run.
// On a database of its own, so no other test's runtime takes the rows.
describe('a job no handler knows', () => {
  let scratch: ScratchDatabaseHandle;
  let handle: DatabaseHandle;
  let owner: Kysely<Database>;
  let config: ReturnType<typeof testConfig>;
  const prefix = `test-${randomUUID()}`;

  beforeAll(async () => {
    const password = testConfig().appDatabasePassword;
    scratch = await createScratchDatabase('pulsegap_jobs_unknown_', testDatabaseUrl(), password);
    config = testConfig({
      databaseUrl: scratch.url,
      appDatabaseUrl: appRoleUrl(scratch.url, password),
    });
    handle = await openDatabase(config, { poolSize: 2 });
    owner = createKysely(scratch.url, 1);
  }, 60_000);
  afterAll(async () => {
    await obliterate(prefix);
    await handle.close();
    await owner.destroy();
    await scratch.drop();
  });

  const runtimes = {
    'in-process': (log: JobLogger) =>
      startInProcessRuntime({ context: createJobContext(config, handle.db), logger: log }),
    BullMQ: (log: JobLogger) =>
      startBullmqRuntime({
        context: createJobContext(config, handle.db),
        redisUrl: REDIS_URL,
        logger: log,
        prefix,
      }),
  };

  for (const [label, start] of Object.entries(runtimes)) {
    test(`${label}: logged as failed, its row deleted, and the next job runs`, async () => {
      const fixture = await createRunFixture(handle.db, {
        leadership: [4, 4, 4, 4, 4],
        frontline: [2, 2, 2, 2, 2],
      });
      await withTenant(handle.db, fixture.organizationId, (trx) =>
        closeRun(trx, fixture.runId, new Date()),
      );
      const bogus = `no-such-job-${randomUUID()}`;
      const release = releaseRunRequest(fixture.organizationId, fixture.runId);
      await enqueueJob(handle.db, { name: bogus, key: bogus, payload: {} });
      await enqueueJob(handle.db, release);

      const failed: { job?: string; message?: string }[] = [];
      const runtime = start({
        info: () => undefined,
        error: (object, message) => failed.push({ ...(object as { job?: string }), message }),
      });
      try {
        await runtime.drain();
      } finally {
        await runtime.close();
      }
      expect(failed).toContainEqual(expect.objectContaining({ job: bogus, message: 'job failed' }));
      // This test's rows only: other test files share the database and its outbox.
      expect(
        await owner
          .selectFrom('outbox')
          .select('job_key')
          .where('job_key', 'in', [bogus, release.key])
          .execute(),
      ).toEqual([]);
      const released = await withTenant(handle.db, fixture.organizationId, (trx) =>
        readRelease(trx, fixture.runId),
      );
      expect(released?.runId).toBe(fixture.runId);
    });
  }
});
