// `npm run bench -- run-start`: starting a run for 10,000 people through the real
// `POST /api/v1/pulses/:id/runs`, with the job runtime the worker runs (the outbox relayed to
// BullMQ on the local Redis), from the request until the run's invitations exist and its
// deliver-invitations job is in the queue; against PostgreSQL alone inserting 10,000
// invitation rows in one statement, timed in the same run. See docs/PERFORMANCE.md.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { generateSegmentKey } from '@pulsegap/anonymity';
import { createHttpServer } from '@pulsegap/api';
import {
  createPool,
  openDatabase,
  withTenant,
  type Database,
  type DatabaseHandle,
} from '@pulsegap/db';
import {
  createJobContext,
  deliverInvitationsRequest,
  hashInvitationSecret,
  invitationSecret,
  JOBS,
  startBullmqRuntime,
  startRun,
  type JobRuntime,
} from '@pulsegap/jobs';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { Kysely, PostgresDialect, sql } from 'kysely';
import {
  Api,
  createBenchDatabase,
  createPriorities,
  fmt,
  importRoster,
  listen,
  log,
  machine,
  machineBusyCores,
  median,
  signup,
  today,
  writeDocSection,
  type Person,
  type ScratchDatabase,
} from './harness.js';

/** The issue's target: a run for 10,000 people started in under 5 s. */
const TARGET_S = 5;
/** Timed runs of each, after one untimed run of each. */
const REPETITIONS = 5;
/** Departments (teams at the top), each with `SUB_TEAMS` teams under it: 5 + 5 × 39 = 200. */
const DEPARTMENTS = 5;
const SUB_TEAMS = 39;
const TEAMS = DEPARTMENTS * (1 + SUB_TEAMS);
/** A department's own team (its head office): leaders and frontline staff. */
const DEPARTMENT_LEADERS = 10;
const DEPARTMENT_FRONTLINE = 64;
/**
 * People of a sub-team, round and round: 50 on average, a tenth of them leaders (rounded),
 * so the teams of 26 and 38 have 3 and 4 leaders, under the minimum group size of 5, and the
 * run merges them into their department's leadership, as a real roster would have it.
 */
const SUB_TEAM_SIZES = [26, 38, 50, 62, 74];
const PEOPLE =
  DEPARTMENTS * (DEPARTMENT_LEADERS + DEPARTMENT_FRONTLINE) +
  DEPARTMENTS *
    Array.from(
      { length: SUB_TEAMS },
      (_, s) => SUB_TEAM_SIZES[s % SUB_TEAM_SIZES.length] ?? 0,
    ).reduce((sum, n) => sum + n, 0);
if (PEOPLE !== 10_000) throw new Error(`the roster has ${PEOPLE} people, not 10,000`);
const PRIORITIES = 4;
const DIMENSIONS = ['clarity', 'commitment', 'staffing', 'feasibility', 'importance'];

function departmentName(d: number): string {
  return `Department ${d + 1}`;
}

/** The roster: departments first (so every parent exists before its teams), then their teams. */
function tree(): Person[] {
  const people: Person[] = [];
  const add = (team: string, parentTeam: string | null, leaders: number, size: number) => {
    for (let i = 0; i < size; i += 1) {
      const n = people.length + 1;
      people.push({
        email: `p${n}@bench.test`,
        name: `Person ${n}`,
        team,
        tier: i < leaders ? 'leadership' : 'frontline',
        parentTeam,
      });
    }
  };
  for (let d = 0; d < DEPARTMENTS; d += 1) {
    add(departmentName(d), null, DEPARTMENT_LEADERS, DEPARTMENT_LEADERS + DEPARTMENT_FRONTLINE);
  }
  for (let d = 0; d < DEPARTMENTS; d += 1) {
    for (let s = 0; s < SUB_TEAMS; s += 1) {
      const size = SUB_TEAM_SIZES[s % SUB_TEAM_SIZES.length] ?? 0;
      add(`${departmentName(d)} Team ${s + 1}`, departmentName(d), Math.round(size / 10), size);
    }
  }
  return people;
}

// ---------------------------------------------------------------------------------------
// The real path: the route, the outbox, the relay, BullMQ

/** Watches the deliver-invitations queue: when each job was added and when it completed. */
class DeliveryQueueWatch {
  readonly added = new Map<string, number>();
  readonly completed = new Map<string, number>();
  readonly #waiters = new Set<() => void>();

  constructor(readonly events: QueueEvents) {
    events.on('added', ({ jobId }) => {
      this.added.set(jobId, performance.now());
      this.#wake();
    });
    events.on('completed', ({ jobId }) => {
      this.completed.set(jobId, performance.now());
      this.#wake();
    });
  }

  #wake(): void {
    for (const wake of this.#waiters) wake();
  }

  /** When the job whose id begins with `key` was `added` (or `completed`), once it was. */
  async when(which: 'added' | 'completed', key: string, timeoutMs = 600_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      for (const [jobId, at] of this[which]) if (jobId.startsWith(`${key}-`)) return at;
      if (performance.now() > deadline) throw new Error(`no "${which}" event for ${key}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 1000);
        this.#waiters.add(wake);
      });
    }
  }
}

interface RealRun {
  readonly runId: string;
  /** From sending the request to the 201 (the run, its invitations and its keys committed). */
  readonly responseMs: number;
  /** From sending the request to its deliver-invitations job added to the BullMQ queue. */
  readonly queuedMs: number;
  /** From the job added to the queue to the job completed (10,000 messages written), if run. */
  readonly deliveryMs: number | null;
  /** After the run was checked, until the worker had made the keys it took again. */
  readonly restockMs?: number;
}

/** A POST over a connection of its own (the server closes idle kept-alive ones after 5 s). */
function post(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}` } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/**
 * The measured path: `POST /pulses/:id/runs` over HTTP until the job is in the queue. With
 * `deliver`, the job is then run (the 10,000 messages written into the development outbox)
 * and timed apart; without, the delivery queue is paused and the job waits there.
 */
async function startThroughApi(
  url: string | FastifyInstance,
  token: string,
  organizationId: string,
  pulseId: string,
  watch: DeliveryQueueWatch,
  deliver: boolean,
): Promise<RealRun> {
  const path = `/api/v1/pulses/${pulseId}/runs`;
  const start = performance.now();
  const response =
    typeof url === 'string'
      ? await post(`${url}${path}`, token)
      : await url
          .inject({ method: 'POST', url: path, headers: { authorization: `Bearer ${token}` } })
          .then((r) => ({ status: r.statusCode, body: r.body }));
  const answered = performance.now();
  if (response.status !== 201) {
    throw new Error(`starting a run answered ${response.status}: ${response.body}`);
  }
  const { id: runId, invited } = JSON.parse(response.body) as { id: string; invited: number };
  if (invited !== PEOPLE) throw new Error(`${invited} invited, not ${PEOPLE}`);
  const { key } = deliverInvitationsRequest(organizationId, runId);
  const queued = await watch.when('added', key);
  // Untimed: the delivery, when asked for, and the relay's commit after it handed the job on.
  const delivered = deliver ? await watch.when('completed', key) : null;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return {
    runId,
    responseMs: answered - start,
    queuedMs: queued - start,
    deliveryMs: delivered === null ? null : delivered - queued,
  };
}

/**
 * Waits until the organization's stock-segment-keys job has finished (its outbox row is
 * gone) and the stock holds `segments` keys; returns how long that took.
 */
async function restocked(
  scratch: ScratchDatabase,
  organizationId: string,
  segments: number,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    const { rows } = await sql<{ pending: number; stocked: number }>`
      select
        (select count(*)::int from outbox
          where job_key = ${`stock-segment-keys-${organizationId}`}) as pending,
        (select count(*)::int from segment_key_stock
          where organization_id = ${organizationId}) as stocked
    `.execute(scratch.owner);
    const row = rows[0];
    if (row !== undefined && row.pending === 0 && row.stocked >= segments) {
      return performance.now() - start;
    }
    if (performance.now() - start > 600_000) throw new Error('the keys were not made again');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------------------------------
// The baseline: PostgreSQL alone inserting 10,000 invitation rows in one statement

/** What one invitation row holds at a run's start, for every person of the roster. */
interface BareRows {
  readonly personIds: string[];
  readonly segmentTeamIds: string[];
  readonly segmentTiers: string[];
}

async function bareRows(scratch: ScratchDatabase, organizationId: string): Promise<BareRows> {
  const people = await scratch.owner
    .selectFrom('people')
    .select(['id', 'team_id', 'tier'])
    .where('organization_id', '=', organizationId)
    .where('active', '=', true)
    .orderBy('id')
    .execute();
  if (people.length !== PEOPLE) throw new Error(`${people.length} active people, not ${PEOPLE}`);
  return {
    personIds: people.map((p) => p.id),
    segmentTeamIds: people.map((p) => p.team_id),
    segmentTiers: people.map((p) => p.tier),
  };
}

/**
 * A run row for the baseline's invitations to belong to (the foreign key and the unique
 * (run, person) need one per repetition): a copy of a started run's row, as the owner.
 */
async function bareRun(scratch: ScratchDatabase, like: string): Promise<string> {
  const id = randomUUID();
  await sql`
    insert into runs (id, organization_id, pulse_id, opened_at, closes_at, invited,
                      min_group_size, comment_min_group_size, open_question)
    select ${id}, organization_id, pulse_id, opened_at, closes_at, invited,
           min_group_size, comment_min_group_size, open_question
      from runs where id = ${like}
  `.execute(scratch.owner);
  return id;
}

/**
 * As the owner, one statement: 10,000 rows into `invitations` with the columns a run's start
 * fills (id, organization, run, person, the 32-byte secret hash, the segment's team and
 * tier), from arrays made beforehand (random ids and hashes, each person's own team and tier
 * as the segment). Timed from sending it to its answer; it commits on its own.
 */
async function timeBaseline(
  scratch: ScratchDatabase,
  organizationId: string,
  runId: string,
  rows: BareRows,
): Promise<number> {
  const ids = rows.personIds.map(() => randomUUID());
  const hashes = rows.personIds.map(() => randomBytes(32));
  const start = performance.now();
  const result = await sql`
    insert into invitations
      (id, organization_id, run_id, person_id, secret_hash, segment_team_id, segment_tier)
    select i.id, ${organizationId}, ${runId}, i.person_id, i.secret_hash, i.team_id, i.tier
      from unnest(${ids}::uuid[], ${rows.personIds}::uuid[], ${hashes}::bytea[],
                  ${rows.segmentTeamIds}::uuid[], ${rows.segmentTiers}::text[])
           as i(id, person_id, secret_hash, team_id, tier)
  `.execute(scratch.owner);
  const ms = performance.now() - start;
  if (result.numAffectedRows !== BigInt(PEOPLE)) {
    throw new Error(`the baseline inserted ${result.numAffectedRows} rows`);
  }
  return ms;
}

// ---------------------------------------------------------------------------------------
// Where the time goes: one more start on a connection that logs each statement

const PARTS = {
  audience: 'audience query (audienceMembers)',
  lookups: 'other lookups (pulse, settings, priorities, teams)',
  run: 'the run, its snapshot and questions (runs, run_teams, run_questions, its sealed partition)',
  invitations: 'inserting the invitations (1,000 a statement)',
  keys: 'storing the segment keys (saveSegmentKey: an insert and a select a key)',
  outbox: 'outbox row (enqueueJob)',
  audit: 'audit log (recordAudit)',
  transaction: 'begin / set_config / commit',
} as const;

function partOf(statement: string): string {
  const s = statement.trim().toLowerCase().replaceAll('"', '');
  if (s === 'begin' || s === 'commit' || s.startsWith('select set_config')) {
    return PARTS.transaction;
  }
  if (s.startsWith('insert into invitations')) return PARTS.invitations;
  if (s.includes('segment_keys')) return PARTS.keys;
  if (s.includes('insert into outbox')) return PARTS.outbox;
  if (s.includes('audit')) return PARTS.audit;
  if (
    /^insert into (runs|run_teams|run_questions)\b/.test(s) ||
    s.includes('open_sealed_responses')
  ) {
    return PARTS.run;
  }
  if (s.includes('from people')) return PARTS.audience;
  return PARTS.lookups;
}

export interface TracedPart {
  readonly part: string;
  readonly statements: number;
  readonly ms: number;
}

interface Trace {
  readonly ms: number;
  readonly parts: TracedPart[];
  readonly segments: number;
  /** For scale, apart: making that many segment keys at once, as `makeSegmentKeys` does. */
  readonly keysAloneMs: number;
  /** For scale, apart: 10,000 invitation secrets derived and hashed. */
  readonly hashingAloneMs: number;
}

/**
 * `startRun` as the route calls it (a tenant transaction, the app role), on a Kysely whose
 * `log` records every statement's duration, without a copy of its steps. What is not in a
 * statement is JavaScript: making the keys (on libuv's threads), hashing the secrets,
 * assigning segments; the first two are then timed apart.
 */
async function trace(
  scratch: ScratchDatabase,
  organizationId: string,
  pulseId: string,
): Promise<Trace> {
  if (scratch.config.appDatabaseUrl === null) throw new Error('no application database URL');
  const parts = new Map<string, { statements: number; ms: number }>();
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: createPool(scratch.config.appDatabaseUrl, 2) }),
    log: (event) => {
      const part = partOf(event.query.sql);
      const entry = parts.get(part) ?? { statements: 0, ms: 0 };
      entry.statements += 1;
      entry.ms += event.queryDurationMillis;
      parts.set(part, entry);
    },
  });
  const context = createJobContext(scratch.config, db);
  try {
    await sql`select 1`.execute(db);
    parts.clear();
    const start = performance.now();
    const run = await withTenant(db, organizationId, (trx) =>
      startRun(
        trx,
        organizationId,
        pulseId,
        new Date(),
        { invitationKey: context.invitationKey, segmentKeySealing: context.segmentKeySealing },
        null,
      ),
    );
    const ms = performance.now() - start;
    const traced = [...parts].map(([part, p]) => ({ part, ...p }));
    const segments = (parts.get(PARTS.keys)?.statements ?? 0) / 2;

    let begun = performance.now();
    await Promise.all(Array.from({ length: segments }, () => generateSegmentKey()));
    const keysAloneMs = performance.now() - begun;
    begun = performance.now();
    for (let i = 0; i < PEOPLE; i += 1) {
      hashInvitationSecret(invitationSecret(context.invitationKey, randomUUID()));
    }
    const hashingAloneMs = performance.now() - begun;
    if (run.invited !== PEOPLE) throw new Error(`traced run invited ${run.invited}`);
    return { ms, parts: traced, segments, keysAloneMs, hashingAloneMs };
  } finally {
    context.mailer.close();
    await db.destroy();
  }
}

// ---------------------------------------------------------------------------------------

interface Measured {
  readonly bare: number[];
  readonly real: RealRun[];
}

/** What a started run left in the database, checked against what it should hold. */
async function checkRun(scratch: ScratchDatabase, runId: string, delivered: boolean) {
  const row = await sql<{
    invitations: number;
    people: number;
    segments: number;
    keys: number;
    delivered: number;
    messages: number;
    jobs: number;
  }>`
    select
      (select count(*)::int from invitations where run_id = ${runId}) as invitations,
      (select count(distinct person_id)::int from invitations where run_id = ${runId}) as people,
      (select count(*)::int from (select distinct segment_team_id, segment_tier
         from invitations where run_id = ${runId}) s) as segments,
      (select count(*)::int from segment_keys where run_id = ${runId}) as keys,
      (select count(*)::int from invitations where run_id = ${runId} and delivered) as delivered,
      (select count(*)::int from outbound_messages m
         join people p on p.email = m.recipient and p.organization_id = m.organization_id
         join invitations i on i.person_id = p.id and i.run_id = ${runId}
        where m.link is not null) as messages,
      (select count(*)::int from outbox
        where job_key = ${`deliver-invitations-${runId}`} and relayed) as jobs
  `.execute(scratch.owner);
  const check = row.rows[0];
  if (check === undefined) throw new Error('no check');
  const problems: string[] = [];
  if (check.invitations !== PEOPLE || check.people !== PEOPLE) {
    problems.push(`${check.invitations} invitations for ${check.people} people`);
  }
  if (check.keys !== check.segments)
    problems.push(`${check.keys} keys, ${check.segments} segments`);
  const sent = delivered ? PEOPLE : 0;
  if (check.delivered !== sent || check.messages !== sent) {
    problems.push(`${check.delivered} delivered, ${check.messages} messages`);
  }
  // Owed until the job has finished: relayed and pending, or gone once delivered.
  if (check.jobs !== (delivered ? 0 : 1)) problems.push(`${check.jobs} relayed outbox rows`);
  if (problems.length > 0) throw new Error(`run ${runId}: ${problems.join('; ')}`);
  return check;
}

async function main(): Promise<void> {
  const scratch = await createBenchDatabase();
  log(`scratch database ${scratch.name}`);
  const handles: DatabaseHandle[] = [];
  const redisUrl = scratch.config.redisUrl ?? 'redis://127.0.0.1:6379';
  const prefix = `pulsegap-bench-${process.pid}`;
  // As `npm run api` opens it: only the rate limits live there.
  const redis = new Redis(redisUrl, { connectTimeout: 500, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  let runtime: JobRuntime | null = null;
  let events: QueueEvents | null = null;
  try {
    const idle = await machineBusyCores(2);
    log(`machine busy without the benchmark: ${idle?.toFixed(2) ?? 'n/a'} cores`);

    // The API's pool and the worker's, each as its process opens it.
    const api = await openDatabase(scratch.config);
    handles.push(api);
    const worker = await openDatabase(scratch.config);
    handles.push(worker);
    const server = await createHttpServer({ config: scratch.config, db: api.db, redis });
    const url = await listen(server);
    // Connection options, not a client: BullMQ closes what it opened itself.
    const watcher = new QueueEvents('deliver-invitations', {
      connection: { url: redisUrl },
      prefix,
    });
    events = watcher;
    await watcher.waitUntilReady();
    const watch = new DeliveryQueueWatch(watcher);
    // As `npm run worker` starts it, on a queue prefix of the benchmark's own.
    runtime = startBullmqRuntime({
      context: createJobContext(scratch.config, worker.db),
      redisUrl,
      prefix,
      logger: {
        info: () => undefined,
        error: (object, message) => {
          log(`job runtime: ${message ?? ''} ${JSON.stringify(object)}`);
        },
      },
      lockDurationMs: scratch.config.jobLockMs,
    });
    await runtime.drain();
    // The delivery queue takes jobs but runs none: sending 10,000 messages (one transaction
    // each) takes minutes and is not part of starting a run.
    const deliveries = new Queue('deliver-invitations', { connection: redis, prefix });
    await deliveries.pause();
    await deliveries.close();

    try {
      const setupStart = performance.now();
      const client = new Api(server);
      const organizationId = await signup(client, 'Run Start Benchmark');
      await importRoster(client, tree());
      const teams = await client.call<{ items: unknown[] }>('GET', '/api/v1/teams');
      if (teams.items.length !== TEAMS) throw new Error(`${teams.items.length} teams`);
      const priorityIds = await createPriorities(client, PRIORITIES);
      const newPulse = async (n: number) =>
        (
          await client.call<{ id: string }>('POST', '/api/v1/pulses', {
            title: `Pulse ${n}`,
            priorityIds,
            dimensions: DIMENSIONS,
            openQuestion: true,
          })
        ).id;
      const rows = await bareRows(scratch, organizationId);
      await sql`vacuum analyze`.execute(scratch.owner);
      const setupS = (performance.now() - setupStart) / 1000;
      log(`${fmt(PEOPLE)} people in ${TEAMS} teams imported; set up in ${fmt(setupS, 1)} s`);

      const measure = async (n: number, deliver: boolean) => {
        const pulseId = await newPulse(n);
        const real = await startThroughApi(
          // The first start makes every key itself and may take longer than the server lets
          // a connection sit silent (60 s): it goes through `inject`.
          n === 0 ? server : url,
          client.token,
          organizationId,
          pulseId,
          watch,
          deliver,
        );
        const check = await checkRun(scratch, real.runId, deliver);
        // Untimed: the worker makes again the keys the run took from the stock.
        const restockMs = await restocked(scratch, organizationId, check.segments);
        const bare = await timeBaseline(
          scratch,
          organizationId,
          await bareRun(scratch, real.runId),
          rows,
        );
        log(
          `#${n}: bare ${fmt(bare)} ms; real ${fmt(real.queuedMs)} ms to queued ` +
            `(201 after ${fmt(real.responseMs)} ms), ${check.keys} segment keys` +
            (real.deliveryMs === null ? '' : `; delivery then took ${fmt(real.deliveryMs)} ms`) +
            `; keys made again in ${fmt(restockMs)} ms`,
        );
        return { bare, real: { ...real, restockMs }, check };
      };

      const warm = await measure(0, false);
      const measured: Measured = { bare: [], real: [] };
      for (let i = 1; i <= REPETITIONS; i += 1) {
        const { bare, real } = await measure(i, false);
        measured.bare.push(bare);
        measured.real.push(real);
      }

      const traced = await trace(scratch, organizationId, await newPulse(REPETITIONS + 1));
      // Nothing of the worker's left running when it closes.
      await restocked(scratch, organizationId, warm.check.segments);
      log(
        `traced start ${fmt(traced.ms)} ms: ` +
          traced.parts.map((p) => `${p.part} ${fmt(p.ms)} ms`).join(', ') +
          `; apart: ${traced.segments} keys ${fmt(traced.keysAloneMs)} ms, hashing ` +
          `${fmt(traced.hashingAloneMs)} ms`,
      );

      const bareMs = median(measured.bare);
      const realMs = median(measured.real.map((r) => r.queuedMs));
      const finalLine =
        `run-start: seconds_10k=${(realMs / 1000).toFixed(2)} ` +
        `ratio_vs_bare=${(realMs / bareMs).toFixed(1)} ` +
        `bare_ms=${bareMs.toFixed(0)} segments=${warm.check.segments}`;
      await writeDocSection(
        'run-start',
        report({
          warm: warm.real,
          machine: machine(scratch),
          idle,
          measured,
          traced,
          segments: warm.check.segments,
          setupS,
          finalLine,
        }),
      );
      process.stdout.write(`${finalLine}\n`);
    } finally {
      await server.close();
    }
  } finally {
    await runtime?.close();
    await events?.close();
    // The benchmark's queues go with it.
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    for (const name of JOBS.keys()) {
      const queue = new Queue(name, { connection, prefix });
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
    connection.disconnect();
    redis.disconnect();
    for (const handle of handles) await handle.close();
    await scratch.drop();
  }
}

function report(r: {
  warm: RealRun;
  machine: string;
  idle: number | null;
  measured: Measured;
  traced: Trace;
  segments: number;
  setupS: number;
  finalLine: string;
}): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const range = (values: number[]) => `${s(Math.min(...values))}–${s(Math.max(...values))}`;
  const queued = r.measured.real.map((x) => x.queuedMs);
  const answered = r.measured.real.map((x) => x.responseMs);
  const relay = r.measured.real.map((x) => x.queuedMs - x.responseMs);
  const restock = r.measured.real.map((x) => x.restockMs ?? 0);
  const bareMs = median(r.measured.bare);
  const realMs = median(queued);
  const order: string[] = Object.values(PARTS);
  const inStatements = r.traced.parts.reduce((sum, p) => sum + p.ms, 0);
  const outside = r.traced.ms - inStatements;
  const share = (ms: number) => `${fmt((100 * ms) / r.traced.ms)} %`;
  const parts = [...r.traced.parts]
    .sort((x, y) => order.indexOf(x.part) - order.indexOf(y.part))
    .map((p) => `| ${p.part} | ${p.statements} | ${fmt(p.ms)} | ${share(p.ms)} |`);
  const verdict = realMs / 1000 < TARGET_S ? '**pass**' : '**FAIL**';
  return `
## Run start: a run for 10,000 people

Latest run: ${today()}, on ${r.machine}. ${REPETITIONS} timed runs of each, alternated, after
one untimed run of each; medians. Before the runs, with nothing of the benchmark running, the
machine was busy ${r.idle === null ? 'n/a' : r.idle.toFixed(2)} cores (of ${os.cpus().length}) with other work.

| Measured | median s | range s |
| --- | --: | --: |
| bare: one \`INSERT … SELECT … FROM unnest(…)\` of 10,000 \`invitations\` rows (owner) | ${s(bareMs)} | ${range(r.measured.bare)} |
| real: \`POST /api/v1/pulses/:id/runs\` until its deliver-invitations job is in the BullMQ queue | ${s(realMs)} | ${range(queued)} |
| of which until the 201 (run, invitations and keys committed) | ${s(median(answered))} | ${range(answered)} |
| of which from the 201 until the relay put the job in the queue | ${s(median(relay))} | ${range(relay)} |
| for scale, untimed: the first run of the organization (no keys in stock, all ${r.segments} made in the request; through \`inject\`) | ${s(r.warm.queuedMs)} | |
| for scale, untimed: the worker making again the keys a run took from the stock | ${s(median(restock))} | ${range(restock)} |

| Target (from the issue) | Measured | Result |
| --- | --: | --- |
| a run for 10,000 people started in under ${TARGET_S} s | ${s(realMs)} s (${fmt(realMs / bareMs, 1)} × bare) | ${verdict} |

Output: \`${r.finalLine}\`

Where a start's time goes, from one more start (\`startRun\` in a tenant transaction, as the
route calls it, keys taken from the stock) on a connection that logs each statement's duration
(${s(r.traced.ms)} s in all):

| Part of the start | statements | ms | share |
| --- | --: | --: | --: |
${parts.join('\n')}
| not in a statement: secrets, segments, sealing, Kysely | | ${fmt(outside)} | ${share(outside)} |

- For scale, measured apart right after: making ${r.traced.segments} segment keys at once, as a
  start without stock does (RSA-2048, in parallel on libuv's threads), took
  ${fmt(r.traced.keysAloneMs)} ms; deriving and hashing 10,000 invitation secrets
  ${fmt(r.traced.hashingAloneMs)} ms.
- Checked after every start, as the owner: 10,000 invitations, one per person; one key per
  segment an invitation names (${r.segments} segments); the deliver-invitations outbox row
  relayed and owed; nothing delivered (see below).

**What is measured.** The time from sending \`POST /api/v1/pulses/:id/runs\` (an admin's token,
over HTTP on a connection of its own) until the run's deliver-invitations job is added to its
BullMQ queue on the local Redis, seen by a \`QueueEvents\` listener. That covers the route and
\`startRun\` in its tenant transaction (the pulse, the audience, segments assigned with teams
under k merged upward, 10,000 invitation secrets derived and hashed, the run, its team snapshot,
questions and invitations, every segment's key, the outbox row, the audit record, COMMIT), the
201, and the relay: the outbox polled every 250 ms, as the worker does, and the job handed to
BullMQ. **Not included:** sending the 10,000 messages. The delivery queue is paused, so it
takes the job but runs none (delivery writes one transaction per message and takes minutes),
and the worker's making again of the keys the run took, which runs after the start (timed apart
above). The baseline is PostgreSQL alone: as the database owner, one \`INSERT … SELECT … FROM
unnest(…)\` of 10,000 rows into the real \`invitations\` table with the columns a start fills
(id, organization, run, person, a 32-byte secret hash, segment team and tier), from arrays made
beforehand, for a run row copied from the started one; it commits on its own.
ratio_vs_bare divides the medians.

**How.**

- One process, as the production processes are set up: the app (\`createHttpServer\`, the
  application role, pool of 10, rate limits in the local Redis, as \`npm run api\`) listening on
  a local port, and the job runtime as \`npm run worker\` starts it (\`startBullmqRuntime\`, its
  own pool of 10, on a queue prefix of the benchmark's own, removed at the end).
- Data, through the API in-process (\`inject\`): signup, a roster of ${fmt(PEOPLE)} people in
  ${TEAMS} teams (${DEPARTMENTS} departments of ${DEPARTMENT_LEADERS + DEPARTMENT_FRONTLINE}
  people, each with ${SUB_TEAMS} teams under it of ${SUB_TEAM_SIZES.join(', ')} people in turn, a
  tenth of them leaders, so teams with 3 or 4 leaders merge them into their department's; JSON
  import with \`parentTeam\`), ${PRIORITIES} priorities, and before each start a new pulse of
  ${PRIORITIES} × ${DIMENSIONS.length} questions for all tiers and teams, untimed. Set up in
  ${fmt(r.setupS, 1)} s.
- Keys: a start takes its segment keys from the organization's stock (made ahead by the
  worker's stock-segment-keys job, which every start asks for) and makes only what is missing.
  The first start of the organization has none and makes all ${r.segments}; before each timed
  start the benchmark waits, untimed, until the worker has made again what the previous one
  took, as it would have between two runs.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `run-start benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
