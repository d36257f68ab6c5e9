// `npm run fuzz`: 100,000 requests generated from the OpenAPI document (bench/fuzz-core.ts)
// against the production route set on a scratch database, with the rate limits in Redis as
// in production. Ends with `fuzz: requests=… server_errors=… changed_by_rejected=…`, and
// fails when either count is not zero. FUZZ_REQUESTS and FUZZ_SEED change the run.
import { Redis } from 'ioredis';
import { createFuzzTarget, fuzz } from './fuzz-core.js';
import { createBenchDatabase, log } from './harness.js';

const requests = Number(process.env.FUZZ_REQUESTS ?? 100_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const scratch = await createBenchDatabase();
const redis = new Redis(scratch.config.redisUrl ?? 'redis://127.0.0.1:6379', {
  keyPrefix: `pulsegap-fuzz-${String(process.pid)}:`,
});
try {
  const target = await createFuzzTarget(scratch, { redis });
  log(
    `${String(target.operations.length)} operations; seed ${String(seed)}; ${String(requests)} requests`,
  );
  const started = performance.now();
  const result = await fuzz(target, requests, seed, (sent, sofar) => {
    const seconds = (performance.now() - started) / 1000;
    log(
      `${String(sent)} sent in ${seconds.toFixed(0)} s: ${String(sofar.serverErrors)} server errors, ` +
        `${String(sofar.changedByRejected)} rejected with changes`,
    );
  });
  await target.close();
  const statuses = [...result.byStatus.entries()].sort((a, b) => a[0] - b[0]);
  log(`statuses: ${statuses.map(([status, n]) => `${String(status)}×${String(n)}`).join(' ')}`);
  log(`${((performance.now() - started) / 1000).toFixed(0)} s`);
  for (const failure of result.failures) log(failure);
  console.log(
    `fuzz: requests=${String(result.requests)} server_errors=${String(result.serverErrors)} ` +
      `changed_by_rejected=${String(result.changedByRejected)} seed=${String(seed)}`,
  );
  process.exitCode = result.serverErrors > 0 || result.changedByRejected > 0 ? 1 : 0;
} finally {
  redis.disconnect();
  await scratch.drop();
}
