// `npm run bench -- intake`: verified, durable submissions per second of
// `POST /api/v1/responses` (group commit), against a bare Fastify route that only validates
// the same body and a naive route that verifies the same way but stores each response with
// its own statement (one INSERT per request). See docs/PERFORMANCE.md.
import {
  constants,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import os from 'node:os';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  decryptPrivateKey,
  TOKEN_MESSAGE_LENGTH,
  TOKEN_SALT_LENGTH,
  tokenHash,
  verifyToken,
} from '@pulsegap/anonymity';
import { requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import { createHttpServer, ResponseSubmission, SubmissionChecks } from '@pulsegap/api';
import { deriveKey } from '@pulsegap/config';
import { recomputeRunRequest } from '@pulsegap/jobs';
import {
  admitResponses,
  openDatabase,
  type Database,
  type DatabaseHandle,
  type TierValue,
} from '@pulsegap/db';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { sql, type Kysely } from 'kysely';
import Type from 'typebox';
import {
  Api,
  assertClean,
  CONNECTIONS,
  cpuCell,
  createPriorities,
  createBenchDatabase,
  describeWindow,
  DURATION_S,
  fmt,
  importRoster,
  listen,
  LoadGenerator,
  log,
  machine,
  roster,
  secretOfLink,
  settled,
  signup,
  startRun,
  today,
  WARMUP_S,
  writeDocSection,
  type ScratchDatabase,
  type Window,
} from './harness.js';

// The organization: 4 teams of 10 leaders and 100 frontline staff (8 segments), a pulse of
// 4 priorities × 7 dimensions = 28 questions.
const TEAMS = 4;
const LEADERS_PER_TEAM = 10;
const FRONTLINE_PER_TEAM = 100;
const PRIORITIES = 4;

const TARGET = { vsBare: 0.3, vsNaive: 2.5, p99Ms: 50 };

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
// parser) with one more route that checks a submission with the real route's own checks
// (`SubmissionChecks`: the run, its questions, the token against the segment key) and then
// stores it alone: the intake's own statement (`admitResponses`, one
// statement that is its own transaction, with the open-run check and the recompute
// request) for each request, with no batching. One INSERT per request.

const NAIVE_PATH = '/bench/naive/responses';

async function naiveServer(
  scratch: ScratchDatabase,
  db: Kysely<Database>,
): Promise<FastifyInstance> {
  const server = await createHttpServer({ config: scratch.config, db });
  const checks = new SubmissionChecks(db);
  const refuse = (reply: FastifyReply, status: number, detail: string) =>
    reply.code(status).type('application/problem+json').send({ status, detail });

  server
    .withTypeProvider<TypeBoxTypeProvider>()
    .post(
      NAIVE_PATH,
      { logLevel: 'silent', schema: { body: Submission } },
      async (request, reply) => {
        const { organizationId, runId, response } = await checks.check(request.body);
        const { open, stored } = await admitResponses(
          db,
          organizationId,
          runId,
          [response],
          recomputeRunRequest(organizationId, runId),
        );
        if (!open) return refuse(reply, 410, 'closed');
        if (stored.size === 0) return refuse(reply, 409, 'token used');
        return reply.code(201).send({ status: 'recorded' as const });
      },
    );
  await server.ready();
  return server;
}

// ---------------------------------------------------------------------------------------
// Tokens

interface Segment {
  readonly keyId: string;
  readonly teamId: string | null;
  readonly tier: TierValue;
  readonly publicKeySpki: Buffer;
  readonly privateKey: KeyObject;
}

interface RunUnderTest {
  readonly runId: string;
  readonly questionIds: readonly string[];
  readonly segments: readonly Segment[];
}

/** A prepared submission: its JSON body and the hash of its token (hex) as stored. */
interface Prepared {
  readonly body: string;
  readonly hash: string;
}

function signPss(message: Buffer, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // With a callback, node:crypto signs on libuv's thread pool: both cores mint.
    sign(
      'sha384',
      message,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: TOKEN_SALT_LENGTH },
      (error, signature) => {
        if (error === null) resolve(signature);
        else reject(error);
      },
    );
  });
}

/**
 * Mints `count` valid tokens for the run, spread over its segments, each in a submission
 * answering every question. A token is what RFC 9474's Finalize returns: an RSASSA-PSS
 * signature (SHA-384, MGF1-SHA-384, 48-byte salt) of the prepared message (32 random bytes
 * of prefix, then the 32-byte random message) under the segment's key. The blind round
 * trip is skipped here (the browser's half costs ~37 ms per token in pure JavaScript); the
 * setup checks one real round trip per segment, and every 500th minted token is checked
 * with `verifyToken` against the published key.
 */
async function mint(run: RunUnderTest, count: number): Promise<Prepared[]> {
  const prepared: Prepared[] = [];
  const BATCH = 256;
  for (let start = 0; start < count; start += BATCH) {
    const size = Math.min(BATCH, count - start);
    const batch = await Promise.all(
      Array.from({ length: size }, async (_, i) => {
        const segment = run.segments[(start + i) % run.segments.length] as Segment;
        const message = randomBytes(TOKEN_MESSAGE_LENGTH);
        const signature = await signPss(message, segment.privateKey);
        if ((start + i) % 500 === 0 && !verifyToken(segment.publicKeySpki, message, signature)) {
          throw new Error('a minted token does not verify');
        }
        const body = JSON.stringify({
          runId: run.runId,
          token: {
            keyId: segment.keyId,
            message: message.toString('base64url'),
            signature: signature.toString('base64url'),
          },
          answers: run.questionIds.map((questionId) => ({
            questionId,
            value: 1 + Math.floor(Math.random() * 5),
          })),
        });
        return { body, hash: tokenHash(message).toString('hex') };
      }),
    );
    prepared.push(...batch);
  }
  return prepared;
}

// ---------------------------------------------------------------------------------------
// Setup through the API

interface Invite {
  runId: string;
  keyId: string;
  publicKey: string;
  questions: { id: string }[];
}

async function setUp(scratch: ScratchDatabase, db: Kysely<Database>) {
  const server = await createHttpServer({ config: scratch.config, db });
  const api = new Api(server);
  try {
    const organizationId = await signup(api, 'Intake Benchmark Co');
    await importRoster(api, roster(TEAMS, LEADERS_PER_TEAM, FRONTLINE_PER_TEAM));
    const priorityIds = await createPriorities(api, PRIORITIES);
    // One run for the naive baseline, one for the real route: each run's rows are counted
    // on their own.
    const naiveRun = await startRun(api, scratch, db, organizationId, 'Naive', priorityIds);
    const realRun = await startRun(api, scratch, db, organizationId, 'Group commit', priorityIds);
    log(`organization ready: ${naiveRun.invited} + ${realRun.invited} invitations delivered`);

    const outbox = await api.call<{ items: { link: string | null }[] }>(
      'GET',
      '/api/v1/dev/outbox',
    );
    const secrets = outbox.items.map((m) => secretOfLink(m.link));
    if (secrets.length !== naiveRun.invited + realRun.invited) {
      throw new Error(`the outbox holds ${secrets.length} links`);
    }
    // Opening a link makes its segment's key (GET /invite/:secret); the first link of each
    // segment then gets a token the way the answer page does (the browser's blind/finalize
    // from @pulsegap/anonymity/client, the server's POST /invite/:secret/token) and submits
    // it through POST /responses.
    const firstOfKey = new Map<string, { secret: string; invite: Invite }>();
    for (const secret of secrets) {
      const invite = await api.call<Invite>('GET', `/api/v1/invite/${secret}`);
      if (!firstOfKey.has(invite.keyId)) firstOfKey.set(invite.keyId, { secret, invite });
    }
    for (const { secret, invite } of firstOfKey.values()) {
      const token = await requestToken(invite.publicKey, async (blinded) => {
        const { blindSignature } = await api.call<{ blindSignature: string }>(
          'POST',
          `/api/v1/invite/${secret}/token`,
          { blindedMessage: toBase64Url(blinded) },
        );
        return Buffer.from(blindSignature, 'base64url');
      });
      await api.call('POST', '/api/v1/responses', {
        runId: invite.runId,
        token: {
          keyId: invite.keyId,
          message: toBase64Url(token.message),
          signature: toBase64Url(token.signature),
        },
        answers: invite.questions.map((q) => ({ questionId: q.id, value: 3 })),
      });
    }

    // The segments' private keys, unsealed as the token route does (`signerFor`).
    const sealing = deriveKey(scratch.config, 'segment-key-sealing');
    const runOf = async (runId: string): Promise<RunUnderTest> => {
      const rows = await scratch.owner
        .selectFrom('segment_keys')
        .select(['id', 'public_key', 'private_key_sealed', 'segment_team_id', 'segment_tier'])
        .where('run_id', '=', runId)
        .execute();
      const segments = rows.map((row) => {
        const privateKey = createPrivateKey({
          key: decryptPrivateKey(row.private_key_sealed, sealing, `segment-key:${row.id}`),
          format: 'der',
          type: 'pkcs8',
        });
        const derived = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
        if (!derived.equals(row.public_key)) throw new Error('a segment key does not match');
        return {
          keyId: row.id,
          teamId: row.segment_team_id,
          tier: row.segment_tier,
          publicKeySpki: row.public_key,
          privateKey,
        };
      });
      const invite = [...firstOfKey.values()].find((f) => f.invite.runId === runId)?.invite;
      if (invite === undefined || segments.length === 0) throw new Error('no segment keys');
      return { runId, questionIds: invite.questions.map((q) => q.id), segments };
    };
    const naive = await runOf(naiveRun.runId);
    const real = await runOf(realRun.runId);
    log(
      `${naive.segments.length} + ${real.segments.length} segment keys, ` +
        `${real.questionIds.length} questions; one real token per segment submitted`,
    );
    return { naive, real, invited: realRun.invited, organizationId };
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------------------------------
// Measuring

interface Phase {
  readonly warmup: Window;
  readonly measured: Window;
}

/** Warm-up then measured window against a route that stores: every request a fresh token. */
async function measureStoring(
  load: LoadGenerator,
  url: string,
  run: RunUnderTest,
  bareRate: number,
  label: string,
): Promise<Phase & { acknowledged: string[] }> {
  // No route that stores can outrun the bare one, so the bare rate bounds what a window
  // can use; the warm-up's own rate sizes the measured window's pool (twice it, at most the
  // bound). A pool that still runs out fails the run rather than repeating a token.
  const bound = (seconds: number) => Math.ceil(bareRate * seconds * 1.1) + CONNECTIONS;
  let pool = await mint(run, bound(WARMUP_S));
  const warmup = await load.run({
    url,
    seconds: WARMUP_S,
    kind: 'submission',
    pool: 'once',
    lines: pool.map((p) => p.body),
  });
  assertClean(`${label} warm-up`, warmup);
  const acknowledged = warmup.acknowledged.map((i) => (pool[i] as Prepared).hash);
  pool = pool.slice(warmup.taken);
  const wanted = Math.min(bound(DURATION_S), Math.ceil(warmup.perSecond * 2 * DURATION_S) + 1000);
  if (pool.length < wanted) pool.push(...(await mint(run, wanted - pool.length)));
  log(`${label}: warm-up ${Math.round(warmup.perSecond)}/s; ${pool.length} tokens for the window`);
  const measured = await load.run({
    url,
    seconds: DURATION_S,
    kind: 'submission',
    pool: 'once',
    lines: pool.map((p) => p.body),
  });
  assertClean(label, measured);
  acknowledged.push(...measured.acknowledged.map((i) => (pool[i] as Prepared).hash));
  log(describeWindow(label, measured));
  return { warmup, measured, acknowledged };
}

/**
 * Every acknowledged submission is committed: each token hash that got a 201 is in
 * `responses` for the run, with all its answers. Rows beyond those are requests still in
 * flight when a window closed (the load generator hung up; the server committed them).
 */
async function checkDurable(
  scratch: ScratchDatabase,
  runId: string,
  acknowledged: readonly string[],
  setupRows: number,
  questions: number,
) {
  const found = await sql<{ n: number }>`
    select count(*)::int as n from responses
    where run_id = ${runId}
      and token_hash in (select decode(h, 'hex') from unnest(${acknowledged}::text[]) as h)
  `.execute(scratch.owner);
  await settled(async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from responses where run_id = ${runId}
    `.execute(scratch.owner);
    return rows[0]?.n ?? 0;
  });
  const totals = await sql<{ responses: number; answers: number }>`
    select (select count(*)::int from responses where run_id = ${runId}) as responses,
      (select count(*)::int from responses r, unnest(r.answers) v
        where r.run_id = ${runId} and v is not null) as answers
  `.execute(scratch.owner);
  const committed = found.rows[0]?.n ?? 0;
  const responses = (totals.rows[0]?.responses ?? 0) - setupRows;
  const answers = totals.rows[0]?.answers ?? 0;
  const inFlight = responses - acknowledged.length;
  if (committed !== acknowledged.length) {
    throw new Error(`${acknowledged.length} submissions got a 201 but ${committed} are stored`);
  }
  if (inFlight < 0 || inFlight > 2 * CONNECTIONS) {
    throw new Error(`${responses} rows for ${acknowledged.length} acknowledged submissions`);
  }
  if (answers !== (responses + setupRows) * questions) {
    throw new Error(`${answers} answers for ${responses + setupRows} responses`);
  }
  return { acknowledged: acknowledged.length, committed, rows: responses, inFlight };
}

const STORE_BATCH = 50;

/**
 * The intake's database work on its own: `admitResponses` (one statement, its own
 * transaction), `STORE_BATCH` responses at a time, one connection, after the load has
 * stopped. Returns milliseconds per response.
 */
async function storeCost(
  db: Kysely<Database>,
  organizationId: string,
  run: RunUnderTest,
): Promise<number> {
  const batches = 20;
  const make = (i: number) => {
    const segment = run.segments[i % run.segments.length] as Segment;
    return {
      segmentTeamId: segment.teamId,
      segmentTier: segment.tier,
      tokenHash: randomBytes(32),
      comment: null,
      answers: run.questionIds.map(() => 1 + Math.floor(Math.random() * 5)),
    };
  };
  const start = performance.now();
  for (let b = 0; b < batches; b += 1) {
    const responses = Array.from({ length: STORE_BATCH }, (_, i) => make(i));
    await admitResponses(
      db,
      organizationId,
      run.runId,
      responses,
      recomputeRunRequest(organizationId, run.runId),
    );
  }
  return (performance.now() - start) / (batches * STORE_BATCH);
}

async function main(): Promise<void> {
  const scratch = await createBenchDatabase();
  log(`scratch database ${scratch.name} migrated`);
  const handles: DatabaseHandle[] = [];
  const load = LoadGenerator.start();
  try {
    // The API's own pool size (openDatabase's default) for every server.
    const open = async () => {
      const handle = await openDatabase(scratch.config);
      handles.push(handle);
      return handle.db;
    };
    const { naive, real, invited, organizationId } = await setUp(scratch, await open());
    const rowsNow = async (runId: string) =>
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from responses where run_id = ${runId}`.execute(scratch.owner)
      ).rows[0]?.n ?? 0;
    const naiveSetupRows = await rowsNow(naive.runId);
    const realSetupRows = await rowsNow(real.runId);

    // 1. Bare: the same bodies (valid tokens of the real run), round and round; then the
    // app's plumbing alone, the same way.
    const samples = (await mint(real, 2000)).map((p) => p.body);
    const cycling = async (url: string, label: string) => {
      const warm = await load.run({
        url,
        seconds: WARMUP_S,
        kind: 'submission',
        pool: 'cycle',
        lines: samples,
      });
      assertClean(`${label} warm-up`, warm);
      const window = await load.run({
        url,
        seconds: DURATION_S,
        kind: 'submission',
        pool: 'cycle',
        lines: samples,
      });
      assertClean(label, window);
      log(describeWindow(label, window));
      return window;
    };
    const bare = await bareServer();
    const bareWindow = await cycling(`${await listen(bare)}/responses`, 'bare');
    await bare.close();
    const plumbing = await plumbingServer(scratch, await open());
    const plumbingWindow = await cycling(`${await listen(plumbing)}${PLUMBING_PATH}`, 'plumbing');
    await plumbing.close();

    // 2. Naive: one statement per request.
    const naiveApp = await naiveServer(scratch, await open());
    const naivePhase = await measureStoring(
      load,
      `${await listen(naiveApp)}${NAIVE_PATH}`,
      naive,
      bareWindow.perSecond,
      'naive',
    );
    await naiveApp.close();

    // 3. The real route: createHttpServer, POST /api/v1/responses (group commit).
    const realDb = await open();
    const realApp = await createHttpServer({ config: scratch.config, db: realDb });
    const realPhase = await measureStoring(
      load,
      `${await listen(realApp)}/api/v1/responses`,
      real,
      bareWindow.perSecond,
      'real',
    );
    await realApp.close();

    const questions = real.questionIds.length;
    const naiveDurable = await checkDurable(
      scratch,
      naive.runId,
      naivePhase.acknowledged,
      naiveSetupRows,
      questions,
    );
    const realDurable = await checkDurable(
      scratch,
      real.runId,
      realPhase.acknowledged,
      realSetupRows,
      questions,
    );
    log(
      `durable: real ${realDurable.committed}/${realDurable.acknowledged} acknowledged stored ` +
        `(+${realDurable.inFlight} in flight at cut-off); naive ` +
        `${naiveDurable.committed}/${naiveDurable.acknowledged} (+${naiveDurable.inFlight})`,
    );

    const storeMs = await storeCost(realDb, organizationId, real);
    log(
      `admitResponses alone: ${storeMs.toFixed(2)} ms per response (${STORE_BATCH} per statement)`,
    );

    const perSecond = realPhase.measured.perSecond;
    const vsBare = perSecond / bareWindow.perSecond;
    const vsNaive = perSecond / naivePhase.measured.perSecond;
    const p99 = realPhase.measured.p99;
    const finalLine =
      `intake: per_s=${Math.round(perSecond)} ratio_vs_bare=${vsBare.toFixed(2)} ` +
      `ratio_vs_naive=${vsNaive.toFixed(2)} p99_ms=${p99}`;
    await writeDocSection(
      'intake',
      report({
        machine: machine(scratch),
        bare: bareWindow,
        plumbing: plumbingWindow,
        naive: naivePhase.measured,
        real: realPhase.measured,
        vsBare,
        vsNaive,
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
    load.close();
    for (const handle of handles) await handle.close();
    await scratch.drop();
  }
}

interface Durability {
  readonly acknowledged: number;
  readonly committed: number;
  readonly inFlight: number;
}

function report(r: {
  machine: string;
  bare: Window;
  plumbing: Window;
  naive: Window;
  real: Window;
  vsBare: number;
  vsNaive: number;
  segments: number;
  questions: number;
  invited: number;
  realDurable: Durability;
  naiveDurable: Durability;
  storeMs: number;
  finalLine: string;
}): string {
  const verdict = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');
  const cpu = (w: Window) => cpuCell(w.cpu);
  const row = (name: string, w: Window) =>
    `| ${name} | ${fmt(w.perSecond)} | ${fmt(w.ok)} | ${w.p50} | ${w.p99} | ${w.max} | ${cpu(w)} |`;
  const durable = (d: Durability) =>
    `${fmt(d.committed)} of ${fmt(d.acknowledged)} acknowledged submissions found committed ` +
    `(+${d.inFlight} rows from requests in flight when a window closed)`;
  return `
## Intake: \`POST /api/v1/responses\`

Latest run: ${today()}, on ${r.machine}. Load: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up
then a ${DURATION_S} s measured window per server.

| Server | 2xx/s | 2xx in window | p50 ms | p99 ms | max ms | CPU cores: server / load generator / PostgreSQL / other |
| --- | --: | --: | --: | --: | --: | --: |
${row('bare (validates, stores nothing)', r.bare)}
${row('for scale: the app, a route that validates and stores nothing', r.plumbing)}
${row('naive (one statement per request)', r.naive)}
${row('real route (group commit)', r.real)}

| Target (from the issue) | Measured | Result |
| --- | --: | --- |
| real ≥ 0.30 × bare | ${r.vsBare.toFixed(2)} × | ${verdict(r.vsBare >= TARGET.vsBare)} |
| real ≥ 2.5 × naive | ${r.vsNaive.toFixed(2)} × | ${verdict(r.vsNaive >= TARGET.vsNaive)} |
| real p99 < ${TARGET.p99Ms} ms at ${CONNECTIONS} connections | ${r.real.p99} ms | ${verdict(r.real.p99 < TARGET.p99Ms)} |

Output: \`${r.finalLine}\`

- Durability, checked after the run in the database: real route ${durable(r.realDurable)};
  naive ${durable(r.naiveDurable)}. Every response has its ${r.questions} answers.
- For scale: \`admitResponses\` alone (the intake's database work, ${STORE_BATCH} responses per
  statement, one connection, nothing else running) took ${r.storeMs.toFixed(2)} ms per
  response, i.e. at most ${fmt(1000 / r.storeMs)} responses/s on one connection; the intake
  writes up to eight batches of a run at a time.

**What is measured.** Verified, durable submissions per second: 2xx responses per second of
the measured window, each to a request carrying a different valid token, so each is a new
response that was checked (body schema, run and questions, token signature against the
segment key) and committed before its 201. Any non-2xx, connection error or timeout fails the
run. per_s and p99 are the real route's; the ratios divide its rate by the baselines'.

**How.**

- Four servers in the benchmark's process, one after another, each with a pool of 10
  connections (the API's default): *bare*, plain Fastify with the route's TypeBox body schema
  and a 201 reply; for scale only, *the app* (\`createHttpServer\`: security headers, the
  strict JSON parser, the route's logging off) with a route that does what bare does;
  *naive*, the real app (\`createHttpServer\`) plus a route that checks
  a submission with the real route's own checks (\`SubmissionChecks\`), then stores the
  response alone with the intake's own statement (\`admitResponses\` with one response:
  one INSERT, its own transaction, per request); *real*, \`createHttpServer\` and
  \`POST /api/v1/responses\` (group commit).
- Load generator: autocannon's programmatic API in a **child process** (bench/load.ts), so
  it does not share the servers' event loop; it does share the ${os.cpus().length} cores
  with them and with PostgreSQL. CPU is sampled from /proc over each
  window, in cores: the server's process, the load generator's, all PostgreSQL processes,
  and everything else on the machine.
- Data, all through the API in-process (\`inject\`): signup, a roster of ${fmt(r.invited)}
  people (${TEAMS} teams of ${LEADERS_PER_TEAM} leaders and ${FRONTLINE_PER_TEAM} frontline staff, JSON import),
  ${PRIORITIES} priorities, two pulses of ${PRIORITIES} × 7 = ${r.questions} questions, a run of each (one for naive, one for real,
  counted apart), the deliver-invitations job into the development outbox, every link
  opened (\`GET /invite/:secret\`, which makes the ${r.segments} segment keys of each run),
  and for each segment one token through the full blind round trip (the answer page's
  \`requestToken\` and \`POST /invite/:secret/token\`) submitted through the real route.
- Tokens for the load: one invitation yields one token, and the browser's half of the round
  trip costs ~37 ms of pure JavaScript per token (measured on this machine), so the bulk is minted directly with each
  segment's private key (unsealed as the token route does): an RFC 9474 token *is* an
  RSASSA-PSS (SHA-384, 48-byte salt) signature of the 64-byte prepared message, exactly what
  Finalize outputs. Every 500th is checked with \`verifyToken\`; the route verifies them all.
  Bodies answer every question with a random value 1–5, no comment. The bare server gets
  the same bodies, round and round; naive and real each take every token once, from pools
  sized from the warm-up rate (a pool that runs out fails the run).
`;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `intake benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
