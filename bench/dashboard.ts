// `npm run bench -- dashboard`: the executive dashboard in headless Chromium against the demo
// organization, served by the real API from the built pages: from navigation until every chart
// of a view is drawn, 10 cold loads per view (a new browser context each, so nothing is
// cached), against the app's sign-in page in the same run; and the gzipped JavaScript the
// dashboard and the employee answer page download. See docs/PERFORMANCE.md.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHttpServer, DEMO_LOGINS, seedDemo, WEB_ROOT } from '@pulsegap/api';
import { deriveKey } from '@pulsegap/config';
import { openDatabase } from '@pulsegap/db';
import { createJobContext, startInProcessRuntime } from '@pulsegap/jobs';
import { launchBrowser } from '@pulsegap/testing';
import type { Browser } from 'playwright-core';
import {
  createBenchDatabase,
  fmt,
  listen,
  log,
  machine,
  median,
  today,
  writeDocSection,
} from './harness.js';

/** The issue's targets. */
const TARGET_INTERACTIVE_MS = 1000;
const TARGET_DASHBOARD_KB = 250;
const TARGET_ANSWER_KB = 60;
const LOADS = 10;
const VIEWS = ['overview', 'teams', 'trends', 'comments', 'brief'] as const;
const TOKEN_KEY = 'pulsegap.token';

interface Load {
  /** From navigation start until the view says it is drawn. */
  readyMs: number;
  /** Every script the page fetched, by URL, with its size. */
  scripts: Map<string, number>;
}

/**
 * One cold load of `url` in a fresh context signed in with `token`: milliseconds from
 * navigation start until `ready` matches, measured by the page's own clock.
 */
async function load(
  browser: Browser,
  url: string,
  token: string | null,
  ready: string,
): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (token !== null) {
    await context.addInitScript(
      ([key, value]) => {
        sessionStorage.setItem(key, value);
      },
      [TOKEN_KEY, token] as const,
    );
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  const scripts = new Map<string, number>();
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'script') return;
    void response.body().then(
      (body) => scripts.set(response.url(), gzipSync(body).length),
      () => undefined,
    );
  });
  await page.goto(url);
  await page.locator(ready).first().waitFor({ timeout: 30_000 });
  const readyMs = await page.evaluate(() => performance.now());
  await page.waitForLoadState('networkidle');
  await context.close();
  if (errors.length > 0) throw new Error(`${url}: ${errors.join('; ')}`);
  return { readyMs, scripts };
}

/** Gzipped size of the scripts the answer page loads: its entry and what that imports. */
async function answerScriptsKb(): Promise<number> {
  const html = await readFile(join(WEB_ROOT, 'answer.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] ?? '');
  let bytes = 0;
  for (const file of new Set(files)) {
    bytes += gzipSync(await readFile(join(WEB_ROOT, file))).length;
  }
  return bytes / 1024;
}

async function main(): Promise<void> {
  log('building the pages');
  const { build } = await import('vite');
  await build({ root: join(WEB_ROOT, '..'), logLevel: 'error' });

  const scratch = await createBenchDatabase();
  const handle = await openDatabase(scratch.config);
  const jobs = startInProcessRuntime({
    context: createJobContext(scratch.config, handle.db),
    logger: { info: () => undefined, error: console.error },
    pollMs: 60_000,
  });
  const server = await createHttpServer({ config: scratch.config, db: handle.db });
  let browser: Browser | undefined;
  try {
    log('seeding the demo organization');
    await seedDemo(handle.db, {
      invitationKey: deriveKey(scratch.config, 'invitation-secrets'),
      segmentKeySealing: deriveKey(scratch.config, 'segment-key-sealing'),
    });
    await jobs.drain();
    const base = await listen(server);
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: DEMO_LOGINS.executive, password: DEMO_LOGINS.password }),
    });
    const { token } = (await login.json()) as { token: string };
    browser = await launchBrowser();

    // Warm the server's caches once per view (a release is read once, then kept).
    for (const view of VIEWS) {
      await load(browser, `${base}/#/dashboard?view=${view}`, token, '[data-ready="true"]');
    }

    const baseline: number[] = [];
    const perView = new Map<string, number[]>(VIEWS.map((view) => [view, []]));
    const scripts = new Map<string, number>();
    for (let i = 0; i < LOADS; i += 1) {
      baseline.push((await load(browser, `${base}/`, null, '#email')).readyMs);
      for (const view of VIEWS) {
        const measured = await load(
          browser,
          `${base}/#/dashboard?view=${view}`,
          token,
          '[data-ready="true"]',
        );
        perView.get(view)?.push(measured.readyMs);
        for (const [url, size] of measured.scripts) scripts.set(url, size);
      }
    }
    const medians = VIEWS.map((view) => ({ view, ms: median(perView.get(view) ?? []) }));
    const slowest = medians.reduce((a, b) => (b.ms > a.ms ? b : a));
    const baselineMs = median(baseline);
    const dashboardKb = [...scripts.values()].reduce((sum, size) => sum + size, 0) / 1024;
    const answerKb = await answerScriptsKb();
    const met =
      slowest.ms < TARGET_INTERACTIVE_MS &&
      dashboardKb < TARGET_DASHBOARD_KB &&
      answerKb < TARGET_ANSWER_KB;

    await writeDocSection(
      'dashboard',
      `
## Dashboard: the executive's page in Chromium

\`npm run bench -- dashboard\`, run of ${today()} on ${machine(scratch)}; headless Chromium
(Debian's) with the built pages, served by \`createHttpServer\` over a real socket, against the
demo organization (about 400 people, three released runs, 17 teams).

Each load is cold: a new browser context (no cache), signed in, opening
\`#/dashboard?view=<view>\` and timed by the page's clock from navigation start until the view
marks itself drawn (\`data-ready\`, set in the same render that draws its charts). ${LOADS} loads
per view after one warm-up load each; the baseline is the app's sign-in page (the same
scripts' shell without the dashboard), loaded the same way in the same run.

| view | median ms |
| --- | ---: |
${medians.map((m) => `| ${m.view} | ${fmt(m.ms)} |`).join('\n')}
| baseline: sign-in page | ${fmt(baselineMs)} |

Interactive (the slowest view's median): **${fmt(slowest.ms)} ms** (${slowest.view}), target
under ${fmt(TARGET_INTERACTIVE_MS)} ms. JavaScript the dashboard downloads (every script of
those loads, gzipped): **${fmt(dashboardKb, 1)} kB**, target under ${TARGET_DASHBOARD_KB} kB.
The employee answer page's scripts, gzipped: **${fmt(answerKb, 1)} kB**, target under
${TARGET_ANSWER_KB} kB. ${met ? 'All three targets are met.' : 'A target is missed.'}
`,
    );
    console.log(
      `dashboard: interactive_ms=${Math.round(slowest.ms)} slowest_view=${slowest.view} ` +
        `baseline_ms=${Math.round(baselineMs)} js_gzip_kb=${dashboardKb.toFixed(1)} ` +
        `answer_js_gzip_kb=${answerKb.toFixed(1)} targets_met=${met}`,
    );
  } finally {
    await browser?.close();
    await server.close();
    await jobs.close();
    await handle.close();
    await scratch.drop();
  }
}

await main();
