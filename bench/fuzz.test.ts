import { afterAll, beforeAll, expect, test } from 'vitest';
import { createFuzzTarget, fuzz, type FuzzTarget } from './fuzz-core.js';
import { createBenchDatabase, type ScratchDatabase } from './harness.js';

// The CI share of `npm run fuzz`: a few thousand generated requests over every operation of
// the OpenAPI document, on a scratch database of their own.
const REQUESTS = 3000;
let scratch: ScratchDatabase;
let target: FuzzTarget;

beforeAll(async () => {
  scratch = await createBenchDatabase();
  target = await createFuzzTarget(scratch);
}, 120_000);
afterAll(async () => {
  await target.close();
  await scratch.drop();
});

test('generated requests over every operation: no 5xx, and no rejected request changes data', async () => {
  const seed = Date.now() % 1_000_000;
  const result = await fuzz(target, REQUESTS, seed);
  expect(result.failures, `seed ${String(seed)}`).toEqual([]);
  expect(result.serverErrors).toBe(0);
  expect(result.changedByRejected).toBe(0);
  // Every operation was tried, accepted requests changed data (the change counter works),
  // and most requests were rejected in many different ways.
  expect(result.operations).toBeGreaterThanOrEqual(29);
  expect(result.changedByAccepted).toBeGreaterThan(0);
  const statuses = [...result.byStatus.keys()];
  for (const status of [200, 201, 400, 401, 403, 404, 415]) expect(statuses).toContain(status);
}, 240_000);
