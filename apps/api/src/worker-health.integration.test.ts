import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, testConfig, testDatabaseUrl } from '@pulsegap/testing';
import { afterEach, describe, expect, test } from 'vitest';

const WORKER = fileURLToPath(new URL('../../worker/src/main.ts', import.meta.url));
const TOKEN = 'worker-metrics-token-0123456789abcdef';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** `npm run worker` from source, its health listener on `port`. */
function startWorker(port: number, redisUrl: string) {
  let output = '';
  const child = spawn(
    process.execPath,
    ['--conditions=pulsegap-source', '--import', 'tsx', WORKER],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: testDatabaseUrl(),
        APP_DATABASE_PASSWORD: testConfig().appDatabasePassword,
        REDIS_URL: redisUrl,
        WORKER_HEALTH_PORT: String(port),
        METRICS_TOKEN: TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${String(ms)} ms`);
}

describe("the worker's health listener", () => {
  test('answers liveness, readiness and its metrics (with the token), then stops on SIGTERM', async () => {
    const port = await freePort();
    const worker = startWorker(port, process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    await until(() => worker.output().includes('worker started'), 60_000);
    const base = `http://127.0.0.1:${String(port)}`;

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status, await ready.clone().text()).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok' });

    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const scrape = async () => {
      const metrics = await fetch(`${base}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(metrics.status).toBe(200);
      return metrics.text();
    };
    // Its first pass runs the sweeps: timed as jobs.
    const sweeps =
      /^pulsegap_job_duration_seconds_count\{job="sweep-due-releases",outcome="done"\} [1-9]/m;
    let text = await scrape();
    for (const deadline = Date.now() + 10_000; !sweeps.test(text) && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      text = await scrape();
    }
    expect(text).toMatch(sweeps);
    expect(text).toMatch(/^pulsegap_queue_jobs\{queue="release-run",state="waiting"\} \d+$/m);
    expect(text).toMatch(/^pulsegap_db_pool_connections\{state="total"\} [1-9]/m);
    expect(text).toContain('# TYPE pulsegap_outbox_rows gauge');
    expect(text).toContain('# TYPE pulsegap_run_release_duration_seconds histogram');
    expect((await fetch(`${base}/nothing`)).status).toBe(404);

    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.output()).toBe(0);
  }, 120_000);

  test('is alive but not ready while Redis does not answer', async () => {
    const port = await freePort();
    // Nothing listens on port 1.
    const worker = startWorker(port, 'redis://127.0.0.1:1');
    await until(() => worker.output().includes('worker started'), 60_000);
    const base = `http://127.0.0.1:${String(port)}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await ready.json()) as { detail: string };
    expect(problem.detail).toContain('Redis did not answer');
    expect(problem.detail).not.toContain('PostgreSQL');
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.output()).toBe(0);
  }, 120_000);
});
