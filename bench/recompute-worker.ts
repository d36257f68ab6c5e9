// The worker side of `npm run bench -- recompute`: a child process of its own (forked by
// recompute.ts with the benchmark's own `--import tsx` flags), so that its memory is the
// job's and nothing else's. It loads what the real worker loads (@pulsegap/jobs, with
// BullMQ), opens the database as the application role and runs the recompute-run job
// through `runJob` each time it is asked, reporting its wall time and the process's peak
// RSS. What to open comes in the first message, not on the command line.
import { loadConfig, type Config } from '@pulsegap/config';
import {
  assertApplicationRole,
  createPool,
  openDatabase,
  type Database,
  type DatabaseHandle,
} from '@pulsegap/db';
import { createJobContext, recomputeRunRequest, runJob, type JobContext } from '@pulsegap/jobs';
import { Kysely, PostgresDialect } from 'kysely';

/** What the benchmark asks. */
export type WorkerRequest =
  /** Open the database (the owner's URL, as the benchmark's configuration has it). */
  | {
      readonly kind: 'open';
      readonly databaseUrl: string;
      readonly organizationId: string;
      readonly runId: string;
    }
  /** Run the job once, timed. */
  | { readonly kind: 'recompute' }
  /** Run the job once on a connection that logs every statement's duration. */
  | { readonly kind: 'trace' }
  | { readonly kind: 'close' };

/** One kind of statement of the job, as `trace` found it. */
export interface TracedPart {
  readonly part: string;
  readonly statements: number;
  /** Sum of the statements' durations as Kysely measured them (round trip and decoding). */
  readonly ms: number;
}

/** What the worker says. */
export type WorkerReply =
  | { readonly kind: 'ready'; readonly rssMb: number; readonly peakRssMb: number }
  | { readonly kind: 'recomputed'; readonly ms: number; readonly peakRssMb: number }
  | { readonly kind: 'traced'; readonly ms: number; readonly parts: TracedPart[] }
  | { readonly kind: 'closed'; readonly peakRssMb: number }
  | { readonly kind: 'error'; readonly error: string };

/** `process.resourceUsage().maxRSS` is in kilobytes (KiB): the peak resident set so far. */
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

function send(reply: WorkerReply): void {
  process.send?.(reply);
}

/** Names the part of the job a statement belongs to (see recompute-run.ts and cells.ts). */
function partOf(statement: string): string {
  const s = statement.replace(/\s+/g, ' ').trim().toLowerCase();
  if (s.includes('unnest(')) return 'segmentHistograms (the GROUP BY)';
  if (s.includes('count(*) filter')) return 'pairCounts (committed clarity)';
  if (s.startsWith('select count(*)') && s.includes('from "responses"')) return 'countResponses';
  if (s.startsWith('delete from "cells"') || s.startsWith('insert into "cells"')) {
    return 'replaceRunCells: delete and insert cells';
  }
  if (s.startsWith('insert into "run_results"')) return 'replaceRunCells: run_results';
  if (s === 'begin' || s === 'commit' || s === 'rollback') return 'begin / commit';
  return 'small lookups (lock, run, questions, priorities, teams)';
}

interface Target {
  readonly config: Config;
  readonly handle: DatabaseHandle;
  readonly context: JobContext;
  readonly request: ReturnType<typeof recomputeRunRequest>;
}

async function recompute(context: JobContext, request: Target['request']): Promise<number> {
  const start = performance.now();
  await runJob(context, request.name, request.payload);
  return performance.now() - start;
}

/**
 * The same job on a Kysely instance whose `log` records every statement: where the time
 * goes, without a copy of the job's steps. What is not in a statement is the job's
 * JavaScript (computing the figures, serializing the cells) and Kysely's own work.
 */
async function trace({ config, request }: Target): Promise<{ ms: number; parts: TracedPart[] }> {
  if (config.appDatabaseUrl === null) throw new Error('no application database URL');
  const parts = new Map<string, { statements: number; ms: number }>();
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: createPool(config.appDatabaseUrl, 2) }),
    log: (event) => {
      const part = partOf(event.query.sql);
      const entry = parts.get(part) ?? { statements: 0, ms: 0 };
      entry.statements += 1;
      entry.ms += event.queryDurationMillis;
      parts.set(part, entry);
    },
  });
  const context = createJobContext(config, db);
  try {
    await assertApplicationRole(db);
    parts.clear();
    const ms = await recompute(context, request);
    return { ms, parts: [...parts].map(([part, p]) => ({ part, ...p })) };
  } finally {
    context.mailer.close();
    await db.destroy();
  }
}

let target: Target | null = null;

async function open(message: Extract<WorkerRequest, { kind: 'open' }>): Promise<Target> {
  const config = loadConfig('server', { DATABASE_URL: message.databaseUrl, LOG_LEVEL: 'warn' });
  const handle = await openDatabase(config);
  return {
    config,
    handle,
    context: createJobContext(config, handle.db),
    request: recomputeRunRequest(message.organizationId, message.runId),
  };
}

async function answer(message: WorkerRequest): Promise<WorkerReply> {
  if (message.kind === 'open') {
    target = await open(message);
    return { kind: 'ready', rssMb: process.memoryUsage().rss / 2 ** 20, peakRssMb: peakRssMb() };
  }
  if (target === null) throw new Error(`"${message.kind}" before "open"`);
  switch (message.kind) {
    case 'recompute':
      return {
        kind: 'recomputed',
        ms: await recompute(target.context, target.request),
        peakRssMb: peakRssMb(),
      };
    case 'trace':
      return { kind: 'traced', ...(await trace(target)) };
    case 'close':
      target.context.mailer.close();
      await target.handle.close();
      return { kind: 'closed', peakRssMb: peakRssMb() };
  }
}

process.on('message', (message: WorkerRequest) => {
  answer(message).then(
    (reply) => {
      send(reply);
      if (reply.kind === 'closed') process.disconnect();
    },
    (error: unknown) => {
      send({
        kind: 'error',
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    },
  );
});
process.on('disconnect', () => process.exit(0));
