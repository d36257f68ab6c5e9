// The worker side of `npm run bench -- close`: a child process of its own (forked by
// close.ts with `--import tsx` for this file alone, the packages built, as the real worker
// loads them), so that its memory is the job's and nothing else's. It loads what the real worker loads (@pulsegap/jobs, with BullMQ),
// opens the database as the application role (`openDatabase`) and runs the release-run job
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
import { createJobContext, releaseRunRequest, runJob, type JobContext } from '@pulsegap/jobs';
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
  | { readonly kind: 'release' }
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
  | { readonly kind: 'released'; readonly ms: number; readonly peakRssMb: number }
  | { readonly kind: 'traced'; readonly ms: number; readonly parts: TracedPart[] }
  | { readonly kind: 'closed'; readonly peakRssMb: number }
  | { readonly kind: 'error'; readonly error: string };

/** `process.resourceUsage().maxRSS` is in kilobytes (KiB): the peak resident set so far. */
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

function send(reply: WorkerReply): void {
  process.send?.(reply);
}

/** The parts of the job's work, in the order the table of the report lists them. */
export const PARTS = {
  read: 'reading the sealed responses (sealedResponsePages, a cursor, pages of 500)',
  insert: 'inserting the responses (storeResponses, 500 a statement)',
  discard: "emptying the run's sealed partition (discardSealedResponses, TRUNCATE)",
  histograms: 'segmentHistograms (the GROUP BY)',
  pairs: 'pairCounts (committed clarity)',
  respondents: 'respondentsBySegment and runComments',
  participation: 'segmentParticipation (invitations, sealed and stored responses by segment)',
  save: 'saveRelease (run_releases, runs.released_at)',
  transaction: 'begin / commit',
  lookups:
    'small lookups (tenant setting, lock, pulse, questions, team snapshot, priorities, earlier releases)',
} as const;

/** Names the part of the job a statement belongs to (see release-run.ts and releases.ts). */
function partOf(statement: string): string {
  const s = statement.replace(/"/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
  if (s.includes('sealed_page')) return PARTS.read;
  if (s.startsWith('insert into responses')) return PARTS.insert;
  if (s.includes('discard_sealed_responses(')) return PARTS.discard;
  if (s.includes('from invitations')) return PARTS.participation;
  if (s.includes('unnest(') && s.includes('from responses')) return PARTS.histograms;
  if (s.includes('filter (where answers[') && s.includes('from responses')) return PARTS.pairs;
  if (s.includes('from responses')) return PARTS.respondents;
  if (s.startsWith('insert into run_releases') || s.startsWith('update runs')) return PARTS.save;
  if (s === 'begin' || s === 'commit' || s === 'rollback') return PARTS.transaction;
  return PARTS.lookups;
}

interface Target {
  readonly config: Config;
  readonly handle: DatabaseHandle;
  readonly context: JobContext;
  readonly request: ReturnType<typeof releaseRunRequest>;
}

async function release(context: JobContext, request: Target['request']): Promise<number> {
  const start = performance.now();
  await runJob(context, request.name, request.payload);
  return performance.now() - start;
}

/**
 * The same job on a Kysely instance whose `log` records every statement: where the time
 * goes, without a copy of the job's steps. What is not in a statement is the job's
 * JavaScript (opening the sealed responses, merging and shuffling, computing the release,
 * building the inserts) and Kysely's own work.
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
    const ms = await release(context, request);
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
    request: releaseRunRequest(message.organizationId, message.runId),
  };
}

async function answer(message: WorkerRequest): Promise<WorkerReply> {
  if (message.kind === 'open') {
    target = await open(message);
    return { kind: 'ready', rssMb: process.memoryUsage().rss / 2 ** 20, peakRssMb: peakRssMb() };
  }
  if (target === null) throw new Error(`"${message.kind}" before "open"`);
  switch (message.kind) {
    case 'release':
      return {
        kind: 'released',
        ms: await release(target.context, target.request),
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
      if (reply.kind === 'closed') process.disconnect?.();
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
