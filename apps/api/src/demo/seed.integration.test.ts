import { deriveKey } from '@pulsegap/config';
import { listRuns, readRunCells, withTenant, type DatabaseHandle } from '@pulsegap/db';
import { createJobContext, startInProcessRuntime } from '@pulsegap/jobs';
import { openTestDatabase, testConfig } from '@pulsegap/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedDemo } from './seed.js';

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await openTestDatabase();
});
afterAll(() => handle.close());

test('the demo tells a story: a weight-5 priority the frontline cannot staff, over three runs', async () => {
  const organizationId = await seedDemo(handle.db, deriveKey(testConfig(), 'invitation-secrets'));
  expect(await seedDemo(handle.db, deriveKey(testConfig(), 'invitation-secrets'))).toBe(
    organizationId,
  ); // idempotent
  const runtime = startInProcessRuntime({
    context: createJobContext(testConfig(), handle.db),
    logger: console,
    pollMs: 60_000,
  });
  await runtime.drain();
  await runtime.close();

  await withTenant(handle.db, organizationId, async (trx) => {
    const people = await trx.selectFrom('people').select('id').execute();
    expect(people.length).toBeGreaterThanOrEqual(350);
    expect(people.length).toBeLessThanOrEqual(450);
    const teams = await trx.selectFrom('teams').select(['name', 'parent_id']).execute();
    expect(teams.filter((t) => t.parent_id !== null)).toHaveLength(12);
    const priorities = await trx.selectFrom('priorities').selectAll().execute();
    expect(priorities).toHaveLength(4);
    const focus = priorities.find((p) => p.stated_weight === 5);
    const pulse = await trx.selectFrom('pulses').select('id').executeTakeFirstOrThrow();
    const runs = await listRuns(trx, { pulseId: pulse.id });
    expect(runs).toHaveLength(3);

    const latest = runs[0];
    if (latest === undefined || focus === undefined) throw new Error('demo incomplete');
    expect(latest.participation.responses / latest.participation.invited).toBeGreaterThan(0.5);
    const { cells } = await readRunCells(trx, latest.id);
    const gap = (dimension: string) =>
      (
        cells.find((c) => c.priorityId === focus.id && c.dimension === dimension)?.statistics as {
          gap: number;
        }
      ).gap;
    expect(gap('staffing')).toBeGreaterThan(1.5);
    expect(gap('feasibility')).toBeGreaterThan(1.5);
    expect(gap('clarity')).toBeLessThan(1);
  });
});
