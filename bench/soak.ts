// `npm run bench -- soak`: the API as its own process (`apps/api/src/server.ts`, the entry of
// `npm run api`, on a scratch database and the local Redis) under sustained load, 50
// connections: intake (`POST /api/v1/responses`, a fresh valid token on every request) for
// 60 s, then the gaps route of a released run for 60 s. Every non-2xx response, connection
// error and timeout is an error. The API process's resident memory is read after a warm-up
// (the baseline: the same process, warmed, before the soak) and at the end. Targets: no
// error, RSS growth under 10 %. See docs/PERFORMANCE.md.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHttpServer } from '@pulsegap/api';
import { closeRun, openDatabase, withTenant } from '@pulsegap/db';
import { createJobContext, releaseRunRequest, runJob } from '@pulsegap/jobs';
import { freePort } from '@pulsegap/testing';
import { mint, setUpAnsweringRuns, type Prepared } from './answering-runs.js';
import {
  createBenchDatabase,
  describeWindow,
  fmt,
  LoadGenerator,
  log,
  machine,
  processMemory,
  startApiProcess,
  today,
  type Window,
  writeDocSection,
} from './harness.js';

const CONNECTIONS = 50;
const SOAK_S = 60;
const WARMUP_S = 10;
const TARGET = { errors: 0, rssGrowthPct: 10 };

function errorsOf(window: Window): number {
  return window.non2xx + window.errors + window.timeouts + (window.exhausted ? 1 : 0);
}

async function main(): Promise<void> {
  const scratch = await createBenchDatabase();
  const handle = await openDatabase(scratch.config);
  const load = LoadGenerator.start();
  let api: ChildProcess | null = null;
  try {
    const { runs, organizationId, adminToken } = await setUpAnsweringRuns(scratch, handle.db, [
      'Soak intake',
      'Soak release',
    ]);
    const [intakeRun, releasedRun] = runs as [(typeof runs)[0], (typeof runs)[0]];

    // The released run: 2,000 responses, then closed and released as the worker would.
    const setup = await createHttpServer({ config: scratch.config, db: handle.db });
    for (const prepared of await mint(releasedRun, 2000)) {
      const response = await setup.inject({
        method: 'POST',
        url: '/api/v1/responses',
        headers: { 'content-type': 'application/json' },
        payload: prepared.body,
      });
      if (response.statusCode !== 201) throw new Error(`setup answer: ${response.body}`);
    }
    await setup.close();
    await withTenant(handle.db, organizationId, (trx) =>
      closeRun(trx, releasedRun.runId, new Date()),
    );
    const context = createJobContext(scratch.config, handle.db);
    const release = releaseRunRequest(organizationId, releasedRun.runId);
    await runJob(context, release.name, release.payload);
    context.mailer.close();

    const port = await freePort();
    const apiProcess = await startApiProcess(scratch.config.databaseUrl ?? '', port, {}, '/health');
    api = apiProcess;
    const base = `http://127.0.0.1:${String(port)}`;
    const pid = apiProcess.pid ?? 0;
    const rss = () => {
      const memory = processMemory(pid);
      if (memory === null) throw new Error('the API process is gone');
      return memory;
    };
    const idle = rss();

    let pool: Prepared[] = [];
    const intake = async (seconds: number, tokens: number) => {
      if (pool.length < tokens) pool = pool.concat(await mint(intakeRun, tokens - pool.length));
      const window = await load.run({
        url: `${base}/api/v1/responses`,
        seconds,
        kind: 'submission',
        pool: 'once',
        lines: pool.map((p) => p.body),
        connections: CONNECTIONS,
      });
      pool = pool.slice(window.taken);
      return window;
    };
    const warm = await intake(WARMUP_S, 60_000);
    log(describeWindow('warm-up (intake)', warm));
    const gapsPath = `/api/v1/runs/${releasedRun.runId}/gaps`;
    const gapsOptions = {
      url: base,
      kind: 'get' as const,
      pool: 'cycle' as const,
      lines: [gapsPath],
      connections: CONNECTIONS,
      headers: { authorization: `Bearer ${adminToken}` },
    };
    const warmGaps = await load.run({ ...gapsOptions, seconds: 2 });
    log(describeWindow('warm-up (gaps)', warmGaps));
    await sleep(2000);
    const before = rss();

    const soakIntake = await intake(SOAK_S, Math.ceil(warm.perSecond * 1.4 * SOAK_S) + 5000);
    log(describeWindow('intake', soakIntake));
    const soakGaps = await load.run({ ...gapsOptions, seconds: SOAK_S });
    log(describeWindow('gaps', soakGaps));
    await sleep(2000);
    const after = rss();

    const errors = errorsOf(warm) + errorsOf(warmGaps) + errorsOf(soakIntake) + errorsOf(soakGaps);
    const growthPct = ((after.rssMb - before.rssMb) / before.rssMb) * 100;
    const p99 = Math.max(soakIntake.exact.p99, soakGaps.exact.p99);
    const pass = errors <= TARGET.errors && growthPct < TARGET.rssGrowthPct;
    const line =
      `soak: errors=${String(errors)} p99_ms=${fmt(p99, 1)} ` +
      `intake_per_s=${fmt(soakIntake.perSecond)} intake_p99_ms=${fmt(soakIntake.exact.p99, 1)} ` +
      `gaps_per_s=${fmt(soakGaps.perSecond)} gaps_p99_ms=${fmt(soakGaps.exact.p99, 1)} ` +
      `rss_mb=${fmt(after.rssMb)} rss_growth_pct=${fmt(growthPct, 1)}`;
    await writeDocSection(
      'soak',
      `
## soak: sustained load on the API process

${today()}, ${machine(scratch)}. The API runs as its own process (\`apps/api/src/server.ts\`,
server mode, the local Redis for rate limits) at ${String(CONNECTIONS)} connections: intake
(\`POST /api/v1/responses\`, every request a fresh valid token) for ${String(SOAK_S)} s, then
\`GET /runs/:id/gaps\` of a released run of 2,000 responses for ${String(SOAK_S)} s. Errors are
non-2xx responses, connection errors and timeouts, warm-ups included. Memory is the API
process's resident size: the baseline is the same process after a ${String(WARMUP_S)} s intake
and a 2 s gaps warm-up; growth is from there to the end.

| measure | value | target |
| --- | --- | --- |
| errors | ${String(errors)} | ${String(TARGET.errors)} |
| intake | ${fmt(soakIntake.perSecond)}/s, p99 ${fmt(soakIntake.exact.p99, 1)} ms (${fmt(soakIntake.ok)} stored) | |
| gaps | ${fmt(soakGaps.perSecond)}/s, p99 ${fmt(soakGaps.exact.p99, 1)} ms | |
| RSS idle → warmed → end | ${fmt(idle.rssMb)} → ${fmt(before.rssMb)} → ${fmt(after.rssMb)} MB (peak ${fmt(after.peakMb)} MB) | |
| RSS growth, warmed → end | ${fmt(growthPct, 1)} % | < ${String(TARGET.rssGrowthPct)} % |

Result: ${pass ? 'both targets met' : 'a target missed'}.

Output: \`${line}\`
`,
    );
    console.log(line);
    if (!pass) process.exitCode = 1;
  } finally {
    if (api !== null) {
      const exited = once(api, 'exit');
      api.kill('SIGTERM');
      await exited;
    }
    load.close();
    await handle.close();
    await scratch.drop();
  }
}

await main();
