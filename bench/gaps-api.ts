// `npm run bench -- gaps-api`: latency of the real `GET /api/v1/runs/:id/gaps` for a released
// run of 100,000 responses (the data set of `close`), at 20 connections, against a bare
// Fastify route that sends a stored JSON document of the same size. See docs/PERFORMANCE.md.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import { createHttpServer } from '@pulsegap/api';
import {
  openDatabase,
  readRelease,
  withTenant,
  type Database,
  type DatabaseHandle,
} from '@pulsegap/db';
import { createJobContext, releaseRunRequest, runJob } from '@pulsegap/jobs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import {
  Api,
  assertClean,
  cpuCell,
  createBenchDatabase,
  describeWindow,
  DURATION_S,
  fmt,
  listen,
  LoadGenerator,
  log,
  machineBusyCores,
  machine,
  median,
  today,
  WARMUP_S,
  writeDocSection,
  type Window,
} from './harness.js';
import { checkRelease, createLargeRun, QUESTIONS, TEAMS, type LargeRun } from './large-run.js';

/** The target and load. */
const TARGET_P95_MS = 20;
const CONNECTIONS = 20;

const PASSWORD = 'benchmark password, not a secret';

/** An executive of the organization (who reads the dashboard), signed in: their token. */
async function executiveToken(server: FastifyInstance, run: LargeRun): Promise<string> {
  const api = new Api(server);
  api.token = run.adminToken;
  const email = `exec-${randomUUID().slice(0, 8)}@bench.test`;
  await api.call('POST', '/api/v1/users', { email, password: PASSWORD, role: 'executive' });
  api.token = '';
  const { token } = await api.call<{ token: string }>('POST', '/api/v1/auth/login', {
    email,
    password: PASSWORD,
  });
  return token;
}

interface GapsBody {
  runId: string;
  releasedAt: string;
  cells: { teamId: string | null; suppressed: boolean }[];
}

/** One GET over HTTP, checked: 200, JSON, the run's id and every cell. Returns the body. */
async function fetchGaps(url: string, token: string, run: LargeRun): Promise<string> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET gaps answered ${response.status}: ${text}`);
  const body = JSON.parse(text) as GapsBody;
  const expected = QUESTIONS * (TEAMS + 1);
  if (
    body.runId !== run.runId ||
    body.cells.length !== expected ||
    Number.isNaN(Date.parse(body.releasedAt))
  ) {
    throw new Error(
      `GET gaps: run ${body.runId}, released ${body.releasedAt}, ${body.cells.length} cells, ` +
        `not ${expected}`,
    );
  }
  return text;
}

/**
 * Baseline: a bare Fastify route that sends `json` as stored bytes, gzipped when the client
 * takes gzip as the real route does (what sending the bytes costs).
 */
async function bareServer(json: string): Promise<FastifyInstance> {
  const plain = Buffer.from(json);
  const zipped = gzipSync(plain);
  const fastify = Fastify({ logger: false });
  fastify.get('/gaps', async (request, reply) => {
    const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
    void reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
    if (gzip) void reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? zipped : plain);
  });
  await fastify.ready();
  return fastify;
}

/**
 * What the load sends: the token, and no Accept-Encoding, so both servers send the JSON as
 * it is. With gzip accepted (as browsers do) the load generator, not the servers, is the
 * limit here: measured on this machine, both served ~1,100/s with the load generator's
 * process at a full core.
 */
function loadHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** 2 s warm-up, then the measured window; every response a 200. */
async function measure(
  load: LoadGenerator,
  label: string,
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<Window> {
  const options = {
    url,
    kind: 'get' as const,
    pool: 'cycle' as const,
    lines: [path],
    connections: CONNECTIONS,
    headers,
  };
  const warmup = await load.run({ ...options, seconds: WARMUP_S });
  assertClean(`${label} warm-up`, warmup);
  const window = await load.run({ ...options, seconds: DURATION_S });
  assertClean(label, window);
  const codes = Object.keys(window.statusCodes);
  if (codes.length !== 1 || codes[0] !== '200') {
    throw new Error(`${label}: status codes ${JSON.stringify(window.statusCodes)}, not only 200`);
  }
  log(
    `${describeWindow(label, window)}; exact p50 ${window.exact.p50.toFixed(1)} ms, ` +
      `p95 ${window.exact.p95.toFixed(1)} ms, p99 ${window.exact.p99.toFixed(1)} ms`,
  );
  return window;
}

/**
 * For scale, one at a time with nothing else running: the whole route over HTTP, and
 * reading the run's release in a tenant transaction (`readRelease`: the stored document,
 * parsed and checked against the release schema; what the route does, before serializing
 * it, for a run it has not served before). Median milliseconds of 50, after 10 untimed.
 */
async function sequential(
  db: Kysely<Database>,
  run: LargeRun,
  url: string,
  token: string,
): Promise<{ route: number; readRelease: number }> {
  const time = async (work: () => Promise<unknown>) => {
    for (let i = 0; i < 10; i += 1) await work();
    const times: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const start = performance.now();
      await work();
      times.push(performance.now() - start);
    }
    return median(times);
  };
  return {
    route: await time(async () => {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
    }),
    readRelease: await time(() =>
      withTenant(db, run.organizationId, (trx) => readRelease(trx, run.runId)),
    ),
  };
}

async function main(): Promise<void> {
  const scratch = await createBenchDatabase();
  log(`scratch database ${scratch.name} migrated`);
  const handles: DatabaseHandle[] = [];
  const servers: FastifyInstance[] = [];
  const load = LoadGenerator.start();
  try {
    const handle = await openDatabase(scratch.config);
    handles.push(handle);
    const db = handle.db;
    const run = await createLargeRun(scratch, db);

    // The release the route serves: the release-run job once, in-process, as the worker
    // would run it on the closed run.
    const request = releaseRunRequest(run.organizationId, run.runId);
    const context = createJobContext(scratch.config, db);
    try {
      const start = performance.now();
      await runJob(context, request.name, request.payload);
      log(`released in ${fmt(performance.now() - start)} ms`);
    } finally {
      context.mailer.close();
    }
    const check = await checkRelease(scratch, run);

    // The real route: createHttpServer (pool of 10, the API's default), listening.
    const app = await createHttpServer({ config: scratch.config, db });
    servers.push(app);
    const url = await listen(app);
    const token = await executiveToken(app, run);
    const path = `/api/v1/runs/${run.runId}/gaps`;
    const json = await fetchGaps(`${url}${path}`, token, run);
    const bytes = Buffer.byteLength(json);
    const gzipped = gzipSync(json).length;
    log(`GET ${path}: 200, ${fmt(bytes)} bytes (${fmt(gzipped)} gzipped), ${check.cells} cells`);

    // How busy the machine is without us (it is shared): nothing of ours runs meanwhile.
    const idle = await machineBusyCores(2);
    log(`machine busy without the benchmark: ${idle?.toFixed(2) ?? 'n/a'} cores`);

    const bare = await bareServer(json);
    servers.push(bare);
    const bareWindow = await measure(load, 'bare', await listen(bare), '/gaps', loadHeaders(token));
    await bare.close();

    const real = await measure(load, 'gaps route', url, path, loadHeaders(token));
    // Still the same figures after the load.
    if ((await fetchGaps(`${url}${path}`, token, run)) !== json) {
      throw new Error('GET gaps answered a different body after the load');
    }
    const alone = await sequential(db, run, `${url}${path}`, token);
    log(
      `one at a time: route ${alone.route.toFixed(1)} ms, readRelease ` +
        `${alone.readRelease.toFixed(1)} ms`,
    );
    await app.close();

    const finalLine =
      `gaps-api: p95_ms=${real.exact.p95.toFixed(1)} p50_ms=${real.exact.p50.toFixed(1)} ` +
      `per_s=${Math.round(real.perSecond)}`;
    await writeDocSection(
      'gaps-api',
      report({
        machine: machine(scratch),
        run,
        bytes,
        gzipped,
        cells: check.cells,
        bare: bareWindow,
        real,
        alone,
        idle,
        finalLine,
      }),
    );
    process.stdout.write(`${finalLine}\n`);
  } finally {
    load.close();
    for (const server of servers) await server.close();
    for (const handle of handles) await handle.close();
    await scratch.drop();
  }
}

/** Milliseconds of CPU per 200 response of one process group over a window. */
function perRequest(w: Window, of: 'server' | 'postgres'): string {
  return w.cpu === null ? 'n/a' : ((1000 * w.cpu[of]) / w.perSecond).toFixed(2);
}

function report(r: {
  machine: string;
  run: LargeRun;
  bytes: number;
  gzipped: number;
  cells: number;
  bare: Window;
  real: Window;
  alone: { route: number; readRelease: number };
  idle: number | null;
  finalLine: string;
}): string {
  const row = (label: string, w: Window) =>
    `| ${label} | ${fmt(w.perSecond)} | ${w.exact.p50.toFixed(1)} | ${w.exact.p95.toFixed(1)} | ` +
    `${w.exact.p99.toFixed(1)} | ${w.max} | ${cpuCell(w.cpu)} |`;
  const p95 = r.real.exact.p95;
  return `
## Gaps: \`GET /api/v1/runs/:id/gaps\`

Latest run: ${today()}, on ${r.machine}. Load: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up
then a ${DURATION_S} s measured window per server.

| Server | 200/s | p50 ms | p95 ms | p99 ms | max ms | CPU cores: server / load generator / PostgreSQL / other |
| --- | --: | --: | --: | --: | --: | --: |
${row('bare (sends the same JSON, stored)', r.bare)}
${row('real route', r.real)}

| Target (from the issue) | Measured | Result |
| --- | --: | --- |
| p95 < ${TARGET_P95_MS} ms at ${CONNECTIONS} connections | ${p95.toFixed(1)} ms | ${p95 < TARGET_P95_MS ? '**pass**' : '**FAIL**'} |
| for scale: real p95 ÷ bare p95 | ${(p95 / r.bare.exact.p95).toFixed(1)} × | |
| for scale: real rate ÷ bare rate | ${(r.real.perSecond / r.bare.perSecond).toFixed(2)} × | |

Output: \`${r.finalLine}\`

- Every response of both windows was a 200 (${fmt(r.real.ok)} from the real route in the
  window); one response before and one after the load were parsed: the run's ${r.cells} cells
  (${QUESTIONS} questions × (${TEAMS} teams + the organization)), ${fmt(r.bytes)} bytes of JSON,
  the same body both times. The load generator asks for no compression, and the API sends
  none; for scale, gzip would make the body ${fmt(r.gzipped)} bytes.
- For scale, one request at a time with no load (medians of 50): the route over HTTP
  ${r.alone.route.toFixed(1)} ms; reading the run's release (\`readRelease\`: the stored
  document, parsed and checked with \`parseRelease\`, in a tenant transaction)
  ${r.alone.readRelease.toFixed(1)} ms. The route does that once per run and keeps the JSON
  it made (a release never changes).
- CPU per 200, from the windows' samples: server ${perRequest(r.bare, 'server')} ms bare,
  ${perRequest(r.real, 'server')} ms real; PostgreSQL ${perRequest(r.real, 'postgres')} ms real.
  Before the windows, with nothing of the benchmark running, the machine was busy
  ${r.idle === null ? 'n/a' : r.idle.toFixed(2)} cores (of ${os.cpus().length}) with other work.

**What is measured.** Latency of the real route as an executive's dashboard calls it (an
executive's token, signed in through \`POST /auth/login\`) on a released run: authentication,
whatever database work the route does in its tenant transaction, and the release's cells
serialized and sent, as the route does them at the time of the run.
Percentiles are exact: the load generator records every 200's latency (from writing the
request to the end of the response, as autocannon times it) and takes the nearest rank;
autocannon's own summary has no p95. per_s is 200s per second of the window, at
${CONNECTIONS} connections with one request in flight each (a closed loop: the rate follows the
latency). Any other status, connection error or timeout fails the run.

**How.**

- Data: the data set of \`close\` (same function, bench/large-run.ts): ${fmt(r.run.invited)}
  people in ${TEAMS} teams, a closed run of ${QUESTIONS} questions with ${fmt(r.run.responses)}
  sealed responses, released once in-process by the release-run job before the server starts
  (the release then checked as \`close\` checks it), so the route serves that release.
- Requests send no \`Accept-Encoding\`, so both servers answer with the JSON as it is
  (${fmt(r.bytes / 1000)} KB). The route gzips for clients that ask (${fmt(r.gzipped / 1000)} KB), as browsers do; with gzip accepted the load
  generator became the limit on this machine (a full core at ~1,100/s for both servers), so
  the benchmark measures the uncompressed case, where the servers are.
- Two servers in the benchmark's process, one after the other: _bare_, plain Fastify with no
  plugins, one route sending the real route's JSON as stored bytes, gzipped (what sending these
  bytes costs); _real_, \`createHttpServer\` (pool of 10 connections, the API's default) and the
  route. The load generator is autocannon's programmatic API in a **child process**
  (bench/load.ts), sharing the ${os.cpus().length} cores with the server and PostgreSQL. CPU is
  sampled from /proc over each window, in cores: the server's process, the load
  generator's, all PostgreSQL processes, and everything else on the machine.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `gaps-api benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
