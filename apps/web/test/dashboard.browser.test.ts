import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { deriveKey } from '@pulsegap/config';
import { DEMO_LOGINS, seedDemo } from '@pulsegap/api';
import { testConfig } from '@pulsegap/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectLayoutFits, seriousAccessibilityProblems } from './page-checks.js';
import { callApi, startTestSite, watchPageErrors, type TestSite } from './site.js';

const DESKTOP = { width: 1280, height: 900 };
const TABLET = { width: 820, height: 1180 };
const PASSWORD = 'correct horse battery';

/** Marks drawn on a chart's canvas (its bars, bubbles, cells or points), as the page counts them. */
async function marks(page: Page, chart: string): Promise<number> {
  const canvas = page.locator(`canvas#${chart}[data-rendered="true"]`);
  await canvas.waitFor();
  return Number(await canvas.getAttribute('data-elements'));
}

/** Opaque pixels on a canvas: it really has something drawn on it. */
async function painted(page: Page, chart: string): Promise<number> {
  return page.locator(`canvas#${chart}`).evaluate((canvas: HTMLCanvasElement) => {
    const context = canvas.getContext('2d');
    if (context === null) return 0;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let opaque = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) opaque += 1;
    return opaque;
  });
}

/** Waits until the dashboard's view says everything in it is drawn. */
async function drawn(page: Page): Promise<void> {
  await page.locator('[data-ready="true"]').waitFor({ timeout: 20_000 });
}

// The real pages, served by the real API on a real socket, in real Chromium, with the demo
// organization: an executive reads every view of the dashboard.
describe('the dashboard in Chromium', () => {
  let site: TestSite;
  let browser: Browser;
  let baseUrl: string;
  /** A small organization whose only released run has every figure withheld. */
  const tiny = { executive: '', pulseId: '', releasedRunId: '', openRunId: '' };
  /** HR of an organization that has no pulse yet. */
  const empty = { admin: '' };

  const api = <T>(token: string, path: string, body?: unknown): Promise<T> =>
    callApi<T>(baseUrl, token, path, body);

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${baseUrl}/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL(/#\/dashboard/);
  }

  /** A page that fails the test on any console error or uncaught exception. */
  async function newPage(viewport = DESKTOP): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport, acceptDownloads: true });
    return { page, errors: watchPageErrors(page) };
  }

  beforeAll(async () => {
    site = await startTestSite();
    ({ browser, baseUrl } = site);
    await seedDemo(site.db, {
      invitationKey: deriveKey(testConfig(), 'invitation-secrets'),
      segmentKeySealing: deriveKey(testConfig(), 'segment-key-sealing'),
    });

    // A tiny organization: its run closes with nobody having answered, so everything is
    // withheld; a second run is still open.
    const signup = await fetch(`${baseUrl}/api/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        organization: 'Tiny',
        email: `hr-${randomUUID()}@tiny.test`,
        password: PASSWORD,
      }),
    });
    const admin = ((await signup.json()) as { token: string }).token;
    await api(admin, '/people/import', {
      people: Array.from({ length: 12 }, (_, i) => ({
        email: `p${i}@tiny.test`,
        name: `Person ${i}`,
        team: 'Operations',
        tier: i < 6 ? 'leadership' : 'frontline',
      })),
    });
    const priority = await api<{ id: string }>(admin, '/priorities', {
      title: 'Reliability',
      statedWeight: 5,
    });
    tiny.pulseId = (
      await api<{ id: string }>(admin, '/pulses', {
        title: 'Tiny pulse',
        priorityIds: [priority.id],
        dimensions: ['staffing', 'feasibility'],
      })
    ).id;
    tiny.releasedRunId = (await api<{ id: string }>(admin, `/pulses/${tiny.pulseId}/runs`, {})).id;
    await api(admin, `/runs/${tiny.releasedRunId}/close`, {});
    await site.jobs.drain();
    tiny.openRunId = (await api<{ id: string }>(admin, `/pulses/${tiny.pulseId}/runs`, {})).id;
    tiny.executive = `exec-${randomUUID()}@tiny.test`;
    await api(admin, '/users', { email: tiny.executive, password: PASSWORD, role: 'executive' });
    await site.jobs.drain();

    empty.admin = `hr-${randomUUID()}@empty.test`;
    const emptySignup = await fetch(`${baseUrl}/api/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organization: 'Empty', email: empty.admin, password: PASSWORD }),
    });
    expect(emptySignup.status).toBe(201);
  }, 180_000);

  afterAll(() => site.close());

  test('an unauthenticated visit asks to sign in; a wrong password says so', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(DEMO_LOGINS.executive);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: /sign in/i }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('email or password');
    await page.close();
  });

  test('the executive lands on the latest release: the collision map and the gap chart tell the demo’s story', async () => {
    const { page, errors } = await newPage();
    const thirdParty: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(baseUrl)) thirdParty.push(request.url());
    });
    // The old sign-in address still leads to the app.
    await page.goto(`${baseUrl}/login.html`);
    await page.waitForURL(`${baseUrl}/`);
    await signIn(page, DEMO_LOGINS.executive, DEMO_LOGINS.password);
    await drawn(page);
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents(),
    ).toEqual(['Dashboard']);

    // The address names exactly what is shown: the pulse and its latest released run.
    const address = new URL(page.url().replace('#/dashboard?', 'dashboard?'), baseUrl);
    const runId = address.searchParams.get('run');
    expect(address.searchParams.get('pulse')).toMatch(/^[0-9a-f-]{36}$/);
    const runOptions = await page.getByLabel('Run').locator('option').allTextContents();
    expect(runOptions).toHaveLength(3);
    for (const option of runOptions) expect(option).toMatch(/\d{4} · \d+% answered \(\d+ of \d+\)/);
    expect(await page.getByLabel('Run').inputValue()).toBe(runId);

    // The collision map: one bubble per priority; the understaffed priority is the top collision.
    expect(await marks(page, 'collision-map')).toBe(4);
    expect(await painted(page, 'collision-map')).toBeGreaterThan(5000);
    await expect
      .poll(() => page.locator('#collision-map-title').textContent())
      .toMatch(/^Customer Focus collides most/);
    const firstCollision = page.locator('figure:has(#collision-map) tbody tr').first();
    expect(await firstCollision.locator('th').textContent()).toBe('Customer Focus');
    expect(await firstCollision.locator('td').last().textContent()).toBe('yes');

    // The gap chart: a bar per priority and dimension, none withheld organization-wide.
    expect(await marks(page, 'gap-chart')).toBe(28);
    expect(await painted(page, 'gap-chart')).toBeGreaterThan(5000);
    const staffing = page.locator('#gap-table tbody tr', { hasText: 'Customer Focus' }).filter({
      hasText: 'staffing',
    });
    const gap = await staffing.locator('td').nth(3).textContent();
    expect(Number((gap ?? '').replace('−', '-'))).toBeGreaterThan(1.5);
    // Non-significant gaps say so in the table as on the chart.
    expect(await page.locator('#gap-table tbody tr.muted').count()).toBeGreaterThan(0);
    expect(await page.locator('#gap-table tbody tr.muted').first().textContent()).toContain('n.s.');

    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await expectLayoutFits(page, 'the overview at desktop width', DESKTOP.width);
    await page.screenshot({ path: 'docs/screenshots/dashboard.png', fullPage: true });

    // A reload opens the same view; so does the address shared with someone else.
    const shared = page.url();
    await page.reload();
    await drawn(page);
    expect(page.url()).toBe(shared);

    // Choosing an older run changes the address; the back button returns.
    const older = await page.getByLabel('Run').locator('option').nth(2).getAttribute('value');
    await page.getByLabel('Run').selectOption(older ?? '');
    await expect.poll(() => page.url()).toContain(`run=${older ?? ''}`);
    await drawn(page);
    await page.goBack();
    await expect.poll(() => page.url()).toBe(shared);
    await drawn(page);

    // The views are reached from the keyboard: focus a tab and press Enter.
    await page.getByRole('link', { name: 'Trends' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain('view=trends');
    await drawn(page);

    await page.setViewportSize(TABLET);
    await page.getByRole('link', { name: 'Collisions and gaps' }).click();
    await drawn(page);
    await expectLayoutFits(page, 'the overview at tablet width', TABLET.width);
    await page.screenshot({ path: 'docs/screenshots/dashboard-tablet.png', fullPage: true });

    expect(thirdParty).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the team heatmap: teams under their departments, colour only where significant, a small team’s cells withheld without a number', async () => {
    const { page, errors } = await newPage();
    await signIn(page, DEMO_LOGINS.executive, DEMO_LOGINS.password);
    await drawn(page);
    await page.getByRole('link', { name: 'Teams' }).click();
    await drawn(page);
    // Staffing by default: the organization, 3 departments and 13 teams, × 4 priorities.
    expect(await page.getByLabel('Dimension').inputValue()).toBe('staffing');
    expect(await marks(page, 'team-heatmap')).toBe(17 * 4);
    expect(await painted(page, 'team-heatmap')).toBeGreaterThan(5000);
    expect(await page.locator('#team-heatmap-title').textContent()).toMatch(
      /^Staffing: .* significant gap on Customer Focus/,
    );
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await expectLayoutFits(page, 'the heatmap at desktop width', DESKTOP.width);
    await page.screenshot({ path: 'docs/screenshots/dashboard-teams.png', fullPage: true });

    // Tradeoffs: the small Security team had two people skip it, so its cells are withheld.
    await page.getByLabel('Dimension').selectOption('tradeoffs');
    await expect.poll(() => page.url()).toContain('dimension=tradeoffs');
    await drawn(page);
    const security = page.locator('figure:has(#team-heatmap) tbody tr', { hasText: 'Security' });
    const cells = await security.locator('td').allTextContents();
    expect(cells).toHaveLength(4);
    for (const cell of cells) {
      expect(cell).toMatch(/fewer than k = 5/);
      expect(cell).not.toMatch(/\d\.\d/);
    }
    // A team's row of the table leads to its own gap chart.
    await page.locator('figure:has(#team-heatmap) summary').click();
    await security.getByRole('link').first().click();
    await expect.poll(() => page.url()).toContain('view=overview');
    await drawn(page);
    expect(await page.getByLabel('Gaps for').locator('option:checked').textContent()).toContain(
      'Security',
    );

    await page.setViewportSize(TABLET);
    await page.goBack();
    await drawn(page);
    await expectLayoutFits(page, 'the heatmap at tablet width', TABLET.width);
    await page.screenshot({ path: 'docs/screenshots/dashboard-teams-tablet.png', fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test('trends, what’s hard and the brief: each drawn, readable, printable and downloadable', async () => {
    const { page, errors } = await newPage();
    await signIn(page, DEMO_LOGINS.executive, DEMO_LOGINS.password);
    await drawn(page);

    // Trends: one line per priority over the three released runs, for gaps and for clarity.
    await page.getByRole('link', { name: 'Trends' }).click();
    await drawn(page);
    expect(await marks(page, 'gap-trend-chart')).toBe(12);
    expect(await marks(page, 'clarity-trend-chart')).toBe(12);
    expect(await painted(page, 'gap-trend-chart')).toBeGreaterThan(3000);
    // The demo's story: one priority's staffing gap narrows after the conversation, one widens.
    const trendTitle = await page.locator('#gap-trend-chart-title').textContent();
    expect(trendTitle).toMatch(/Platform Modernization’s staffing gap is narrowing/);
    expect(trendTitle).toMatch(/Customer Focus’s is widening/);
    expect(await page.locator('#clarity-trend-chart-title').textContent()).toMatch(/80%/);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: 'docs/screenshots/dashboard-trends.png', fullPage: true });
    // Another dimension is one choice away, and in the address.
    await page.getByLabel('Dimension').selectOption('feasibility');
    await expect.poll(() => page.url()).toContain('dimension=feasibility');
    await drawn(page);
    expect(await page.locator('#gap-trend-chart-title').textContent()).toMatch(/feasibility/);

    // What's hard: the released comments, by group, the organization first.
    await page.getByRole('link', { name: 'What’s hard' }).click();
    await drawn(page);
    const groups = page.locator('.section-body h3');
    expect(await groups.first().textContent()).toMatch(/whole organization/i);
    expect(await groups.count()).toBeGreaterThan(3);
    expect(await page.locator('.section-body').textContent()).toContain('10');
    expect(await seriousAccessibilityProblems(page)).toEqual([]);

    // The brief: on the page, printable to at most two pages, downloadable with the session.
    await page.getByRole('link', { name: 'Brief' }).click();
    await drawn(page);
    expect(await page.locator('#brief-title').textContent()).toContain('Quarterly alignment pulse');
    expect(await page.locator('.section-body').textContent()).toContain(
      'Customer Focus collides with staffing',
    );
    // The demo's leaders expect the frontline to call Customer Focus staffed.
    expect(
      await page.getByRole('region', { name: 'Leadership’s blind spot' }).textContent(),
    ).toMatch(
      /Leadership expected the frontline to rate staffing for Customer Focus 3\.\d; it rated 2\.\d/,
    );
    // The demo's decision, settled after the first run, is being relitigated in the latest.
    expect(
      await page.getByRole('region', { name: 'Decisions being relitigated' }).textContent(),
    ).toMatch(
      /“Support staffs Customer Focus before new self-service work” \(Customer Focus\) is being relitigated: \d+% of Customer Operations treat it as settled, down from \d+% in the run before\. What would it take/,
    );
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: 'docs/screenshots/dashboard-brief.png', fullPage: true });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4' });
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) ?? [];
    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(pages.length).toBeLessThanOrEqual(2);
    // Nothing but the brief goes to paper.
    for (const hidden of ['.app-nav', '.tabs', '.dashboard__pickers', '.brief__actions']) {
      expect(await page.locator(hidden).first().isVisible(), hidden).toBe(false);
    }
    await page.emulateMedia({ media: 'screen' });

    const saved = async (button: string) => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: button }).click(),
      ]);
      const path = await download.path();
      return { name: download.suggestedFilename(), text: await readFile(path, 'utf8') };
    };
    const brief = await saved('Download the brief (Markdown)');
    expect(brief.name).toMatch(/^brief-[0-9a-f-]{36}\.md$/);
    expect(brief.text).toMatch(/^# /);
    expect(brief.text).toContain('Customer Focus');
    expect(brief.text).toContain('## Leadership’s blind spot');
    expect(brief.text).toContain('## Decisions being relitigated');
    const csv = await saved('Download the figures (CSV)');
    expect(csv.name).toMatch(/^run-[0-9a-f-]{36}\.csv$/);
    expect(csv.text.split('\n')[0]).toMatch(/priority/i);
    expect(csv.text).toContain('Customer Focus');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a run whose figures are all withheld says so in a sentence, not an empty chart; an open run says when its results appear', async () => {
    const { page, errors } = await newPage();
    await signIn(page, tiny.executive, PASSWORD);
    await page.goto(
      `${baseUrl}/#/dashboard?pulse=${tiny.pulseId}&run=${tiny.releasedRunId}&view=overview`,
    );
    await drawn(page);
    expect(await page.getByTestId('all-suppressed').textContent()).toMatch(
      /Every figure of this run is withheld to protect anonymity: fewer than k = 5/,
    );
    expect(await page.locator('canvas').count()).toBe(0);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);

    // The latest run is open: choosing it says when the results come, and participation so far.
    await page.getByLabel('Run').selectOption(tiny.openRunId);
    await page.getByRole('heading', { name: 'This run is still open' }).waitFor();
    expect(await page.getByTestId('participation-so-far').textContent()).toMatch(
      /So far .* of 12 invited have answered/,
    );
    expect(await page.locator('.notice').textContent()).toMatch(/results appear when it closes/);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('an organization without pulses is told where figures will come from', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${baseUrl}/#/dashboard`);
    await page.getByLabel('Email').fill(empty.admin);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByText('There are no pulses yet.', { exact: false }).waitFor();
    expect(await page.locator('canvas').count()).toBe(0);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('an ended session goes back to sign-in, and signing in again returns to the same view', async () => {
    const { page } = await newPage();
    await signIn(page, DEMO_LOGINS.executive, DEMO_LOGINS.password);
    await drawn(page);
    await page.getByRole('link', { name: 'Brief' }).click();
    await drawn(page);
    const view = page.url();
    // The API stops accepting the token (as when it is revoked): the next request answers 401.
    await page.route('**/api/v1/runs/**', (route) =>
      route.fulfill({
        status: 401,
        contentType: 'application/problem+json',
        body: JSON.stringify({ title: 'Unauthorized', status: 401, code: 'PG_ERR_UNAUTHORIZED' }),
      }),
    );
    await page.getByLabel('Run').selectOption({ index: 2 });
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.unroute('**/api/v1/runs/**');
    expect(await page.getByRole('status').allTextContents()).toContain(
      'Your session has expired. Sign in again to go on.',
    );
    await page.getByLabel('Email').fill(DEMO_LOGINS.executive);
    await page.getByLabel('Password').fill(DEMO_LOGINS.password);
    await page.getByRole('button', { name: /sign in/i }).click();
    await drawn(page);
    // The same view, of the run that was being opened.
    expect(page.url()).toContain('view=brief');
    expect(page.url()).not.toBe(view);
    await page.close();
  });
});
