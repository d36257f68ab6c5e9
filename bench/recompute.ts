// `npm run bench -- recompute`: the recompute-run job on a run of 100,000 responses × 20
// questions (2 million answers, 30 teams), timed end to end in a worker child process,
// against the bare GROUP BY histogram query it is built on, timed in the same run; and the
// worker's peak memory. See docs/PERFORMANCE.md.
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createPool,
  openDatabase,
  segmentHistograms,
  withTenant,
  type Database,
  type DatabaseHandle,
} from '@pulsegap/db';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
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
} from './harness.js';
import {
  checkCells,
  createLargeRun,
  DEPARTMENTS,
  DIMENSIONS,
  PRIORITIES,
  QUESTIONS,
  SUB_TEAMS,
  TEAMS,
  UNANSWERED,
  type CellCheck,
  type LargeRun,
} from './large-run.js';
import type { TracedPart, WorkerReply, WorkerRequest } from './recompute-worker.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The issue's targets. */
const TARGET_RATIO = 2;
const TARGET_RSS_MB = 300;
/** Timed repetitions of each, after one untimed run of each; medians are reported. */
const REPETITIONS = 5;

// ---------------------------------------------------------------------------------------
// The worker child (bench/recompute-worker.ts)

class RecomputeWorker {
  readonly #child: ChildProcess;
  #waiting: { resolve(r: WorkerReply): void; reject(e: Error): void } | null = null;

  constructor() {
    this.#child = fork(path.join(HERE, 'recompute-worker.ts'), [], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (reply: WorkerReply) => {
      const waiting = this.#waiting;
      this.#waiting = null;
      if (reply.kind === 'error') waiting?.reject(new Error(`recompute worker: ${reply.error}`));
      else waiting?.resolve(reply);
    });
    this.#child.on('exit', (code) => {
      this.#waiting?.reject(new Error(`recompute worker exited with ${code}`));
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
// The baseline: the job's own GROUP BY, alone

/**
 * The statement `segmentHistograms` sends, captured from Kysely's log while it runs once
 * in a tenant transaction: the baseline is exactly the job's query, whatever it becomes.
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
  return { sql: query.sql, parameters: query.parameters };
}

/** One timed execution of the histogram query on `client`; milliseconds and rows. */
async function timeHistogramQuery(
  client: pg.PoolClient,
  query: { sql: string; parameters: readonly unknown[] },
  organizationId: string | null,
): Promise<{ ms: number; rows: number }> {
  await client.query('begin');
  try {
    // As `withTenant` does it; the owner (a superuser) is not subject to row-level security.
    if (organizationId !== null) {
      await client.query(`select set_config('app.organization_id', $1, true)`, [organizationId]);
    }
    const start = performance.now();
    const result = await client.query(query.sql, [...query.parameters]);
    const ms = performance.now() - start;
    return { ms, rows: result.rowCount ?? 0 };
  } finally {
    await client.query('commit');
  }
}

/** PostgreSQL's own account of one execution: its execution time and parallel workers. */
async function explainHistogramQuery(
  client: pg.PoolClient,
  query: { sql: string; parameters: readonly unknown[] },
  organizationId: string | null,
): Promise<{ executionMs: number; workers: number }> {
  await client.query('begin');
  try {
    if (organizationId !== null) {
      await client.query(`select set_config('app.organization_id', $1, true)`, [organizationId]);
    }
    const result = await client.query<{ 'QUERY PLAN': unknown }>(
      `explain (analyze, format json) ${query.sql}`,
      [...query.parameters],
    );
    const plan = JSON.stringify(result.rows[0]?.['QUERY PLAN'] ?? []);
    const executionMs = Number(/"Execution Time":\s*([\d.]+)/.exec(plan)?.[1] ?? NaN);
    const workers = [...plan.matchAll(/"Workers Launched":\s*(\d+)/g)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    return { executionMs, workers };
  } finally {
    await client.query('commit');
  }
}

// ---------------------------------------------------------------------------------------

/**
 * CPU of timed executions in core-seconds, by process: the client (this process for the
 * query alone, the worker child for the job), PostgreSQL, everything else.
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
  const scratch = await createBenchDatabase();
  log(`scratch database ${scratch.name} migrated`);
  const handles: DatabaseHandle[] = [];
  const pools: pg.Pool[] = [];
  const worker = new RecomputeWorker();
  try {
    const handle = await openDatabase(scratch.config);
    handles.push(handle);
    const run = await createLargeRun(scratch, handle.db);
    const { appDatabaseUrl, databaseUrl } = scratch.config;
    if (appDatabaseUrl === null || databaseUrl === null) throw new Error('no database URLs');

    const ready = await worker.ask(
      {
        kind: 'open',
        databaseUrl,
        organizationId: run.organizationId,
        runId: run.runId,
      },
      'ready',
    );
    log(`worker ready: RSS ${ready.rssMb.toFixed(0)} MB before any recompute`);

    // How busy the machine is without us (it is shared): nothing of ours runs meanwhile.
    const idle = await machineBusyCores(2);
    log(`machine busy without the benchmark: ${idle?.toFixed(2) ?? 'n/a'} cores`);

    const query = await histogramQuery(appDatabaseUrl, run);
    const appPool = createPool(appDatabaseUrl, 1);
    const ownerPool = createPool(databaseUrl, 1);
    pools.push(appPool, ownerPool);
    const app = await appPool.connect();
    const owner = await ownerPool.connect();
    try {
      // One untimed run of each: the responses in shared buffers (or the OS cache), the
      // worker's modules and statements warm.
      const warm = await timeHistogramQuery(app, query, run.organizationId);
      const first = await worker.ask({ kind: 'recompute' }, 'recomputed');
      log(
        `untimed: GROUP BY ${fmt(warm.ms)} ms (${warm.rows} histogram bins), ` +
          `recompute ${fmt(first.ms)} ms`,
      );

      // Alternated, so that whatever else the machine does weighs on both alike.
      const groupBy: number[] = [];
      const recompute: number[] = [];
      let groupByCpu = NO_CPU;
      let recomputeCpu = NO_CPU;
      let sampledRssMb = 0;
      let peakRssMb = ready.peakRssMb;
      for (let i = 0; i < REPETITIONS; i += 1) {
        let end = sampleCpu(worker.pid);
        const baseline = await timeHistogramQuery(app, query, run.organizationId);
        groupBy.push(baseline.ms);
        groupByCpu = addCpu(groupByCpu, end(), baseline.ms, 'this process');

        const pid = worker.pid;
        const poll = setInterval(() => {
          const memory = pid === undefined ? null : processMemory(pid);
          if (memory !== null) sampledRssMb = Math.max(sampledRssMb, memory.rssMb);
        }, 20);
        end = sampleCpu(worker.pid);
        const done = await worker.ask({ kind: 'recompute' }, 'recomputed').finally(() => {
          clearInterval(poll);
        });
        recomputeCpu = addCpu(recomputeCpu, end(), done.ms, 'worker');
        recompute.push(done.ms);
        peakRssMb = done.peakRssMb;
        log(
          `#${i + 1}: GROUP BY ${fmt(baseline.ms)} ms, recompute ${fmt(done.ms)} ms, ` +
            `worker peak RSS ${done.peakRssMb.toFixed(0)} MB`,
        );
      }
      const kernelPeak = worker.pid === undefined ? null : processMemory(worker.pid);

      const ownerTimes: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        ownerTimes.push((await timeHistogramQuery(owner, query, null)).ms);
      }
      const explainedApp = await explainHistogramQuery(app, query, run.organizationId);
      const explainedOwner = await explainHistogramQuery(owner, query, null);
      log(
        `GROUP BY as the owner (no row-level security): ${fmt(median(ownerTimes))} ms; ` +
          `EXPLAIN ANALYZE: app role ${fmt(explainedApp.executionMs)} ms with ` +
          `${explainedApp.workers} parallel workers, owner ${fmt(explainedOwner.executionMs)} ms ` +
          `with ${explainedOwner.workers}`,
      );

      const traced = await worker.ask({ kind: 'trace' }, 'traced');
      log(
        `traced recompute ${fmt(traced.ms)} ms: ` +
          traced.parts.map((p) => `${p.part} ${fmt(p.ms)} ms`).join(', '),
      );

      const check = await checkCells(scratch, run);
      log(
        `checked: ${check.cells} cells for ${check.teams} teams and the organization; ` +
          `${check.organizationCellsMatching} organization cells' n match a direct count`,
      );
      const closed = await worker.ask({ kind: 'close' }, 'closed');

      const groupByMs = median(groupBy);
      const recomputeMs = median(recompute);
      const ratio = recomputeMs / groupByMs;
      const finalLine =
        `recompute: seconds=${(recomputeMs / 1000).toFixed(2)} ` +
        `ratio_vs_groupby=${ratio.toFixed(2)} rss_mb=${Math.round(peakRssMb)}`;
      await writeDocSection(
        'recompute',
        report({
          machine: machine(scratch),
          run,
          check,
          groupBy,
          recompute,
          ownerTimes,
          explainedApp,
          explainedOwner,
          groupByCpu: perRun(groupByCpu, REPETITIONS),
          recomputeCpu: perRun(recomputeCpu, REPETITIONS),
          traced,
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
      owner.release();
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
  check: CellCheck;
  groupBy: number[];
  recompute: number[];
  ownerTimes: number[];
  explainedApp: { executionMs: number; workers: number };
  explainedOwner: { executionMs: number; workers: number };
  groupByCpu: CpuSeconds;
  recomputeCpu: CpuSeconds;
  traced: { ms: number; parts: TracedPart[] };
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
  const groupByMs = median(r.groupBy);
  const recomputeMs = median(r.recompute);
  const ratio = recomputeMs / groupByMs;
  const ownerMs = median(r.ownerTimes);
  const inStatements = r.traced.parts.reduce((sum, p) => sum + p.ms, 0);
  const parts = [...r.traced.parts]
    .sort((x, y) => y.ms - x.ms)
    .map(
      (p) =>
        `| ${p.part} | ${p.statements} | ${fmt(p.ms)} | ${fmt((100 * p.ms) / r.traced.ms)} % |`,
    );
  const outside = r.traced.ms - inStatements;
  const verdict = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');
  return `
## Recompute: the recompute-run job on 100,000 responses

Latest run: ${today()}, on ${r.machine}. ${REPETITIONS} timed runs of each, alternated,
after one untimed run of each; medians.

| Measured | median s | range s | CPU core-seconds per run: client / PostgreSQL / other |
| --- | --: | --: | --: |
| GROUP BY histogram query alone (app role, tenant transaction) | ${s(groupByMs)} | ${range(r.groupBy)} | ${cpu(r.groupByCpu)} |
| recompute-run job, end to end (worker child process) | ${s(recomputeMs)} | ${range(r.recompute)} | ${cpu(r.recomputeCpu)} |
| for scale: the same GROUP BY as the owner (no row-level security), 3 runs | ${s(ownerMs)} | ${range(r.ownerTimes)} | |

| Target (from the issue) | Measured | Result |
| --- | --: | --- |
| recompute ≤ ${TARGET_RATIO} × the GROUP BY | ${ratio.toFixed(2)} × | ${verdict(ratio <= TARGET_RATIO)} |
| worker memory < ${TARGET_RSS_MB} MB | ${fmt(r.memory.peak)} MB | ${verdict(r.memory.peak < TARGET_RSS_MB)} |
| for scale: recompute ÷ the owner's GROUP BY (no row-level security) | ${(recomputeMs / ownerMs).toFixed(2)} × | |

Output: \`${r.finalLine}\`

Where the job's time goes, from one more run on a connection that logs each statement's
duration (${s(r.traced.ms)} s in all; a statement's time is its round trip, PostgreSQL's work
and the decoding of its rows):

| Part of the job | statements | ms | share |
| --- | --: | --: | --: |
${parts.join('\n')}
| not in a statement: computing the figures (JavaScript), serializing the cells, Kysely | | ${fmt(outside)} | ${fmt((100 * outside) / r.traced.ms)} % |

- PostgreSQL's own account (\`EXPLAIN ANALYZE\`, whose per-row timing adds its own overhead)
  of the GROUP BY: ${fmt(r.explainedApp.executionMs)} ms as the app role with
  ${r.explainedApp.workers} parallel workers launched; ${fmt(r.explainedOwner.executionMs)} ms as
  the owner with ${r.explainedOwner.workers}.
- Worker memory: ${fmt(r.memory.start)} MB resident after loading the job's modules and opening
  the database, before any recompute; peak ${fmt(r.memory.peak)} MB after the ${REPETITIONS + 1}
  recomputes (\`process.resourceUsage().maxRSS\`, reported by the worker; this is rss_mb).
  Checked from outside: VmHWM ${r.memory.kernelPeak === null ? 'n/a' : `${fmt(r.memory.kernelPeak)} MB`}
  in /proc/<pid>/status, and ${fmt(r.memory.sampled)} MB the highest VmRSS sampled every 20 ms
  during the timed recomputes. (After the traced run, on a second pool: ${fmt(r.memory.afterTrace)} MB.)
- Checked after the runs, against counts made without \`unnest\`: ${fmt(r.check.cells)} cells
  (${QUESTIONS} questions × (${r.check.teams} teams + the organization)); the n of each tier
  in all ${r.check.organizationCellsMatching} organization cells equals the responses of that tier
  that answered the question; the first department's cell of the first question counts the
  frontline of the department and its ${SUB_TEAMS} sub-teams against the whole organization's
  leadership.

**What is measured.** The recompute-run job as the worker runs it (\`runJob\` with
\`createJobContext\`, the app role, row-level security): reading the run's histograms and pair
counts, computing every cell's statistics and suppression, and replacing the run's cells and
summary in one transaction. It is timed end to end in the worker process, from asking to
done. The baseline is the job's own GROUP BY histogram statement alone, as the statement
\`segmentHistograms\` sends (captured from Kysely's log, so it is the same text and parameter),
sent with pg on one connection as the app role inside a transaction scoped to the
organization, exactly as the job runs it. ratio_vs_groupby divides the medians.

**How.**

- Data, through the API in-process (\`inject\`): signup, a roster of ${fmt(r.run.invited)} people
  in ${TEAMS} teams (${DEPARTMENTS} departments, each a team with ${SUB_TEAMS} teams under it,
  imported as JSON with \`parentTeam\`), ${PRIORITIES} priorities, a pulse of ${PRIORITIES} × ${DIMENSIONS.length} = ${QUESTIONS}
  questions (${DIMENSIONS.join(', ')}) and its run started, which invites everyone under the
  segment the run assigns (teams under k merged upward). Then, in one statement as the database
  owner, ${fmt(r.run.responses)} of those invitations drawn at random get their token marked
  collected and a response in their segment: ${QUESTIONS} answers each (1–5, ${UNANSWERED * 100} %
  left unanswered; ${fmt(r.run.answers)} answers in all), leaders answering higher on average, a
  comment on one in twenty. ${fmt(r.run.leadershipShare * 100, 1)} % of the responses are from
  leaders; they fall in ${r.run.segments} segments, ${fmt(r.run.organizationSegmentResponses)}
  responses in the organization's own (merged) segment. \`VACUUM ANALYZE\` after loading.
  Setup took ${fmt(r.run.seconds.api)} s through the API and ${fmt(r.run.seconds.load)} s for the responses.
- The job runs in a **child process** (bench/recompute-worker.ts, started with the same
  \`--import tsx\` flags, so its modules are compiled in memory where the real worker loads
  built JavaScript), which loads what the real worker loads and opens the database with
  \`openDatabase\` (pool of 10). It reports its wall time and peak RSS per run.
- CPU is sampled from /proc over each timed run, in core-seconds per run: the client (the
  benchmark's process, which sends the query alone; the worker process, for the job), all
  PostgreSQL processes, and everything else on the machine. Before the runs, with nothing of
  the benchmark running, the machine was busy ${r.idle === null ? 'n/a' : r.idle.toFixed(2)}
  cores (of ${os.cpus().length}) with other work.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `recompute benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
