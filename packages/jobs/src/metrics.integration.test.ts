import { randomUUID } from 'node:crypto';
import { closeRun, withTenant, type DatabaseHandle } from '@pulsegap/db';
import { createRunFixture, openTestDatabase, testConfig } from '@pulsegap/testing';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { JOBS, releaseRunRequest } from './contract.js';
import { createJobContext } from './context.js';
import { runJob } from './handlers/index.js';
import { createJobMetrics, createMetricsRegistry } from './metrics.js';
import { startBullmqRuntime } from './runtimes/bullmq.js';

const quiet = { info: () => undefined, error: () => undefined };

/** The count of a histogram's observations with exactly `labels`, or 0. */
async function observations(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  // A histogram's values name their series (`_bucket`, `_sum`, `_count`).
  const values = (await metric.get()).values as {
    metricName?: string;
    labels: Record<string, string | number>;
    value: number;
  }[];
  const count = values.find(
    (v) =>
      v.metricName === `${name}_count` &&
      Object.keys(labels).every((k) => String(v.labels[k]) === labels[k]) &&
      Object.keys(v.labels).length === Object.keys(labels).length,
  );
  return count?.value ?? 0;
}

describe('job metrics', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(async () => {
    await handle.close();
  });

  test('a release is timed once, a repeated request only as a job', async () => {
    const registry = createMetricsRegistry();
    const context = createJobContext(testConfig(), handle.db, createJobMetrics(registry));
    const fixture = await createRunFixture(handle.db, {
      leadership: [5, 5, 4, 4, 4],
      frontline: [2, 2, 1, 3, 2],
    });
    await withTenant(handle.db, fixture.organizationId, (trx) =>
      closeRun(trx, fixture.runId, new Date()),
    );
    const request = releaseRunRequest(fixture.organizationId, fixture.runId);
    await runJob(context, request.name, request.payload);
    await runJob(context, request.name, request.payload);

    expect(await observations(registry, 'pulsegap_run_release_duration_seconds')).toBe(1);
    expect(
      await observations(registry, 'pulsegap_job_duration_seconds', {
        job: 'release-run',
        outcome: 'done',
      }),
    ).toBe(2);
    // Nothing names the organization or the run.
    const text = await registry.metrics();
    expect(text).not.toContain(fixture.organizationId);
    expect(text).not.toContain(fixture.runId);
  });

  test('the BullMQ runtime tells its queue depths and whether Redis answers', async () => {
    const db = handle.db;
    const up = startBullmqRuntime({
      context: createJobContext(testConfig(), db),
      redisUrl: testConfig().redisUrl ?? '',
      logger: quiet,
      prefix: `metrics-${randomUUID()}`,
      pollMs: 60_000,
    });
    const down = startBullmqRuntime({
      context: createJobContext(testConfig(), db),
      redisUrl: 'redis://127.0.0.1:1', // nothing listens there
      logger: quiet,
      prefix: `metrics-${randomUUID()}`,
      pollMs: 60_000,
      redisTimeoutMs: 300,
    });
    try {
      expect(up.running).toBe(true);
      expect(await up.redisAnswers(2000)).toBe(true);
      const depths = await up.queueDepths();
      expect(depths.map((d) => d.queue).sort()).toEqual([...JOBS.keys()].sort());
      for (const depth of depths) {
        expect(depth).toMatchObject({ waiting: 0, active: 0, failed: 0 });
      }
      expect(await down.redisAnswers(300)).toBe(false);
    } finally {
      await up.close();
      await down.close();
    }
    expect(up.running).toBe(false);
  });
});
