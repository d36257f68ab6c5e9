import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SHUTDOWN_DEADLINE_MS } from '@pulsegap/config';
import { testConfig, testDatabaseUrl } from '@pulsegap/testing';
import { afterEach, describe, expect, test } from 'vitest';
import { TIMEOUTS_MS } from './http-server.js';

const API = fileURLToPath(new URL('./server.ts', import.meta.url));
const WORKER = fileURLToPath(new URL('../../worker/src/main.ts', import.meta.url));
/** What a stop may take beyond the deadline: the process's own exit. */
const SLACK_MS = 2_000;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Starts `npm run api` or `npm run worker` from source, as its own process. */
function start(
  file: string,
  port: number,
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['--conditions=pulsegap-source', '--import', 'tsx', file], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(port),
      DATABASE_URL: testDatabaseUrl(),
      APP_DATABASE_PASSWORD: testConfig().appDatabasePassword,
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      // Listeners of their own, apart from other processes the suite runs at the time.
      METRICS_PORT: 'off',
      WORKER_HEALTH_PORT: String(freePort()),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function until(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${String(ms)} ms`);
}

/** Milliseconds from now until the process exits, and its exit code. */
function exit(child: ChildProcess): Promise<{ ms: number; code: number | null }> {
  const started = Date.now();
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      resolve({ ms: Date.now() - started, code });
    });
  });
}

/** A connection that sends the start of a request and never the rest. */
function halfSentRequest(
  port: number,
): Promise<{ socket: Socket; closed: Promise<number>; answer: () => string }> {
  let answer = '';
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: app');
      const opened = Date.now();
      const closed = new Promise<number>((done) => {
        socket.once('close', () => {
          done(Date.now() - opened);
        });
      });
      resolve({ socket, closed, answer: () => answer });
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
    // Read what the server says (a 408), so the end of the connection is seen.
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  });
}

const freePort = () => 20_000 + Math.floor(Math.random() * 20_000);

describe('timeouts and shutdown', () => {
  test('the API cuts a request whose headers never end, and stops within the deadline with one open', async () => {
    const port = freePort();
    const api = start(API, port);
    await until(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${String(port)}/health`)).ok;
      } catch {
        return false;
      }
    }, 60_000);

    // A client that never finishes its headers is cut off after the headers timeout.
    const slow = await halfSentRequest(port);
    const cut = await slow.closed;
    expect(cut).toBeGreaterThanOrEqual(TIMEOUTS_MS.headers - 1_000);
    expect(cut).toBeLessThan(TIMEOUTS_MS.headers + 3_000);
    // Told so as a problem, like every other error.
    expect(slow.answer()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(slow.answer()).toContain('Content-Type: application/problem+json');
    expect(slow.answer()).toContain('"code":"PG_ERR_REQUEST_TIMEOUT"');

    // Told to stop with such a request open, it stops by the deadline all the same.
    const open = await halfSentRequest(port);
    const stopped = exit(api.child);
    api.child.kill('SIGTERM');
    const { ms, code } = await stopped;
    expect(ms).toBeLessThan(SHUTDOWN_DEADLINE_MS + SLACK_MS);
    expect(code, api.output()).toBe(0);
    expect(await open.closed).toBeLessThan(SHUTDOWN_DEADLINE_MS + SLACK_MS + 10_000);
  }, 120_000);

  test('SIGTERM lets a request under way finish, then the API exits 0', async () => {
    const port = freePort();
    const metricsPort = freePort();
    const api = start(API, port, { METRICS_PORT: String(metricsPort) });
    await until(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${String(port)}/health`)).ok;
      } catch {
        return false;
      }
    }, 60_000);
    // Its metrics are on their own port, not on the public one.
    const metrics = await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain(
      'pulsegap_http_requests_total{method="GET",route="/health"',
    );
    expect((await fetch(`http://127.0.0.1:${String(port)}/metrics`)).status).toBe(404);
    // A sign-in whose body is half sent when the signal comes: the request is under way.
    const body = JSON.stringify({ email: 'nobody@example.test', password: 'not the password' });
    let answer = '';
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const closed = new Promise<void>((resolve) =>
      socket.once('close', () => {
        resolve();
      }),
    );
    await new Promise<void>((resolve) =>
      socket.once('connect', () => {
        resolve();
      }),
    );
    socket.write(
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${String(Buffer.byteLength(body))}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = exit(api.child);
    api.child.kill('SIGTERM');
    await until(() => api.output().includes('shutting down'), 5_000);
    // A new request is turned away while it finishes: refused, or 503 if it got in first.
    const late = await fetch(`http://127.0.0.1:${String(port)}/health`).then(
      (response) => response.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);
    socket.write(body.slice(10));
    await closed;
    // Answered in full (wrong password), and told the connection ends.
    expect(answer).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(answer.toLowerCase()).toContain('connection: close');
    const { code } = await stopped;
    expect(code, api.output()).toBe(0);
  }, 120_000);

  test('the worker stops within the deadline', async () => {
    const worker = start(WORKER, freePort());
    await until(() => worker.output().includes('worker started'), 60_000);
    const stopped = exit(worker.child);
    worker.child.kill('SIGTERM');
    const { ms, code } = await stopped;
    expect(ms).toBeLessThan(SHUTDOWN_DEADLINE_MS + SLACK_MS);
    expect(code, worker.output()).toBe(0);
  }, 120_000);
});
