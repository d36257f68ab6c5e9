// What the benchmarks share: a scratch database, the organization they set up through the
// API, the load generator in a child process, and the section of docs/PERFORMANCE.md each
// rewrites with its latest run.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '@pulsegap/config';
import { createKysely, type Database } from '@pulsegap/db';
import { createScratchDatabase } from '@pulsegap/testing';
import { createJobContext, deliverInvitationsRequest, runJob } from '@pulsegap/jobs';
import type { FastifyInstance } from 'fastify';
import * as prettier from 'prettier';
import { sql, type Kysely } from 'kysely';
import type { LoadJob, LoadResult } from './load.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');

/** Concurrent connections of every measurement (the figure). */
export const CONNECTIONS = 50;
/** Seconds of warm-up before each measured window; not counted. */
export const WARMUP_S = 2;
/** Seconds of each measured window. */
export const DURATION_S = 10;

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

// ---------------------------------------------------------------------------------------
// Scratch database

/** The benchmark's own database, migrated, and the configuration that points at it. */
export interface ScratchDatabase {
  readonly name: string;
  readonly config: Config;
  /** The database as its owner (bypasses row-level security): for checking what was stored. */
  readonly owner: Kysely<Database>;
  /** PostgreSQL's version and the settings that matter for commits. */
  readonly postgres: string;
  drop(): Promise<void>;
}

/**
 * Creates `pulsegap_bench_<pid>` on the local PostgreSQL (dropping ones left behind by runs
 * that died), migrates it with the application's migrations and returns a configuration for
 * it. Benchmarks that use Redis open it themselves (on a key prefix of their own).
 */
export async function createBenchDatabase(): Promise<ScratchDatabase> {
  const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  // Only what the benchmark decides: nothing from the caller's environment leaks in.
  const password = loadConfig('server', {}).appDatabasePassword;
  const scratch = await createScratchDatabase('pulsegap_bench_', serverUrl, password);
  const config = loadConfig('server', { DATABASE_URL: scratch.url, LOG_LEVEL: 'warn' });
  const owner = createKysely(scratch.url, 2);
  const settings = await sql<{ name: string; setting: string }>`
    select name, setting from pg_settings
    where name in ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers')
  `.execute(owner);
  const setting = (key: string) => settings.rows.find((r) => r.name === key)?.setting ?? '?';
  const postgres =
    `PostgreSQL ${setting('server_version')} (local; fsync=${setting('fsync')}, ` +
    `synchronous_commit=${setting('synchronous_commit')}, ` +
    `shared_buffers=${Math.round((Number(setting('shared_buffers')) * 8) / 1024)} MB)`;
  return {
    name: scratch.name,
    config,
    owner,
    postgres,
    async drop() {
      await owner.destroy();
      await scratch.drop();
    },
  };
}

/**
 * Polls `count` until it gives the same value twice in a row 250 ms apart: requests whose
 * client hung up at the end of a window may still be committing.
 */
export async function settled(count: () => Promise<number>): Promise<number> {
  let last = await count();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await count();
    if (now === last) return now;
    last = now;
  }
}

/** Starts listening on a free local port and returns the base URL. */
export async function listen(server: FastifyInstance): Promise<string> {
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

// ---------------------------------------------------------------------------------------
// Setting up an organization through the API (in-process `inject`, the real routes)

export class Api {
  token = '';
  constructor(readonly server: FastifyInstance) {}

  async call<T>(method: 'GET' | 'POST', url: string, payload?: object): Promise<T> {
    const response = await this.server.inject({
      method,
      url,
      headers: this.token === '' ? {} : { authorization: `Bearer ${this.token}` },
      ...(payload === undefined ? {} : { payload }),
    });
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw new Error(`${method} ${url} answered ${response.statusCode}: ${response.body}`);
    }
    return response.json<T>();
  }
}

/** Signs up a new organization and keeps its admin's token for the next calls. */
export async function signup(api: Api, organization: string): Promise<string> {
  const body = await api.call<{ organizationId: string; token: string }>('POST', '/api/v1/signup', {
    organization,
    email: `admin-${randomUUID().slice(0, 8)}@bench.test`,
    password: 'benchmark password, not a secret',
  });
  api.token = body.token;
  return body.organizationId;
}

export interface Person {
  readonly email: string;
  readonly name: string;
  readonly team: string;
  readonly tier: 'leadership' | 'frontline';
  /** The team the person's team sits under (imported before it), if any. */
  readonly parentTeam?: string | null;
}

/** `teams` teams of `leadership` + `frontline` people each. */
export function roster(teams: number, leadership: number, frontline: number): Person[] {
  const people: Person[] = [];
  for (let t = 0; t < teams; t += 1) {
    for (let i = 0; i < leadership + frontline; i += 1) {
      const tier = i < leadership ? 'leadership' : 'frontline';
      people.push({
        email: `p${t}-${i}@bench.test`,
        name: `Person ${t}-${i}`,
        team: `Team ${t}`,
        tier,
      });
    }
  }
  return people;
}

/** The roster through `POST /people/import` as JSON, at most 20,000 rows per import. */
export async function importRoster(api: Api, people: readonly Person[]): Promise<void> {
  for (let start = 0; start < people.length; start += 20_000) {
    await api.call('POST', '/api/v1/people/import', {
      people: people.slice(start, start + 20_000),
    });
  }
}

/** Creates `count` priorities; returns their ids. */
export async function createPriorities(api: Api, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { id } = await api.call<{ id: string }>('POST', '/api/v1/priorities', {
      title: `Priority ${i + 1}`,
      statedWeight: 1 + (i % 5),
    });
    ids.push(id);
  }
  return ids;
}

/**
 * Creates a pulse over `priorityIds` (every dimension of the question bank), starts its run
 * and runs the deliver-invitations job the run asked for, which writes one message with a
 * personal link per invitee into the development outbox (no SMTP is configured).
 */
export async function startRun(
  api: Api,
  scratch: ScratchDatabase,
  db: Kysely<Database>,
  organizationId: string,
  title: string,
  priorityIds: readonly string[],
): Promise<{ runId: string; invited: number }> {
  const pulse = await api.call<{ id: string }>('POST', '/api/v1/pulses', {
    title,
    priorityIds,
    openQuestion: true,
  });
  const run = await api.call<{ id: string; invited: number }>(
    'POST',
    `/api/v1/pulses/${pulse.id}/runs`,
  );
  const request = deliverInvitationsRequest(organizationId, run.id);
  const context = createJobContext(scratch.config, db);
  try {
    await runJob(context, request.name, request.payload);
  } finally {
    context.mailer.close();
  }
  return { runId: run.id, invited: run.invited };
}

/** The secret at the end of an invitation link. */
export function secretOfLink(link: string | null): string {
  const secret = link?.split('/').at(-1) ?? '';
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) throw new Error(`not an invitation link: ${link}`);
  return secret;
}

// ---------------------------------------------------------------------------------------
// The load generator: autocannon in a child process (bench/load.ts)

/** One measured (or warm-up) window, as the load generator saw it. */
export interface Window extends LoadResult {
  /** Responses with a 2xx status per second of the window. */
  readonly perSecond: number;
  /** CPU used during the window, in cores (of `os.cpus().length`); null where /proc is missing. */
  readonly cpu: CpuShare | null;
}

/** Where the machine's CPU went: cores' worth of time over the window's wall time. */
export interface CpuShare {
  /** This process: the server under test. */
  readonly server: number;
  /** The load generator's process. */
  readonly load: number;
  /** Every PostgreSQL process (backends, WAL writer, checkpointer...). */
  readonly postgres: number;
  /** Everything else that ran on the machine meanwhile (other processes, the kernel). */
  readonly other: number;
}

let clockTicks: number | null = null;

function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process, in clock ticks (Linux /proc), or null. */
function processTicks(pid: number | string): { comm: string; ticks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // Fields after "pid (comm) ": state is field 3, utime 14, stime 15.
    const fields = stat.slice(close + 2).split(' ');
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

interface CpuSnapshot {
  readonly at: number;
  readonly server: number;
  readonly load: number;
  readonly postgres: Map<string, number>;
  /** Busy ticks of the whole machine (all but idle and iowait). */
  readonly busy: number;
}

function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already
  // counted in user; steal (the hypervisor serving other guests) counts as busy.
  return total - (ticks[3] ?? 0) - (ticks[4] ?? 0) - (ticks[8] ?? 0) - (ticks[9] ?? 0);
}

function cpuSnapshot(loadPid: number | undefined): CpuSnapshot | null {
  const server = processTicks(process.pid);
  const load = loadPid === undefined ? null : processTicks(loadPid);
  if (server === null || load === null) return null;
  const postgres = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const p = processTicks(entry);
    if (p?.comm === 'postgres') postgres.set(entry, p.ticks);
  }
  return {
    at: performance.now(),
    server: server.ticks,
    load: load.ticks,
    postgres,
    busy: machineBusyTicks(),
  };
}

function cpuShare(before: CpuSnapshot | null, after: CpuSnapshot | null): CpuShare | null {
  if (before === null || after === null) return null;
  const seconds = (after.at - before.at) / 1000;
  const cores = (ticks: number) => ticks / ticksPerSecond() / seconds;
  let postgres = 0;
  // Backends that connected during the window count from zero.
  for (const [pid, ticks] of after.postgres) postgres += ticks - (before.postgres.get(pid) ?? 0);
  const server = after.server - before.server;
  const load = after.load - before.load;
  return {
    server: cores(server),
    load: cores(load),
    postgres: cores(postgres),
    other: Math.max(0, cores(after.busy - before.busy - server - load - postgres)),
  };
}

/**
 * Cores' worth of CPU the whole machine used over `seconds`: measured while the benchmark
 * itself is idle, it says how busy the rest of the machine is. Null where /proc is missing.
 */
export async function machineBusyCores(seconds: number): Promise<number | null> {
  try {
    const before = machineBusyTicks();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return (machineBusyTicks() - before) / ticksPerSecond() / seconds;
  } catch {
    return null;
  }
}

/**
 * Starts sampling CPU as the load windows do, with `pid` (e.g. a worker child doing the
 * work measured) in place of the load generator; the function returned ends the sample.
 */
export function sampleCpu(pid: number | undefined): () => CpuShare | null {
  const before = cpuSnapshot(pid);
  return () => cpuShare(before, cpuSnapshot(pid));
}

/**
 * autocannon's programmatic API in a child process of its own, so that generating load and
 * serving it do not share one event loop (they do share the machine's two cores, and
 * PostgreSQL). Pools of prepared requests are handed over in temporary files.
 */
export class LoadGenerator {
  readonly #child: ChildProcess;
  #files = 0;
  #waiting: { resolve(r: LoadResult): void; reject(e: Error): void } | null = null;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message: LoadResult | { error: string }) => {
      const waiting = this.#waiting;
      this.#waiting = null;
      if ('error' in message) waiting?.reject(new Error(`load generator: ${message.error}`));
      else waiting?.resolve(message);
    });
    child.on('exit', (code) => {
      this.#waiting?.reject(new Error(`load generator exited with ${code}`));
      this.#waiting = null;
    });
  }

  static start(): LoadGenerator {
    const child = fork(path.join(HERE, 'load.ts'), [], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new LoadGenerator(child);
  }

  /**
   * Runs autocannon for `seconds` at `CONNECTIONS` connections (or `connections`). Each
   * request takes the next line of `lines` (`pool: 'once'`: each line at most once;
   * `'cycle'`: round and round).
   */
  async run(options: {
    url: string;
    seconds: number;
    kind: LoadJob['kind'];
    pool: 'once' | 'cycle';
    lines: readonly string[];
    /** Default: `CONNECTIONS`. */
    connections?: number;
    /** Sent with every request (e.g. `authorization`). */
    headers?: Readonly<Record<string, string>>;
  }): Promise<Window> {
    this.#files += 1;
    const file = path.join(os.tmpdir(), `pulsegap-bench-${process.pid}-${this.#files}.txt`);
    // In slices: the lines of a long window together exceed the longest string V8 makes.
    const handle = await open(file, 'w');
    try {
      for (let start = 0; start < options.lines.length; start += 10_000) {
        const slice = options.lines.slice(start, start + 10_000).join('\n');
        await handle.write(start === 0 ? slice : `\n${slice}`);
      }
    } finally {
      await handle.close();
    }
    try {
      const job: LoadJob = {
        url: options.url,
        connections: options.connections ?? CONNECTIONS,
        seconds: options.seconds,
        kind: options.kind,
        headers: options.headers ?? {},
        pool: options.pool,
        file,
      };
      const before = cpuSnapshot(this.#child.pid);
      const result = await new Promise<LoadResult>((resolve, reject) => {
        this.#waiting = { resolve, reject };
        this.#child.send(job);
      });
      const cpu = cpuShare(before, cpuSnapshot(this.#child.pid));
      if (result.acknowledged.length !== result.ok) {
        throw new Error(`${result.ok} 2xx but ${result.acknowledged.length} acknowledged lines`);
      }
      return { ...result, perSecond: result.ok / result.duration, cpu };
    } finally {
      await rm(file, { force: true });
    }
  }

  close(): void {
    this.#child.kill();
  }
}

/** Throws unless every response of the window was a 2xx and nothing went wrong. */
export function assertClean(label: string, window: Window): void {
  const problems: string[] = [];
  if (window.non2xx > 0)
    problems.push(`${window.non2xx} non-2xx (${JSON.stringify(window.statusCodes)})`);
  if (window.errors > 0) problems.push(`${window.errors} connection errors`);
  if (window.timeouts > 0) problems.push(`${window.timeouts} timeouts`);
  if (window.exhausted) problems.push('the pool of prepared requests ran out');
  if (window.ok === 0) problems.push('no 2xx response at all');
  if (problems.length > 0) throw new Error(`${label}: ${problems.join('; ')}`);
}

export function describeWindow(label: string, window: Window): string {
  return (
    `${label}: ${Math.round(window.perSecond)}/s (${window.ok} × 2xx in ${window.duration} s), ` +
    `latency p50 ${window.p50} ms, p99 ${window.p99} ms, max ${window.max} ms; ${describeCpu(window.cpu)}`
  );
}

/** "0.94 / 0.55 / 0.00 / 0.10" for a table cell. */
export function cpuCell(cpu: CpuShare | null): string {
  if (cpu === null) return 'n/a';
  return [cpu.server, cpu.load, cpu.postgres, cpu.other].map((c) => c.toFixed(2)).join(' / ');
}

/** "CPU: server 0.9, load generator 0.4, PostgreSQL 0.7 cores" */
export function describeCpu(cpu: CpuShare | null): string {
  if (cpu === null) return 'CPU not sampled';
  return (
    `CPU: server ${cpu.server.toFixed(2)}, load generator ${cpu.load.toFixed(2)}, ` +
    `PostgreSQL ${cpu.postgres.toFixed(2)}, other ${cpu.other.toFixed(2)} cores`
  );
}

// ---------------------------------------------------------------------------------------
// Repetitions and memory

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) throw new Error('median of nothing');
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Resident memory of a process from /proc/<pid>/status, in MB (2^20 bytes); null where missing. */
export interface ProcessMemory {
  /** Resident now (VmRSS). */
  readonly rssMb: number;
  /** The highest resident size so far (VmHWM, the kernel's high-water mark). */
  readonly peakMb: number;
}

export function processMemory(pid: number): ProcessMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    const rss = kb('VmRSS');
    const peak = kb('VmHWM');
    return Number.isFinite(rss) && Number.isFinite(peak)
      ? { rssMb: rss / 1024, peakMb: peak / 1024 }
      : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------
// docs/PERFORMANCE.md

const DOC = path.join(ROOT, 'docs', 'PERFORMANCE.md');

const DOC_HEADER = `# Performance

Benchmarks of the hot paths of anonymous answering (\`intake\`, \`issuance\`) and of a run's
release (\`close\`, \`gaps-api\`). Each runs with \`npm run bench -- <name>\` and
rewrites its own section below with its latest run. They are not part of CI: numbers depend on the machine, and every figure
below states the one it was measured on. See \`bench/\` for the code.
`;

/** Replaces the section between `<!-- bench:name -->` and `<!-- /bench:name -->`, or appends it. */
export async function writeDocSection(name: string, body: string): Promise<void> {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  let text: string;
  try {
    text = await readFile(DOC, 'utf8');
  } catch {
    text = DOC_HEADER;
  }
  const section = `${open}\n\n${body.trim()}\n\n${close}`;
  const from = text.indexOf(open);
  const to = text.indexOf(close);
  text =
    from >= 0 && to > from
      ? text.slice(0, from) + section + text.slice(to + close.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  // Formatted as `npm run format` would, so the repository's format check stays green.
  const options = (await prettier.resolveConfig(DOC)) ?? {};
  await writeFile(DOC, await prettier.format(text, { ...options, filepath: DOC }));
}

/** The machine, as the doc states it. */
export function machine(scratch: ScratchDatabase): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const memory = Math.round(os.totalmem() / 2 ** 30);
  return (
    `${cpus.length} cores (${model}), ${memory} GiB RAM, ${os.type()} ${os.release()}, ` +
    `Node ${process.version}, ${scratch.postgres}`
  );
}

export function today(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A number for the doc: thousands separated, `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/**
 * The API as its own process from source (server mode, `apps/api/src/server.ts`) on `port`,
 * with `env` besides the database's address; resolves once `readyPath` answers 200.
 */
export async function startApiProcess(
  databaseUrl: string,
  port: number,
  env: Readonly<Record<string, string>> = {},
  readyPath = '/ready',
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=pulsegap-source', path.join(ROOT, 'apps/api/src/server.ts')],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        METRICS_PORT: 'off',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  for (let tries = 0; tries < 300; tries += 1) {
    const up = await fetch(`http://127.0.0.1:${String(port)}${readyPath}`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return child;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('the API did not start');
}
