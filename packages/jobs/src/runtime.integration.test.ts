import { randomUUID } from 'node:crypto';
import { closeRun, enqueueJob, readRelease, withTenant, type DatabaseHandle } from '@pulsegap/db';
import {
  createRunFixture,
  openOwnerDatabase,
  openTestDatabase,
  testConfig,
} from '@pulsegap/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createJobContext, releaseRunRequest } from './definitions.js';
import { startBullmqRuntime, startInProcessRuntime, type JobLogger } from './runtime.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const errors: unknown[] = [];
const logger: JobLogger = {
  info: () => undefined,
  error: (object) => errors.push(object),
};

async function pendingOutboxRows(key: string): Promise<number> {
  const owner = openOwnerDatabase();
  try {
    const rows = await owner
      .selectFrom('outbox')
      .select('id')
      .where('job_key', '=', key)
      .where('dispatched_at', 'is', null)
      .execute();
    return rows.length;
  } finally {
    await owner.destroy();
  }
}

describe('job runtimes', () => {
  let handle: DatabaseHandle;
  const prefix = `test-${randomUUID()}`;

  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(async () => {
    const queue = new Queue('release-run', { connection: { url: REDIS_URL }, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
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

  test('the in-process runtime runs the same handlers', async () => {
    const fixture = await createRunFixture(handle.db, {
      leadership: [3, 3, 3, 3, 3],
      frontline: [1, 1, 1, 1, 1],
    });
    await withTenant(handle.db, fixture.organizationId, (trx) =>
      closeRun(trx, fixture.runId, new Date()),
    );
    await enqueueJob(handle.db, releaseRunRequest(fixture.organizationId, fixture.runId));
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
  });
});
