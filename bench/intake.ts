// `npm run bench -- intake`: verified, sealed, durable submissions per second of
// `POST /api/v1/responses` (group commit), against a bare Fastify route that only validates
// the same body and a naive route that checks and seals the same way but stores each sealed
// response with its own statement (one INSERT per request). See docs/PERFORMANCE.md.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { openSealedResponse, sealedResponseLength, sealResponse } from '@pulsegap/anonymity';
import { createHttpServer, ResponseSubmission, SubmissionChecks } from '@pulsegap/api';
import { deriveKey } from '@pulsegap/config';
import {
  openDatabase,
  sealResponses,
  type Database,
  type DatabaseHandle,
  type SealedSubmission,
} from '@pulsegap/db';
import { COMMENT_MAX_LENGTH } from '@pulsegap/domain';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { sql, type Kysely } from 'kysely';
import Type from 'typebox';
import {
  FRONTLINE_PER_TEAM,
  LEADERS_PER_TEAM,
  mint,
  PRIORITIES,
  setUpAnsweringRuns,
  TEAMS,
  type Prepared,
  type RunUnderTest,
  type Segment,
} from './answering-runs.js';
import { nearestRank } from './load.js';
import {
  assertClean,
  CONNECTIONS,
  cpuCell,
  createBenchDatabase,
  describeWindow,
  fmt,
  listen,
  LoadGenerator,
  log,
  machine,
  median,
  settled,
  today,
  WARMUP_S,
  writeDocSection,
  type CpuShare,
  type ScratchDatabase,
  type Window,
} from './harness.js';

const TARGET = { vsBare: 0.3, vsNaive: 2.5, p99Ms: 50 };
/** Ratios are printed to three places: at two, 0.298 would read as the 0.30 it misses. */
const RATIO_DIGITS = 3;

// ---------------------------------------------------------------------------------------
// The body of POST /api/v1/responses: the route's own schema.

const Submission = ResponseSubmission;
const Recorded = Type.Object({ status: Type.Literal('recorded') });

// ---------------------------------------------------------------------------------------
// Baseline 1: a bare Fastify route that validates the body and stores nothing.

async function bareServer(): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false } },
  })
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>();
  fastify.post(
    '/responses',
    { schema: { body: Submission, response: { 201: Recorded } } },
    async (_request, reply) => reply.code(201).send({ status: 'recorded' as const }),
  );
  await fastify.ready();
  return fastify;
}

/**
 * For scale, not a target: the real app (\`createHttpServer\`: security headers, the strict
 * JSON parser, logging switched off for the route as on the real one) with a route that
 * validates the same body and stores nothing. Between bare and it lies the cost of the
 * app's plumbing; between it and the real route, that of checking and storing.
 */
const PLUMBING_PATH = '/bench/plumbing/responses';

async function plumbingServer(
  scratch: ScratchDatabase,
  db: Kysely<Database>,
): Promise<FastifyInstance> {
  const server = await createHttpServer({ config: scratch.config, db });
  server
    .withTypeProvider<TypeBoxTypeProvider>()
    .post(
      PLUMBING_PATH,
      { logLevel: 'silent', schema: { body: Submission, response: { 201: Recorded } } },
      async (_request, reply) => reply.code(201).send({ status: 'recorded' as const }),
    );
  await server.ready();
  return server;
}

// ---------------------------------------------------------------------------------------
// Baseline 2: the naive route. The real app (`createHttpServer`, same plugins, same JSON
// parser) with one more route that checks and seals a submission with the real route's own
// checks (`SubmissionChecks`: the run, its questions, the token against the segment key,
// then `sealResponse`) and then stores it alone: the intake's own statement
// (`sealResponses`, one statement that is its own transaction, with the open-run check) for
// each request, with no batching. One INSERT per request.

const NAIVE_PATH = '/bench/naive/responses';

async function naiveServer(
  scratch: ScratchDatabase,
  db: Kysely<Database>,
): Promise<FastifyInstance> {
  const server = await createHttpServer({ config: scratch.config, db });
  const checks = new SubmissionChecks(db, deriveKey(scratch.config, 'response-sealing'));
  const refuse = (reply: FastifyReply, status: number, detail: string) =>
    reply.code(status).type('application/problem+json').send({ status, detail });

  server
    .withTypeProvider<TypeBoxTypeProvider>()
    .post(
      NAIVE_PATH,
      { logLevel: 'silent', schema: { body: Submission } },
      async (request, reply) => {
        const { organizationId, runId, response } = await checks.check(request.body);
        const { open, stored } = await sealResponses(db, organizationId, runId, [response]);
        if (!open) return refuse(reply, 410, 'closed');
        if (stored.size === 0) return refuse(reply, 409, 'token used');
        return reply.code(201).send({ status: 'recorded' as const });
      },
    );
  await server.ready();
  return server;
}

// ---------------------------------------------------------------------------------------
// Measuring

/**
 * Rounds: every server gets a window in each round, in an order that turns round by
 * round, and the ratios are taken within a round (real ÷ bare of the same round), so both
 * sides of a ratio see the machine in the same state; the medians over the rounds are
 * reported. (On a shared virtual machine one server's rate drifts by a quarter or more
 * within a minute; a single pair of windows a minute apart measures the drift as much as
 * the route.)
 */
const ROUNDS = 3;
const ROUND_S = 5;

/** One server under load: its URL, and for a route that stores, the tokens it is given. */
interface Contender {
  readonly label: string;
  readonly url: string;
  readonly windows: Window[];
  /** Routes that store: each request a fresh token, never one sent before. */
  readonly tokens: TokenSupply | null;
}

/**
 * The tokens of a route that stores, in the order they are sent. A window takes lines
 * from the front; the lines it took are never offered again (some may have been committed
 * as the window closed), and the lines it did not reach are kept for the next one.
 */
class TokenSupply {
  readonly acknowledged: string[] = [];
  #pool: Prepared[] = [];

  constructor(readonly run: RunUnderTest) {}

  /** Mints more tokens until `count` are waiting. */
  async fill(count: number): Promise<void> {
    if (this.#pool.length < count)
      this.#pool.push(...(await mint(this.run, count - this.#pool.length)));
  }

  lines(): string[] {
    return this.#pool.map((p) => p.body);
  }

  /** Records what the window did with the lines it was given. */
  consume(window: Window): void {
    this.acknowledged.push(...window.acknowledged.map((i) => (this.#pool[i] as Prepared).hash));
    this.#pool = this.#pool.slice(window.taken);
  }
}

/**
 * One window of `seconds` against a contender. A route that stores gets a pool of fresh
 * tokens sized for its fastest rate so far (the bare route's for its first window: no
 * route that stores can outrun it), with room to spare; a pool that still runs out fails
 * the run rather than repeating a token.
 */
async function measure(
  load: LoadGenerator,
  contender: Contender,
  seconds: number,
  samples: readonly string[],
  bound: number,
): Promise<Window> {
  const { tokens } = contender;
  if (tokens !== null) {
    const fastest = Math.max(0, ...contender.windows.map((w) => w.perSecond));
    const rate = fastest > 0 ? fastest * 1.5 : bound * 1.1;
    await tokens.fill(Math.ceil(rate * seconds) + 1000);
  }
  const window = await load.run({
    url: contender.url,
    seconds,
    kind: 'submission',
    pool: tokens === null ? 'cycle' : 'once',
    lines: tokens === null ? samples : tokens.lines(),
  });
  tokens?.consume(window);
  assertClean(contender.label, window);
  return window;
}

/** A latency percentile over every 2xx response of `windows`, exact (nearest rank), ms. */
function pooledPercentile(windows: readonly Window[], p: number): number {
  return nearestRank(
    windows.flatMap((w) => w.latencies).sort((x, y) => x - y),
    p,
  );
}

/** Acknowledged submissions opened again after the run, to check what was sealed. */
const OPENED_SAMPLE = 2000;

/**
 * Every acknowledged submission is committed: each token hash that got a 201 is in
 * `sealed_responses` for the run. Rows beyond those are requests still in flight when a
 * window closed (the load generator hung up; the server committed them): at most one per
 * connection and window. Every sealed row of the run has the run's one length, and
 * `OPENED_SAMPLE` acknowledged ones, drawn at random, open with the sealing key and hold an
 * answer to every question, as their bodies did.
 */
async function checkDurable(
  scratch: ScratchDatabase,
  runId: string,
  acknowledged: readonly string[],
  setupRows: number,
  questions: number,
  windows: number,
): Promise<Durability> {
  const found = await sql<{ n: number }>`
    select count(*)::int as n from sealed_responses
    where run_id = ${runId}
      and token_hash in (select decode(h, 'hex') from unnest(${acknowledged}::text[]) as h)
  `.execute(scratch.owner);
  await settled(async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from sealed_responses where run_id = ${runId}
    `.execute(scratch.owner);
    return rows[0]?.n ?? 0;
  });
  const shape = { questionCount: questions, commentUnits: COMMENT_MAX_LENGTH };
  const length = sealedResponseLength(shape);
  const totals = await sql<{ responses: number; other_length: number }>`
    select count(*)::int as responses,
           (count(*) filter (where octet_length(sealed) <> ${length}))::int as other_length
      from sealed_responses where run_id = ${runId}
  `.execute(scratch.owner);
  const committed = found.rows[0]?.n ?? 0;
  const responses = (totals.rows[0]?.responses ?? 0) - setupRows;
  const inFlight = responses - acknowledged.length;
  if (committed !== acknowledged.length) {
    throw new Error(`${acknowledged.length} submissions got a 201 but ${committed} are stored`);
  }
  if (inFlight < 0 || inFlight > windows * CONNECTIONS) {
    throw new Error(`${responses} rows for ${acknowledged.length} acknowledged submissions`);
  }
  if ((totals.rows[0]?.other_length ?? 0) !== 0) {
    throw new Error(`${totals.rows[0]?.other_length} sealed rows are not ${length} bytes`);
  }

  const sample = [...acknowledged]
    .map((hash) => ({ hash, order: Math.random() }))
    .sort((x, y) => x.order - y.order)
    .slice(0, OPENED_SAMPLE)
    .map((s) => s.hash);
  const { rows: sealed } = await sql<{ sealed: Buffer }>`
    select sealed from sealed_responses
    where run_id = ${runId}
      and token_hash in (select decode(h, 'hex') from unnest(${sample}::text[]) as h)
  `.execute(scratch.owner);
  const key = deriveKey(scratch.config, 'response-sealing');
  for (const row of sealed) {
    const content = openSealedResponse(row.sealed, shape, key, runId);
    if (content.answers.some((value) => value === null) || content.comment !== null) {
      throw new Error('a sealed response does not hold what its submission answered');
    }
  }
  if (sealed.length !== sample.length) {
    throw new Error(`${sealed.length} of ${sample.length} sampled sealed responses found`);
  }
  return {
    acknowledged: acknowledged.length,
    committed,
    inFlight,
    opened: sealed.length,
    length,
  };
}

const STORE_BATCH = 50;

/**
 * The intake's database work on its own: `sealResponses` (one statement, its own
 * transaction), `STORE_BATCH` responses at a time, sealed beforehand, one connection, after
 * the load has stopped. Returns milliseconds per response.
 */
async function storeCost(
  db: Kysely<Database>,
  organizationId: string,
  run: RunUnderTest,
  sealingKey: Buffer,
): Promise<number> {
  const batches = 20;
  const shape = { questionCount: run.questionIds.length, commentUnits: COMMENT_MAX_LENGTH };
  const make = (i: number): SealedSubmission => {
    const segment = run.segments[i % run.segments.length] as Segment;
    return {
      segmentTeamId: segment.teamId,
      segmentTier: segment.tier,
      tokenHash: randomBytes(32),
      sealed: sealResponse(
        { answers: run.questionIds.map(() => 1 + Math.floor(Math.random() * 5)), comment: null },
        shape,
        sealingKey,
        run.runId,
      ),
    };
  };
  const prepared = Array.from({ length: batches }, () =>
    Array.from({ length: STORE_BATCH }, (_, i) => make(i)),
  );
  const start = performance.now();
  for (const submissions of prepared) {
    const { open, stored } = await sealResponses(db, organizationId, run.runId, submissions);
    if (!open || stored.size !== submissions.length) throw new Error('a batch was not stored');
  }
  return (performance.now() - start) / (batches * STORE_BATCH);
}

async function main(): Promise<void> {
  const scratch = await createBenchDatabase();
  log(`scratch database ${scratch.name} migrated`);
  const handles: DatabaseHandle[] = [];
  const servers: FastifyInstance[] = [];
  const load = LoadGenerator.start();
  try {
    // The API's own pool size (openDatabase's default) for every server.
    const open = async () => {
      const handle = await openDatabase(scratch.config);
      handles.push(handle);
      return handle.db;
    };
    const { runs, invited, organizationId } = await setUpAnsweringRuns(scratch, await open(), [
      'Naive',
      'Group commit',
    ]);
    const [naive, real] = runs as [RunUnderTest, RunUnderTest];
    const rowsNow = async (runId: string) =>
      (
        await sql<{ n: number }>`
          select count(*)::int as n from sealed_responses where run_id = ${runId}
        `.execute(scratch.owner)
      ).rows[0]?.n ?? 0;
    const naiveSetupRows = await rowsNow(naive.runId);
    const realSetupRows = await rowsNow(real.runId);

    // The four servers listen side by side; one at a time is under load. Bare and the
    // app's plumbing get the same bodies (valid tokens of the real run), round and round.
    const started = async (server: FastifyInstance, path: string) => {
      servers.push(server);
      return `${await listen(server)}${path}`;
    };
    const realDb = await open();
    const contenders: Contender[] = [
      {
        label: 'bare',
        url: await started(await bareServer(), '/responses'),
        windows: [],
        tokens: null,
      },
      {
        label: 'plumbing',
        url: await started(await plumbingServer(scratch, await open()), PLUMBING_PATH),
        windows: [],
        tokens: null,
      },
      {
        label: 'naive',
        url: await started(await naiveServer(scratch, await open()), NAIVE_PATH),
        windows: [],
        tokens: new TokenSupply(naive),
      },
      {
        label: 'real',
        url: await started(
          await createHttpServer({ config: scratch.config, db: realDb }),
          '/api/v1/responses',
        ),
        windows: [],
        tokens: new TokenSupply(real),
      },
    ];
    const [bare, plumbing, naiveRoute, realRoute] = contenders as [
      Contender,
      Contender,
      Contender,
      Contender,
    ];
    const samples = (await mint(real, 2000)).map((p) => p.body);

    // Warm-up: each server once, then the rounds, each in a turned order.
    let bound = 0;
    for (const contender of contenders) {
      const warm = await measure(load, contender, WARMUP_S, samples, bound);
      bound = Math.max(bound, warm.perSecond);
      log(`${contender.label}: warm-up ${Math.round(warm.perSecond)}/s`);
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let i = 0; i < contenders.length; i += 1) {
        const contender = contenders[(i + round) % contenders.length] as Contender;
        const window = await measure(load, contender, ROUND_S, samples, bound);
        contender.windows.push(window);
        log(describeWindow(`round ${round + 1}, ${contender.label}`, window));
      }
    }
    for (const server of servers.splice(0)) await server.close();

    const questions = real.questionIds.length;
    const windows = 1 + ROUNDS;
    const naiveDurable = await checkDurable(
      scratch,
      naive.runId,
      naiveRoute.tokens?.acknowledged ?? [],
      naiveSetupRows,
      questions,
      windows,
    );
    const realDurable = await checkDurable(
      scratch,
      real.runId,
      realRoute.tokens?.acknowledged ?? [],
      realSetupRows,
      questions,
      windows,
    );
    log(
      `durable: real ${realDurable.committed}/${realDurable.acknowledged} acknowledged stored ` +
        `(+${realDurable.inFlight} in flight at cut-off); naive ` +
        `${naiveDurable.committed}/${naiveDurable.acknowledged} (+${naiveDurable.inFlight})`,
    );

    const storeMs = await storeCost(
      realDb,
      organizationId,
      real,
      deriveKey(scratch.config, 'response-sealing'),
    );
    log(
      `sealResponses alone: ${storeMs.toFixed(2)} ms per response (${STORE_BATCH} per statement)`,
    );

    const rates = (c: Contender) => c.windows.map((w) => w.perSecond);
    const ratios = (over: Contender) =>
      realRoute.windows.map((w, round) => w.perSecond / (over.windows[round] as Window).perSecond);
    const vsBareRounds = ratios(bare);
    const vsNaiveRounds = ratios(naiveRoute);
    const perSecond = median(rates(realRoute));
    const vsBare = median(vsBareRounds);
    const vsNaive = median(vsNaiveRounds);
    const p99 = pooledPercentile(realRoute.windows, 99);
    const finalLine =
      `intake: per_s=${Math.round(perSecond)} ratio_vs_bare=${vsBare.toFixed(RATIO_DIGITS)} ` +
      `ratio_vs_naive=${vsNaive.toFixed(RATIO_DIGITS)} p99_ms=${p99.toFixed(1)}`;
    await writeDocSection(
      'intake',
      report({
        machine: machine(scratch),
        contenders: [
          { name: 'bare (validates, stores nothing)', contender: bare },
          {
            name: 'for scale: the app, a route that validates and stores nothing',
            contender: plumbing,
          },
          { name: 'naive (one statement per request)', contender: naiveRoute },
          { name: 'real route (group commit)', contender: realRoute },
        ],
        vsBare,
        vsBareRounds,
        vsNaive,
        vsNaiveRounds,
        p99,
        segments: real.segments.length,
        questions,
        invited,
        realDurable,
        naiveDurable,
        storeMs,
        finalLine,
      }),
    );
    process.stdout.write(`${finalLine}\n`);
  } finally {
    for (const server of servers) await server.close();
    load.close();
    for (const handle of handles) await handle.close();
    await scratch.drop();
  }
}

interface Durability {
  readonly acknowledged: number;
  readonly committed: number;
  readonly inFlight: number;
  /** Acknowledged sealed responses opened again and checked. */
  readonly opened: number;
  /** Bytes of every sealed response of the run. */
  readonly length: number;
}

function report(r: {
  machine: string;
  contenders: readonly { name: string; contender: Contender }[];
  vsBare: number;
  vsBareRounds: readonly number[];
  vsNaive: number;
  vsNaiveRounds: readonly number[];
  p99: number;
  segments: number;
  questions: number;
  invited: number;
  realDurable: Durability;
  naiveDurable: Durability;
  storeMs: number;
  finalLine: string;
}): string {
  const verdict = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');
  const rounds = (values: readonly number[], digits: number) =>
    values.map((v) => (digits === 0 ? fmt(v) : v.toFixed(digits))).join(', ');
  const meanCpu = (windows: readonly Window[]): CpuShare | null => {
    const shares = windows.map((w) => w.cpu).filter((c): c is CpuShare => c !== null);
    if (shares.length === 0) return null;
    const mean = (pick: (c: CpuShare) => number) =>
      shares.reduce((sum, c) => sum + pick(c), 0) / shares.length;
    return {
      server: mean((c) => c.server),
      load: mean((c) => c.load),
      postgres: mean((c) => c.postgres),
      other: mean((c) => c.other),
    };
  };
  const row = ({ name, contender: { windows } }: { name: string; contender: Contender }) => {
    const ms = (p: number) => pooledPercentile(windows, p).toFixed(1);
    return (
      `| ${name} | ${fmt(median(windows.map((w) => w.perSecond)))} | ` +
      `${rounds(
        windows.map((w) => w.perSecond),
        0,
      )} | ${ms(50)} | ${ms(99)} | ${rounds(
        windows.map((w) => w.exact.p99),
        1,
      )} | ${Math.max(...windows.map((w) => w.max))} | ${cpuCell(meanCpu(windows))} |`
    );
  };
  const durable = (d: Durability) =>
    `${fmt(d.committed)} of ${fmt(d.acknowledged)} acknowledged submissions found committed ` +
    `in \`sealed_responses\` (+${d.inFlight} rows from requests in flight when a window ` +
    `closed), ${fmt(d.opened)} of them, drawn at random, opened with the sealing key`;
  return `
## Intake: \`POST /api/v1/responses\`

Latest run: ${today()}, on ${r.machine}. Load: ${CONNECTIONS} connections; each server a
${WARMUP_S} s warm-up, then ${ROUNDS} rounds in which every server gets a ${ROUND_S} s window,
in an order that turns each round.

| Server | 2xx/s (median) | 2xx/s by round | p50 ms | p99 ms | p99 ms by round | max ms | CPU cores (mean): server / load generator / PostgreSQL / other |
| --- | --: | --: | --: | --: | --: | --: | --: |
${r.contenders.map(row).join('\n')}

| Target (from the issue) | Measured (median of the rounds' ratios) | By round | Result |
| --- | --: | --: | --- |
| real ≥ 0.30 × bare | ${r.vsBare.toFixed(RATIO_DIGITS)} × | ${rounds(r.vsBareRounds, RATIO_DIGITS)} | ${verdict(r.vsBare >= TARGET.vsBare)} |
| real ≥ 2.5 × naive | ${r.vsNaive.toFixed(RATIO_DIGITS)} × | ${rounds(r.vsNaiveRounds, RATIO_DIGITS)} | ${verdict(r.vsNaive >= TARGET.vsNaive)} |
| real p99 < ${TARGET.p99Ms} ms at ${CONNECTIONS} connections | ${r.p99.toFixed(1)} ms | | ${verdict(r.p99 < TARGET.p99Ms)} |

Output: \`${r.finalLine}\`

- Durability, checked after the run in the database: real route ${durable(r.realDurable)};
  naive ${durable(r.naiveDurable)}. Every sealed row of both runs is
  ${fmt(r.realDurable.length)} bytes (${r.questions} answers and room for a comment of
  ${fmt(COMMENT_MAX_LENGTH)} UTF-16 code units, whatever the response holds); each one opened
  holds its ${r.questions} answers.
- For scale: \`sealResponses\` alone (the intake's database work, ${STORE_BATCH} sealed responses
  per statement, sealed beforehand, one connection, after the load) took
  ${r.storeMs.toFixed(2)} ms per response, i.e. at most ${fmt(1000 / r.storeMs)} responses/s on
  one connection; the intake writes one batch of a run at a time.

**What is measured.** Verified, sealed, durable submissions per second: 2xx responses per
second of a window, each to a request carrying a different valid token, so each is a new
response that was checked (body schema, run and questions, token signature against the
segment key), sealed (\`sealResponse\`: AES-256-GCM under the service's response-sealing key,
padded to the run's one length) and committed in \`sealed_responses\` before its 201. Any non-2xx, connection error or timeout fails the run. A
ratio is taken within each round (the real route's rate over the baseline's in the same
round) and the median of the rounds' ratios is reported; per_s is the median of the real
route's rounds. Latency percentiles are exact (nearest rank) over every 2xx response of a
server's rounds, as autocannon timed it from writing the request to the end of the response.

**How.**

- Four servers in the benchmark's process, listening side by side, one under load at a
  time, each with a pool of 10 connections (the API's default): *bare*, plain Fastify with
  the route's TypeBox body schema and a 201 reply; for scale only, *the app*
  (\`createHttpServer\`: security headers, the strict JSON parser, the route's logging off)
  with a route that does what bare does; *naive*, the real app (\`createHttpServer\`) plus a
  route that checks and seals a submission with the real route's own checks
  (\`SubmissionChecks\`, with the same sealing key), then stores the sealed response alone
  with the intake's own statement (\`sealResponses\` with one response: one INSERT, its own
  transaction, per request); *real*, \`createHttpServer\` and \`POST /api/v1/responses\`
  (group commit).
- Why rounds: on this shared virtual machine one server's rate moves by a quarter or more
  from one minute to the next, so windows of the baseline and of the real route a minute
  apart would measure that drift as much as the route. Within a round they are seconds
  apart, and the order turns so that no server always follows the same one.
- Load generator: autocannon's programmatic API in a **child process** (bench/load.ts), so
  it does not share the servers' event loop; it does share the ${os.cpus().length} cores
  with them and with PostgreSQL. CPU is sampled from /proc over each
  window, in cores: the server's process, the load generator's, all PostgreSQL processes,
  and everything else on the machine.
- Data, all through the API in-process (\`inject\`): signup, a roster of ${fmt(r.invited)}
  people (${TEAMS} teams of ${LEADERS_PER_TEAM} leaders and ${FRONTLINE_PER_TEAM} frontline staff, JSON import),
  ${PRIORITIES} priorities, two pulses of ${PRIORITIES} × 7 = ${r.questions} questions, a run of each (one for naive, one for real,
  counted apart; starting a run makes its ${r.segments} segment keys), the deliver-invitations
  job into the development outbox, every link opened (\`GET /invite/:secret\`), and for each
  segment one token through the full blind round trip (the answer page's
  \`requestToken\` and \`POST /invite/:secret/token\`) submitted through the real route.
- Tokens for the load: one invitation yields one token, and the browser's half of the round
  trip costs ~37 ms of pure JavaScript per token (measured on this machine), so the bulk is minted directly with each
  segment's private key (unsealed as the token route does): an RFC 9474 token *is* an
  RSASSA-PSS (SHA-384, 48-byte salt) signature of the 64-byte prepared message, exactly what
  Finalize outputs. Every 500th is checked with \`verifyToken\`; the route verifies them all.
  Bodies answer every question with a random value 1–5, no comment. The bare server and the
  app's plumbing get the same bodies, round and round; naive and real each take every token
  once: before each of their windows, tokens are minted for one and a half times their
  fastest rate so far (the bare rate before their first), and a pool that runs out fails
  the run.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `intake benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
