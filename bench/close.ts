// `npm run bench -- close`: closing a run of 100,000 sealed responses × 20 questions (30
// teams) until its release is readable: the release-run job, timed end to end in a worker
// child process, against PostgreSQL alone storing the same rows (`INSERT … SELECT` into a
// table of the same shape) and running the bare GROUP BY histogram query over them, timed in
// the same run; and the worker's peak memory. See docs/PERFORMANCE.md.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import ts from 'typescript';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSealedResponse } from '@pulsegap/anonymity';
import { deriveKey } from '@pulsegap/config';
import {
  createPool,
  openDatabase,
  segmentHistograms,
  withTenant,
  type Database,
  type DatabaseHandle,
} from '@pulsegap/db';
import { COMMENT_MAX_LENGTH } from '@pulsegap/domain';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import type pg from 'pg';
import {
  createBenchDatabase,
  fmt,
  log,
  machine,
  machineBusyCores,
  median,
  processMemory,
  sampleCpu,
  today,
  writeDocSection,
  type CpuShare,
  type ScratchDatabase,
} from './harness.js';
import {
  applicationRole,
  checkRelease,
  createLargeRun,
  DEPARTMENTS,
  DIMENSIONS,
  PLAINTEXT_TABLE,
  PRIORITIES,
  QUESTIONS,
  RESPONSES,
  SUB_TEAMS,
  TEAMS,
  UNANSWERED,
  type LargeRun,
  type ReleaseCheck,
} from './large-run.js';
import { PARTS, type TracedPart, type WorkerReply, type WorkerRequest } from './close-worker.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The issue's targets. */
const TARGET_RATIO = 2.5;
const TARGET_RSS_MB = 300;
/** Sealed rows a page, as the job reads them (packages/jobs/src/release-run.ts). */
const READ_PAGE = 500;
/** Timed repetitions of each, after one untimed run of each; medians are reported. */
const REPETITIONS = 5;

/** The baseline's table: the shape of `responses` (columns, checks, indexes, keys, policy). */
const BARE_TABLE = 'bench_bare_responses';
/** The owner's copy of the run's sealed rows, from which each repetition starts again. */
const SEALED_COPY = 'bench_sealed_copy';

// ---------------------------------------------------------------------------------------
// The worker child (bench/close-worker.ts)

/**
 * bench/close-worker.ts as JavaScript, next to the packages it imports (so they resolve to
 * their built `dist/`): TypeScript's own transpiler, types stripped, nothing else changed.
 */
function compiledWorker(): string {
  const source = readFileSync(path.join(HERE, 'close-worker.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const target = path.join(HERE, '..', 'node_modules', '.cache', 'pulsegap-bench');
  mkdirSync(target, { recursive: true });
  const file = path.join(target, 'close-worker.mjs');
  writeFileSync(file, outputText);
  return file;
}

class CloseWorker {
  readonly #child: ChildProcess;
  #waiting: { resolve(r: WorkerReply): void; reject(e: Error): void } | null = null;

  constructor() {
    // The worker runs as JavaScript on the built packages, as `npm run worker` does: with
    // tsx loaded and the packages compiled in memory from their sources it would hold some
    // 70 MB more than the real worker.
    this.#child = fork(compiledWorker(), [], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (reply: WorkerReply) => {
      const waiting = this.#waiting;
      this.#waiting = null;
      if (reply.kind === 'error') waiting?.reject(new Error(`close worker: ${reply.error}`));
      else waiting?.resolve(reply);
    });
    this.#child.on('exit', (code) => {
      this.#waiting?.reject(new Error(`close worker exited with ${code}`));
      this.#waiting = null;
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  async ask<K extends WorkerReply['kind']>(
    request: WorkerRequest,
    expected: K,
  ): Promise<Extract<WorkerReply, { kind: K }>> {
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#child.send(request);
    });
    if (reply.kind !== expected) throw new Error(`worker answered ${reply.kind}, not ${expected}`);
    return reply as Extract<WorkerReply, { kind: K }>;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill();
  }
}

// ---------------------------------------------------------------------------------------
// The scratch tables (as the owner, untimed)

/**
 * The baseline's table, of the same shape as `responses`: its columns with their defaults
 * (a random id per row), checks and indexes (`like … including all`), its foreign keys
 * (copied from the catalogue), row-level security with the same tenant policy, and the
 * application role allowed to insert and read, as in `responses`.
 */
async function createBareTable(scratch: ScratchDatabase): Promise<void> {
  const owner = scratch.owner;
  const bare = sql.table(BARE_TABLE);
  await sql`create table ${bare} (like responses including all)`.execute(owner);
  const { rows: keys } = await sql<{ definition: string }>`
    select pg_get_constraintdef(oid) as definition from pg_constraint
     where conrelid = 'responses'::regclass and contype = 'f'
  `.execute(owner);
  if (keys.length === 0) throw new Error('responses has no foreign keys to copy');
  for (const key of keys) {
    await sql`alter table ${bare} add ${sql.raw(key.definition)}`.execute(owner);
  }
  await sql`alter table ${bare} enable row level security`.execute(owner);
  await sql`alter table ${bare} force row level security`.execute(owner);
  await sql`
    create policy tenant_isolation on ${bare}
      using (organization_id = app_current_organization())
      with check (organization_id = app_current_organization())
  `.execute(owner);
  await sql`grant select, insert on ${bare} to ${sql.id(await applicationRole(scratch))}`.execute(
    owner,
  );
}

/** The owner's copy of the run's sealed rows (no privilege for the application role). */
async function copySealedRows(scratch: ScratchDatabase, run: LargeRun): Promise<void> {
  const owner = scratch.owner;
  const copy = sql.table(SEALED_COPY);
  await sql`
    create table ${copy} (like sealed_responses including all) with (toast_tuple_target = 8160)
  `.execute(owner);
  await sql`insert into ${copy} select * from sealed_responses where run_id = ${run.runId}`.execute(
    owner,
  );
  await sql`vacuum analyze ${copy}`.execute(owner);
}

/**
 * Puts the run back as it was before its release: the release, its responses and
 * `released_at` deleted, the sealed rows inserted again from the copy (the run keeps the
 * `closed_at` it was closed with, which the release writes back unchanged), then vacuumed
 * and analyzed as autovacuum would have done while the run was open.
 */
async function restoreSealed(scratch: ScratchDatabase, run: LargeRun): Promise<void> {
  const owner = scratch.owner;
  await sql`delete from run_releases where run_id = ${run.runId}`.execute(owner);
  await sql`delete from responses where run_id = ${run.runId}`.execute(owner);
  await sql`update runs set released_at = null where id = ${run.runId}`.execute(owner);
  // The release emptied the run's partition and the sweep may have dropped it: made again
  // as the run's start makes it.
  await sql`select make_sealed_responses_partition(${run.runId})`.execute(owner);
  await sql`
    insert into sealed_responses select * from ${sql.table(SEALED_COPY)}
  `.execute(owner);
  for (const table of ['responses', 'sealed_responses', 'run_releases', 'runs']) {
    await sql`vacuum analyze ${sql.table(table)}`.execute(owner);
  }
}

/**
 * After each job: the release is readable (its row in `run_releases`, the run marked
 * released), every response is stored and no sealed row is left. Throws otherwise.
 */
async function assertReleased(scratch: ScratchDatabase, run: LargeRun): Promise<void> {
  const { rows } = await sql<{ released: boolean; responses: number; sealed: number }>`
    select exists (select 1 from run_releases where run_id = ${run.runId})
             and (select released_at is not null from runs where id = ${run.runId}) as released,
           (select count(*)::int from responses where run_id = ${run.runId}) as responses,
           (select count(*)::int from sealed_responses where run_id = ${run.runId}) as sealed
  `.execute(scratch.owner);
  const state = rows[0];
  if (state?.released !== true || state.responses !== run.responses || state.sealed !== 0) {
    throw new Error(`after the job: ${JSON.stringify(state)}`);
  }
}

/** Writes every dirty buffer out, so no timed run pays for the writes of the one before. */
async function checkpoint(scratch: ScratchDatabase): Promise<void> {
  await sql`checkpoint`.execute(scratch.owner);
}

/** The cluster's WAL position, for the bytes written between two readings. */
async function walPosition(scratch: ScratchDatabase): Promise<string> {
  const { rows } = await sql<{ lsn: string }>`
    select pg_current_wal_lsn()::text as lsn
  `.execute(scratch.owner);
  return rows[0]?.lsn ?? '0/0';
}

async function walMbSince(scratch: ScratchDatabase, from: string): Promise<number> {
  const { rows } = await sql<{ bytes: number }>`
    select pg_wal_lsn_diff(pg_current_wal_lsn(), ${from}::pg_lsn) as bytes
  `.execute(scratch.owner);
  return (rows[0]?.bytes ?? 0) / 2 ** 20;
}

// ---------------------------------------------------------------------------------------
// The baseline: PostgreSQL alone storing the rows and counting them

/**
 * The statement `segmentHistograms` sends, captured from Kysely's log while it runs once
 * in a tenant transaction (the baseline is exactly the job's query, whatever it becomes),
 * pointed at the baseline's table.
 */
async function histogramQuery(
  appDatabaseUrl: string,
  run: LargeRun,
): Promise<{ sql: string; parameters: readonly unknown[] }> {
  const captured: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: createPool(appDatabaseUrl, 1) }),
    log: (event) => {
      if (event.level === 'query') captured.push(event.query);
    },
  });
  try {
    await withTenant(db, run.organizationId, (trx) => segmentHistograms(trx, run.runId));
  } finally {
    await db.destroy();
  }
  const query = captured.find((q) => q.sql.includes('unnest('));
  if (query === undefined) throw new Error('segmentHistograms sent no unnest query');
  const table = /\bfrom\s+"?responses"?(?=[\s,]|$)/g;
  const matches = query.sql.match(table) ?? [];
  if (matches.length !== 1) {
    throw new Error(`the histogram query reads responses ${matches.length} times: ${query.sql}`);
  }
  return { sql: query.sql.replace(table, `from ${BARE_TABLE}`), parameters: query.parameters };
}

interface BaselineRun {
  /** From BEGIN to COMMIT done. */
  readonly ms: number;
  readonly insertMs: number;
  readonly groupByMs: number;
  readonly commitMs: number;
  readonly rows: number;
  readonly bins: number;
}

/**
 * One timed baseline on `client` (the application role), in a transaction scoped to the
 * organization as `withTenant` does it: `INSERT … SELECT` of the run's rows from the
 * plaintext copy into the baseline's table (a random id each, checks, foreign keys,
 * indexes, the policy's check), then the histogram query over the rows just inserted,
 * then COMMIT.
 */
async function timeBaseline(
  client: pg.PoolClient,
  query: { sql: string; parameters: readonly unknown[] },
  run: LargeRun,
): Promise<BaselineRun> {
  const start = performance.now();
  await client.query('begin');
  try {
    await client.query(`select set_config('app.organization_id', $1, true)`, [run.organizationId]);
    const inserting = performance.now();
    const inserted = await client.query(
      `insert into ${BARE_TABLE} (organization_id, run_id, segment_team_id, segment_tier,
                                  comment, answers)
       select organization_id, run_id, segment_team_id, segment_tier, comment, answers
         from ${PLAINTEXT_TABLE} where run_id = $1`,
      [run.runId],
    );
    const counting = performance.now();
    const histogram = await client.query(query.sql, [...query.parameters]);
    const committing = performance.now();
    await client.query('commit');
    const end = performance.now();
    if (inserted.rowCount !== run.responses) {
      throw new Error(`the baseline inserted ${inserted.rowCount} rows, not ${run.responses}`);
    }
    return {
      ms: end - start,
      insertMs: counting - inserting,
      groupByMs: committing - counting,
      commitMs: end - committing,
      rows: inserted.rowCount,
      bins: histogram.rowCount ?? 0,
    };
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

async function truncateBare(scratch: ScratchDatabase): Promise<void> {
  await sql`truncate ${sql.table(BARE_TABLE)}`.execute(scratch.owner);
}

// ---------------------------------------------------------------------------------------
// For scale: reading and opening the sealed rows alone

/**
 * The run's sealed rows read from the owner's copy with a cursor in pages of 500, as the
 * job reads them, and each opened with `openSealedResponse`: milliseconds of each, on one
 * connection in this process (the owner: no row-level security), after the timed runs.
 */
async function readAndOpen(
  scratch: ScratchDatabase,
  run: LargeRun,
): Promise<{ readMs: number; openMs: number; opened: number; comments: number }> {
  const key = deriveKey(scratch.config, 'response-sealing');
  const shape = { questionCount: QUESTIONS, commentUnits: COMMENT_MAX_LENGTH };
  let readMs = 0;
  let openMs = 0;
  let opened = 0;
  let comments = 0;
  await scratch.owner.transaction().execute(async (trx) => {
    await sql`
      declare copy_page no scroll cursor for
        select sealed from ${sql.table(SEALED_COPY)} where run_id = ${run.runId}
    `.execute(trx);
    for (;;) {
      const reading = performance.now();
      const { rows } = await sql<{ sealed: Buffer }>`
        fetch forward ${sql.lit(READ_PAGE)} from copy_page
      `.execute(trx);
      const opening = performance.now();
      readMs += opening - reading;
      for (const row of rows) {
        if (openSealedResponse(row.sealed, shape, key, run.runId).comment !== null) comments += 1;
      }
      openMs += performance.now() - opening;
      opened += rows.length;
      if (rows.length < READ_PAGE) break;
    }
  });
  return { readMs, openMs, opened, comments };
}

// ---------------------------------------------------------------------------------------

/**
 * CPU of timed executions in core-seconds, by process: the client (this process for the
 * baseline, the worker child for the job), PostgreSQL, everything else.
 */
interface CpuSeconds {
  readonly client: number;
  readonly postgres: number;
  readonly other: number;
}

const NO_CPU: CpuSeconds = { client: 0, postgres: 0, other: 0 };

function addCpu(
  total: CpuSeconds,
  cpu: CpuShare | null,
  ms: number,
  client: 'this process' | 'worker',
): CpuSeconds {
  if (cpu === null) return total;
  const s = ms / 1000;
  return {
    client: total.client + (client === 'worker' ? cpu.load : cpu.server) * s,
    postgres: total.postgres + cpu.postgres * s,
    other: total.other + cpu.other * s,
  };
}

function perRun(total: CpuSeconds, runs: number): CpuSeconds {
  return {
    client: total.client / runs,
    postgres: total.postgres / runs,
    other: total.other / runs,
  };
}

async function main(): Promise<void> {
  // The worker runs the built packages: bring the build up to date (incremental).
  execFileSync(process.execPath, [path.join(HERE, '../node_modules/typescript/bin/tsc'), '-b'], {
    cwd: path.join(HERE, '..'),
    stdio: 'inherit',
  });
  const scratch = await createBenchDatabase();
  log(`scratch database ${scratch.name} migrated`);
  const handles: DatabaseHandle[] = [];
  const pools: pg.Pool[] = [];
  const worker = new CloseWorker();
  try {
    const handle = await openDatabase(scratch.config);
    handles.push(handle);
    const run = await createLargeRun(scratch, handle.db);
    const { appDatabaseUrl, databaseUrl } = scratch.config;
    if (appDatabaseUrl === null || databaseUrl === null) throw new Error('no database URLs');
    await createBareTable(scratch);
    await copySealedRows(scratch, run);

    const ready = await worker.ask(
      { kind: 'open', databaseUrl, organizationId: run.organizationId, runId: run.runId },
      'ready',
    );
    log(`worker ready: RSS ${ready.rssMb.toFixed(0)} MB before any release`);

    // How busy the machine is without us (it is shared): nothing of ours runs meanwhile.
    const idle = await machineBusyCores(2);
    log(`machine busy without the benchmark: ${idle?.toFixed(2) ?? 'n/a'} cores`);

    const query = await histogramQuery(appDatabaseUrl, run);
    const appPool = createPool(appDatabaseUrl, 1);
    pools.push(appPool);
    const app = await appPool.connect();
    try {
      // One untimed run of each: the rows in shared buffers (or the OS cache), the
      // worker's modules and statements warm.
      await checkpoint(scratch);
      const warm = await timeBaseline(app, query, run);
      await truncateBare(scratch);
      await checkpoint(scratch);
      const first = await worker.ask({ kind: 'release' }, 'released');
      await assertReleased(scratch, run);
      await restoreSealed(scratch, run);
      log(
        `untimed: baseline ${fmt(warm.ms)} ms (${warm.rows} rows, ${warm.bins} histogram ` +
          `bins), release ${fmt(first.ms)} ms`,
      );

      // Alternated, so that whatever else the machine does weighs on both alike. Before
      // each timed run a checkpoint: the sealed rows were written long before a real
      // close, so neither side pays for writing out the pages of the restore.
      const baseline: BaselineRun[] = [];
      const job: number[] = [];
      const baselineWal: number[] = [];
      const jobWal: number[] = [];
      let baselineCpu = NO_CPU;
      let jobCpu = NO_CPU;
      let sampledRssMb = 0;
      let peakRssMb = ready.peakRssMb;
      for (let i = 0; i < REPETITIONS; i += 1) {
        await checkpoint(scratch);
        let wal = await walPosition(scratch);
        let end = sampleCpu(worker.pid);
        const bare = await timeBaseline(app, query, run);
        baselineCpu = addCpu(baselineCpu, end(), bare.ms, 'this process');
        baselineWal.push(await walMbSince(scratch, wal));
        baseline.push(bare);
        await truncateBare(scratch);

        await checkpoint(scratch);
        const pid = worker.pid;
        const poll = setInterval(() => {
          const memory = pid === undefined ? null : processMemory(pid);
          if (memory !== null) sampledRssMb = Math.max(sampledRssMb, memory.rssMb);
        }, 20);
        wal = await walPosition(scratch);
        end = sampleCpu(worker.pid);
        const done = await worker.ask({ kind: 'release' }, 'released').finally(() => {
          clearInterval(poll);
        });
        jobCpu = addCpu(jobCpu, end(), done.ms, 'worker');
        jobWal.push(await walMbSince(scratch, wal));
        job.push(done.ms);
        peakRssMb = done.peakRssMb;
        await assertReleased(scratch, run);
        log(
          `#${i + 1}: baseline ${fmt(bare.ms)} ms (insert ${fmt(bare.insertMs)}, GROUP BY ` +
            `${fmt(bare.groupByMs)}, commit ${fmt(bare.commitMs)}), release ${fmt(done.ms)} ms, ` +
            `worker peak RSS ${done.peakRssMb.toFixed(0)} MB`,
        );
        await restoreSealed(scratch, run);
      }
      const kernelPeak = worker.pid === undefined ? null : processMemory(worker.pid);

      await checkpoint(scratch);
      const traced = await worker.ask({ kind: 'trace' }, 'traced');
      await assertReleased(scratch, run);
      log(
        `traced release ${fmt(traced.ms)} ms: ` +
          traced.parts.map((p) => `${p.part} ${fmt(p.ms)} ms`).join(', '),
      );
      const check = await checkRelease(scratch, run);
      log(
        `checked: ${check.cells} cells for ${check.teams} teams and the organization; ` +
          `${check.organizationCellsMatching} organization cells' n match a direct count; ` +
          `${check.responses} responses stored, ${check.sealedLeft} sealed rows left`,
      );
      const closed = await worker.ask({ kind: 'close' }, 'closed');
      const alone = await readAndOpen(scratch, run);
      if (alone.opened !== run.responses || alone.comments !== run.comments) {
        throw new Error(`opened ${alone.opened} sealed rows, ${alone.comments} with a comment`);
      }
      log(
        `for scale: reading the sealed rows ${fmt(alone.readMs)} ms, opening them ` +
          `${fmt(alone.openMs)} ms`,
      );

      const bareMs = median(baseline.map((b) => b.ms));
      const jobMs = median(job);
      const ratio = jobMs / bareMs;
      const finalLine =
        `close: seconds=${(jobMs / 1000).toFixed(2)} ratio_vs_bare=${ratio.toFixed(2)} ` +
        `rss_mb=${Math.round(peakRssMb)}`;
      await writeDocSection(
        'close',
        report({
          machine: machine(scratch),
          run,
          check,
          baseline,
          job,
          baselineWal,
          jobWal,
          baselineCpu: perRun(baselineCpu, REPETITIONS),
          jobCpu: perRun(jobCpu, REPETITIONS),
          traced,
          alone,
          idle,
          memory: {
            start: ready.rssMb,
            peak: peakRssMb,
            kernelPeak: kernelPeak?.peakMb ?? null,
            sampled: sampledRssMb,
            afterTrace: closed.peakRssMb,
          },
          finalLine,
        }),
      );
      process.stdout.write(`${finalLine}\n`);
    } finally {
      app.release();
    }
  } finally {
    worker.kill();
    for (const pool of pools) await pool.end();
    for (const handle of handles) await handle.close();
    await scratch.drop();
  }
}

function report(r: {
  machine: string;
  run: LargeRun;
  check: ReleaseCheck;
  baseline: BaselineRun[];
  job: number[];
  baselineWal: number[];
  jobWal: number[];
  baselineCpu: CpuSeconds;
  jobCpu: CpuSeconds;
  traced: { ms: number; parts: TracedPart[] };
  alone: { readMs: number; openMs: number; opened: number };
  idle: number | null;
  memory: {
    start: number;
    peak: number;
    kernelPeak: number | null;
    sampled: number;
    afterTrace: number;
  };
  finalLine: string;
}): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const range = (values: number[]) => `${s(Math.min(...values))}–${s(Math.max(...values))}`;
  const cpu = (c: CpuSeconds) =>
    `${c.client.toFixed(2)} / ${c.postgres.toFixed(2)} / ${c.other.toFixed(2)}`;
  const total = r.baseline.map((b) => b.ms);
  const bareMs = median(total);
  const jobMs = median(r.job);
  const ratio = jobMs / bareMs;
  const part = (pick: (b: BaselineRun) => number) => {
    const values = r.baseline.map(pick);
    return `${s(median(values))} | ${range(values)}`;
  };
  const share = (ms: number) => `${fmt((100 * ms) / r.traced.ms)} %`;
  const inStatements = r.traced.parts.reduce((sum, p) => sum + p.ms, 0);
  const order: string[] = Object.values(PARTS);
  const parts = [...r.traced.parts]
    .sort((x, y) => order.indexOf(x.part) - order.indexOf(y.part))
    .map((p) => `| ${p.part} | ${p.statements} | ${fmt(p.ms)} | ${share(p.ms)} |`);
  const outside = r.traced.ms - inStatements;
  const opening = Math.min(outside, r.alone.openMs);
  const verdict = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');
  return `
## Close: releasing a run of 100,000 sealed responses

Latest run: ${today()}, on ${r.machine}. ${REPETITIONS} timed runs of each, alternated,
after one untimed run of each; medians. A checkpoint before every timed run.

| Measured | median s | range s | CPU core-seconds per run: client / PostgreSQL / other | WAL written, MB (median) |
| --- | --: | --: | --: | --: |
| bare: \`INSERT … SELECT\` of the rows and the GROUP BY (app role, one tenant transaction) | ${s(bareMs)} | ${range(total)} | ${cpu(r.baselineCpu)} | ${fmt(median(r.baselineWal))} |
| of which \`INSERT … SELECT\` | ${part((b) => b.insertMs)} | | |
| of which the GROUP BY histogram query | ${part((b) => b.groupByMs)} | | |
| of which COMMIT | ${part((b) => b.commitMs)} | | |
| release-run job, end to end (worker child process) | ${s(jobMs)} | ${range(r.job)} | ${cpu(r.jobCpu)} | ${fmt(median(r.jobWal))} |

| Target (from the issue) | Measured | Result |
| --- | --: | --- |
| close ≤ ${TARGET_RATIO} × bare | ${ratio.toFixed(2)} × | ${verdict(ratio <= TARGET_RATIO)} |
| worker memory < ${TARGET_RSS_MB} MB | ${fmt(r.memory.peak)} MB | ${verdict(r.memory.peak < TARGET_RSS_MB)} |

Output: \`${r.finalLine}\`

Where the job's time goes, from one more run on a connection that logs each statement's
duration (${s(r.traced.ms)} s in all; a statement's time is its round trip, PostgreSQL's work
and the decoding of its rows by the driver):

| Part of the job | statements | ms | share |
| --- | --: | --: | --: |
${parts.join('\n')}
| not in a statement: opening the sealed responses (\`openSealedResponse\`, as measured apart below) | | ${fmt(opening)} | ${share(opening)} |
| not in a statement: the rest (merging segments, shuffling, computing the release, building the inserts, Kysely) | | ${fmt(outside - opening)} | ${share(outside - opening)} |

- For scale, measured apart after the timed runs in the benchmark's process (the owner, one
  connection): reading the ${fmt(r.alone.opened)} sealed rows from the owner's copy in pages
  of ${READ_PAGE} with a cursor took ${fmt(r.alone.readMs)} ms; opening them all with
  \`openSealedResponse\` ${fmt(r.alone.openMs)} ms. Each sealed response is
  ${fmt(r.run.sealedLength)} bytes, whatever it holds (${QUESTIONS} answers and room for a
  comment of ${fmt(COMMENT_MAX_LENGTH)} UTF-16 code units); \`sealed_responses\` took
  ${fmt(r.run.sealedTableMb)} MB on disk for the run. WAL written is the whole cluster's
  during each timed run (\`pg_current_wal_lsn\`), so it includes anything else that ran.
- Worker memory: ${fmt(r.memory.start)} MB resident after loading the job's modules and opening
  the database, before any release; peak ${fmt(r.memory.peak)} MB after the ${REPETITIONS + 1}
  releases (\`process.resourceUsage().maxRSS\`, reported by the worker; this is rss_mb).
  Checked from outside: VmHWM ${r.memory.kernelPeak === null ? 'n/a' : `${fmt(r.memory.kernelPeak)} MB`}
  in /proc/<pid>/status, and ${fmt(r.memory.sampled)} MB the highest VmRSS sampled every 20 ms
  during the timed releases. (After the traced run, on a second pool: ${fmt(r.memory.afterTrace)} MB.)
- Checked after every run: the release is readable (its row in \`run_releases\`, the run's
  \`released_at\` set), all ${fmt(r.check.responses)} responses are in \`responses\` and no sealed
  row is left. After the last, against counts made without \`unnest\`: the release document
  (read back with \`parseRelease\`) has ${fmt(r.check.cells)} cells (${QUESTIONS} questions ×
  (${r.check.teams} teams + the organization)); the n of each tier in all
  ${r.check.organizationCellsMatching} organization cells equals the responses of that tier that
  answered the question; the first department's cell of the first question counts the
  frontline of the department and its ${SUB_TEAMS} sub-teams against the whole organization's
  leadership. Every sealed row of the copy opened, ${fmt(r.run.comments)} of them with a comment.

**What is measured.** The release-run job as the worker runs it (\`runJob\` with
\`createJobContext\`, the app role, row-level security), on a closed run whose responses are
all sealed: locking the run, reading and opening every sealed response, merging small
segments, shuffling, storing them in \`responses\`, emptying the run's sealed partition, computing the
release (histograms, pair counts, respondents, comments, participation, every cell's
statistics and suppression, the brief) and storing it, in one transaction. It is timed end
to end in the worker process, from asking to committed; after each run the benchmark checks
that the release is readable. The baseline is what PostgreSQL alone needs for the same rows:
as the app role, in a transaction scoped to the organization, \`INSERT … SELECT\` of the
same ${fmt(RESPONSES)} rows, in plaintext, into a table of the shape of \`responses\`
(\`like responses including all\`, its foreign keys and its tenant policy), then the
statement \`segmentHistograms\` sends (captured from Kysely's log, pointed at that table)
over them, then COMMIT. ratio_vs_bare divides the medians.

**How.**

- Data, through the API in-process (\`inject\`): signup, a roster of ${fmt(r.run.invited)} people
  in ${TEAMS} teams (${DEPARTMENTS} departments, each a team with ${SUB_TEAMS} teams under it,
  imported as JSON with \`parentTeam\`), ${PRIORITIES} priorities, a pulse of ${PRIORITIES} × ${DIMENSIONS.length} = ${QUESTIONS}
  questions (${DIMENSIONS.join(', ')}) with the open question, and its run started, which invites
  everyone under the segment the run assigns (teams under k merged upward) and makes every
  segment's key. Then, as the database owner: in one statement, ${fmt(r.run.responses)} of those
  invitations drawn at random get their token marked collected and a plaintext response in
  their segment, kept in a scratch table shaped like \`responses\`: ${QUESTIONS} answers each
  (1–5, ${UNANSWERED * 100} % left unanswered; ${fmt(r.run.answers)} answers in all), leaders
  answering higher on average, a comment on one in twenty (${fmt(r.run.comments)}). Each is
  sealed with the real \`sealResponse\` under \`deriveKey(config, 'response-sealing')\` in the
  run's shape and stored in \`sealed_responses\` with a random 32-byte token hash and its
  segment, ${fmt(1000)} rows an INSERT; then the run is closed (\`closed_at\`) and the tables
  vacuumed and analyzed. ${fmt(r.run.leadershipShare * 100, 1)} % of the responses are from
  leaders; they fall in ${r.run.segments} token segments, ${fmt(r.run.organizationSegmentResponses)}
  in the organization's own (merged) segment. Setup took ${fmt(r.run.seconds.api)} s through the
  API, ${fmt(r.run.seconds.plaintext)} s for the plaintext responses and
  ${fmt(r.run.seconds.sealing)} s to seal and store them.
- Between runs, untimed: the baseline's table is truncated; after the job, the release, the
  run's responses and \`released_at\` are deleted and the sealed rows inserted again from an
  owner-only copy, then the tables vacuumed and analyzed.
- The job runs in a **child process**: bench/close-worker.ts transpiled to JavaScript and
  run by plain \`node\` on the built packages, as \`npm run worker\` runs (the benchmark
  brings the build up to date with \`tsc -b\` first). It loads what the real worker loads,
  opens the database with \`openDatabase\` (pool of 10) and reports its wall time and peak
  RSS per run.
- CPU is sampled from /proc over each timed run, in core-seconds per run: the client (the
  benchmark's process, which sends the baseline's statements; the worker process, for the
  job), all PostgreSQL processes, and everything else on the machine. Before the runs, with
  nothing of the benchmark running, the machine was busy ${r.idle === null ? 'n/a' : r.idle.toFixed(2)}
  cores (of ${os.cpus().length}) with other work.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `close benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
