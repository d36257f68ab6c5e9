import { randomBytes } from 'node:crypto';
import {
  clockTimestamp,
  enqueueJob,
  pendingJobs,
  readRunCells,
  replaceRunCells,
  storeResponses,
  withTenant,
  type DatabaseHandle,
} from '@pulsegap/db';
import { createRunFixture, openTestDatabase } from '@pulsegap/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { recomputeRunRequest } from './definitions.js';
import { recomputeRun } from './recompute-run.js';

describe('recompute-run coalesces requests', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(() => handle.close());

  const organizationCount = async (organizationId: string, runId: string) => {
    const { cells } = await withTenant(handle.db, organizationId, (trx) =>
      readRunCells(trx, runId, { organizationOnly: true }),
    );
    const statistics = cells[0]?.statistics as { frontline: { n: number } } | undefined;
    return statistics?.frontline.n;
  };

  test('a request made before the figures began counting is skipped; a later one is not', async () => {
    const fixture = await createRunFixture(handle.db, {
      leadership: [4, 4, 4, 4, 4],
      frontline: [2, 2, 2, 2, 2],
    });
    const { organizationId, runId } = fixture;
    const before = await withTenant(handle.db, organizationId, clockTimestamp);
    expect(await recomputeRun(handle.db, organizationId, runId, before)).toBe(true);
    expect(await organizationCount(organizationId, runId)).toBe(5);
    // Asked for before that recompute counted: its answers are in the figures already.
    expect(await recomputeRun(handle.db, organizationId, runId, before)).toBe(false);

    // A new response, and a request for it through the outbox, as the intake makes them.
    await withTenant(handle.db, organizationId, async (trx) => {
      await storeResponses(trx, organizationId, runId, [
        {
          segmentTeamId: null,
          segmentTier: 'frontline',
          tokenHash: randomBytes(32),
          comment: null,
          answers: [1],
        },
      ]);
      await enqueueJob(trx, recomputeRunRequest(organizationId, runId));
    });
    const request = (await pendingJobs(handle.db, 1000)).find(
      (j) => j.key === recomputeRunRequest(organizationId, runId).key,
    );
    expect(request).toBeDefined();
    expect(await recomputeRun(handle.db, organizationId, runId, request?.requestedAt ?? null)).toBe(
      true,
    );
    expect(await organizationCount(organizationId, runId)).toBe(6);
    // The same request again, e.g. a duplicate delivery: nothing new to count.
    expect(await recomputeRun(handle.db, organizationId, runId, request?.requestedAt ?? null)).toBe(
      false,
    );
    // Without a request time (a direct call) it always recomputes.
    expect(await recomputeRun(handle.db, organizationId, runId)).toBe(true);
  });
});

describe('recompute-run writes a run’s figures atomically', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(() => handle.close());

  test('while new figures are being written, readers see the previous ones whole', async () => {
    const { organizationId, runId } = await createRunFixture(handle.db, {
      leadership: [4, 4, 4, 4, 4],
      frontline: [2, 2, 2, 2, 2],
    });
    await recomputeRun(handle.db, organizationId, runId);
    const read = () =>
      withTenant(handle.db, organizationId, (trx) => readRunCells(trx, runId)).then((r) => ({
        computedAt: r.computedAt?.getTime(),
        gaps: r.cells.map((c) => (c.statistics as { gap?: number | null }).gap ?? null),
      }));
    const before = await read();
    expect(before.gaps[0]).toBe(2);

    // A writer that has replaced the cells but not committed yet.
    const held = latch();
    const halfway = latch();
    const writer = withTenant(handle.db, organizationId, async (trx) => {
      await replaceRunCells(trx, organizationId, runId, {
        computedAt: new Date(),
        countedAt: new Date(),
        responses: 0,
        cells: [],
        summary: {},
      });
      halfway.resolve();
      await held.promise;
    });
    await halfway.promise;
    expect(await read()).toEqual(before);
    held.resolve();
    await writer;
    const after = await read();
    expect(after.gaps).toEqual([]);
    expect(after.computedAt).not.toBe(before.computedAt);
  });
});

/** A promise and the function that settles it. */
function latch(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
