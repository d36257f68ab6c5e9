import { randomUUID } from 'node:crypto';
import { requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectLayoutFits, moveFocus, noteUnfocusedLooks } from './page-checks.js';
import { startTestSite, type TestSite } from './site.js';

const PASSWORD = 'correct horse battery';
/** How long a step may take to show (the API hashes passwords, starts runs…). */
const WAIT = { timeout: 8_000 };
const HEADER = 'email,name,team,tier,parent_team';
/** Six of each tier in one team: every group reaches the floor k = 5. */
const PEOPLE = Array.from({ length: 12 }, (_, i) =>
  [
    `p${i}@hr.test`,
    `Person ${i}`,
    'Support',
    i < 6 ? 'leadership' : 'frontline',
    'Operations',
  ].join(','),
);
/** The same file with a typo on line 4 (the header is line 1). */
const WITH_ERROR = [
  HEADER,
  ...PEOPLE.map((row, i) => (i === 2 ? row.replace('leadership', 'manager') : row)),
].join('\n');
const FIXED = [HEADER, ...PEOPLE].join('\n');

// HR's side, for real: the API on PostgreSQL and Redis, the built app in Chromium. HR signs in,
// imports the roster (fixing an error the check finds), records a priority, builds a weekly
// pulse, starts a run, watches participation move as an employee answers from a test client
// the way the answer page does, and sends a reminder.
describe("HR's pages in Chromium", () => {
  let site: TestSite;
  let browser: Browser;
  let baseUrl: string;
  let email: string;
  let adminToken: string;

  async function api<T>(
    path: string,
    init: { method?: string; body?: unknown; token?: string | null } = {},
  ): Promise<T> {
    const token = init.token === undefined ? adminToken : init.token;
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
        ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    expect(response.ok, `${init.method ?? 'GET'} ${path}: HTTP ${response.status}`).toBe(true);
    const text = await response.text();
    return (text === '' ? null : JSON.parse(text)) as T;
  }

  /** An employee answers one invitation of the run, as the answer page does, from Node. */
  async function answerAsEmployee(secret: string): Promise<void> {
    const invite = await api<{
      runId: string;
      keyId: string;
      publicKey: string;
      questions: { id: string }[];
    }>(`/invite/${secret}`, { token: null });
    const token = await requestToken(invite.publicKey, async (blinded) => {
      const signed = await api<{ blindSignature: string }>(`/invite/${secret}/token`, {
        method: 'POST',
        body: { blindedMessage: toBase64Url(blinded) },
        token: null,
      });
      return Buffer.from(signed.blindSignature, 'base64url');
    });
    await api('/responses', {
      method: 'POST',
      token: null,
      body: {
        runId: invite.runId,
        token: {
          keyId: invite.keyId,
          message: toBase64Url(token.message),
          signature: toBase64Url(token.signature),
        },
        answers: invite.questions.map((q) => ({ questionId: q.id, value: 4 })),
      },
    });
  }

  async function signIn(page: Page, who: string): Promise<void> {
    await page.getByLabel('Email').fill(who);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  function nav(page: Page, label: string) {
    return page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: label, exact: true });
  }

  beforeAll(async () => {
    site = await startTestSite();
    ({ browser, baseUrl } = site);
    email = `hr-${randomUUID()}@hr.test`;
    const signup = await fetch(`${baseUrl}/api/v1/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ organization: 'HR pages test', email, password: PASSWORD }),
    });
    adminToken = ((await signup.json()) as { token: string }).token;
  }, 120_000);

  afterAll(() => site.close());

  test('HR imports the roster, builds a weekly pulse, runs it and watches participation', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    const thirdParty: string[] = [];
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(baseUrl)) thirdParty.push(request.url());
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });

    // The roster's address asks to sign in first, and opens once signed in.
    await page.goto(`${baseUrl}/#/roster`);
    await signIn(page, email);
    await page.getByRole('heading', { level: 1, name: 'Roster' }).waitFor();
    expect(await nav(page, 'Roster').getAttribute('aria-current')).toBe('page');
    // The keyboard reaches the navigation and the form, with the focus always in sight.
    await noteUnfocusedLooks(page);
    await moveFocus(page, (stop) => stop.text === 'Audit log', 'Tab', 12);
    await moveFocus(page, (stop) => stop.element === '<textarea#roster-csv>', 'Tab', 6);

    // A file with an error: the check names it by line and field, beside its row; no import yet.
    await page.getByLabel('Or paste its text').fill(WITH_ERROR);
    expect(await page.locator('.roster-preview tbody tr').count()).toBe(12);
    await page.getByRole('button', { name: 'Check the file' }).click();
    const rowError = page.locator('.row-errors');
    await expect.poll(() => rowError.textContent(), WAIT).toMatch(/^Line 4, tier: /);
    expect(await page.locator('.row--invalid th').textContent()).toBe('4');
    expect(await page.getByRole('button', { name: 'Import the roster' }).count()).toBe(0);
    await expectLayoutFits(page, 'roster with an error', 1280);
    await page.screenshot({ path: 'docs/screenshots/hr-roster-error.png', fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    await expectLayoutFits(page, 'roster with an error on a phone', 375);
    await page.screenshot({ path: 'docs/screenshots/hr-roster-phone.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect((await api<{ items: unknown[] }>('/people')).items).toEqual([]);

    // Fixed: the check passes, and the import applies it.
    await page.getByLabel('Or paste its text').fill(FIXED);
    await page.getByRole('button', { name: 'Check the file' }).click();
    await expect
      .poll(() => page.locator('.success').textContent(), WAIT)
      .toContain('would create 12');
    await page.getByRole('button', { name: 'Import the roster' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Imported' }).count(), WAIT)
      .toBe(1);
    expect((await api<{ items: unknown[] }>('/people')).items).toHaveLength(12);

    // Teams and tiers count the active people.
    await nav(page, 'Teams').click();
    const support = page.locator('tr', { hasText: 'Support' });
    await expect
      .poll(() => support.locator('td').allTextContents(), WAIT)
      .toEqual(['6', '6', '6 + 6']);
    await page.screenshot({ path: 'docs/screenshots/hr-teams.png', fullPage: true });

    // A priority: the API's field error first, then recorded with its stated weight.
    await nav(page, 'Priorities').click();
    await page.getByRole('button', { name: 'Record priority' }).click();
    await expect.poll(() => page.locator('#priority-title-error').textContent(), WAIT).toBeTruthy();
    await page.getByLabel('Title').fill('Customer Focus');
    await page.getByLabel('Stated weight').selectOption('5');
    await page.getByRole('button', { name: 'Record priority' }).click();
    await expect.poll(() => page.locator('table').textContent(), WAIT).toContain('Customer Focus');
    expect(await page.locator('#priority-title-error').count()).toBe(0);
    await page.screenshot({ path: 'docs/screenshots/hr-priorities.png', fullPage: true });

    // The builder: a weekly pulse, with both previews.
    await nav(page, 'Pulses').click();
    await page.getByRole('link', { name: 'New pulse' }).click();
    await page.waitForURL(/#\/pulses\/new$/);
    await page.getByLabel('Title').fill('Weekly staffing pulse');
    await page.getByRole('checkbox', { name: /Customer Focus/ }).check();
    await page.getByRole('checkbox', { name: /Run on a schedule/ }).check();
    await page.getByLabel('How often').selectOption('weekly');
    await page.getByLabel('On', { exact: true }).selectOption({ label: 'Wednesday' });
    await page.getByLabel('At', { exact: true }).fill('10:30');
    expect(await page.locator('#schedule-summary').textContent()).toMatch(
      /^Every Wednesday at 10:30/,
    );
    const preview = page.getByRole('region', { name: 'Preview of the employee page' });
    expect(await preview.locator('fieldset.question').count()).toBe(7);
    expect(await preview.locator('legend.question__text').first().textContent()).toBe(
      'I understand what Customer Focus asks of my team in practice.',
    );
    await expect
      .poll(() => page.locator('.reportability').textContent(), WAIT)
      .toContain('A run can start: 12 people would be invited');
    await expectLayoutFits(page, 'builder', 1280);
    await page.screenshot({ path: 'docs/screenshots/hr-builder.png', fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    await expectLayoutFits(page, 'builder on a phone', 375);
    await page.screenshot({ path: 'docs/screenshots/hr-builder-phone.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByRole('button', { name: 'Save pulse' }).click();
    await page.waitForURL(/#\/pulses\/[0-9a-f-]{36}$/);
    const pulseId = page.url().split('/').at(-1) ?? '';
    const saved = await api<{ schedule: { cron: string; timezone: string } }>(`/pulses/${pulseId}`);
    expect(saved.schedule.cron).toBe('30 10 * * 3');

    // A reload keeps the view: the saved pulse opens as the weekly preset.
    await page.reload();
    await expect.poll(() => page.getByLabel('How often').inputValue(), WAIT).toBe('weekly');
    // The API says when the schedule starts its next runs: Wednesdays at 10:30.
    const nextRuns = page.getByRole('list', { name: /^Next runs/ }).locator('time');
    await expect.poll(() => nextRuns.count(), WAIT).toBeGreaterThan(0);
    for (const time of await nextRuns.evaluateAll((times) =>
      times.map((t) => t.getAttribute('datetime') ?? ''),
    )) {
      expect(new Date(time).getUTCDay()).toBe(3);
      expect(new Date(time).toISOString().slice(11, 16)).toBe('10:30');
    }
    // A saved pulse's preview comes from `GET /pulses/:id/preview`.
    await expect
      .poll(() => page.locator('.reportability').textContent(), WAIT)
      .toContain('A run can start: 12 people would be invited');
    await page.screenshot({ path: 'docs/screenshots/hr-builder-saved.png', fullPage: true });

    // Paused, the schedule starts nothing; resumed, its next start times are back.
    await page.getByRole('button', { name: 'Pause the schedule' }).click();
    await expect.poll(() => page.getByText('The schedule is paused').count(), WAIT).toBe(1);
    expect((await api<{ paused: boolean }>(`/pulses/${pulseId}`)).paused).toBe(true);
    await page.getByRole('button', { name: 'Resume the schedule' }).click();
    await expect.poll(() => page.getByText('The schedule is on.').count(), WAIT).toBe(1);
    await expect.poll(() => nextRuns.count(), WAIT).toBeGreaterThan(0);

    // Runs: start one now, and watch participation move when an employee answers.
    await page.getByRole('link', { name: 'Runs and participation' }).click();
    await page.waitForURL(new RegExp(`#/runs\\?pulse=${pulseId}$`));
    await page.getByRole('button', { name: 'Start a run now' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'A run started' }).textContent(), WAIT)
      .toContain('12 people are invited');
    const tokens = page.locator('.meter', { hasText: 'Tokens collected' }).locator('.meter__value');
    await expect.poll(() => tokens.textContent(), WAIT).toBe('0 of 12 (0 %)');

    await site.jobs.drain();
    const outbox = await api<{ items: { subject: string; link: string | null }[] }>('/dev/outbox');
    const secrets = outbox.items.flatMap(({ subject, link }) =>
      link === null || !subject.startsWith('Weekly staffing pulse')
        ? []
        : [new URL(link).pathname.split('/').at(-1) ?? ''],
    );
    expect(secrets).toHaveLength(12);
    await answerAsEmployee(secrets[0] ?? '');
    // No click: the view reads participation again by itself while it is shown.
    await expect
      .poll(() => tokens.textContent(), { timeout: 15_000, interval: 500 })
      .toBe('1 of 12 (8 %)');

    // The audit log names what HR did.
    await nav(page, 'Audit log').click();
    await expect
      .poll(() => page.locator('.audit-list').textContent(), WAIT)
      .toContain('pulse.created');
    const actions = await page.locator('.audit-entry__what strong').allTextContents();
    expect(actions).toEqual(
      expect.arrayContaining(['roster.imported', 'priority.created', 'pulse.created']),
    );
    await page.screenshot({ path: 'docs/screenshots/hr-audit.png', fullPage: true });

    await nav(page, 'Pulses').click();
    await expect
      .poll(() => page.locator('.card-list').textContent(), WAIT)
      .toContain('Every Wednesday at 10:30');
    await expectLayoutFits(page, 'pulses', 1280);
    await page.screenshot({ path: 'docs/screenshots/hr-pulses.png', fullPage: true });

    // The runs of the pulse by their address, as from a bookmark.
    await page.goto(`${baseUrl}/#/runs?pulse=${pulseId}`);
    // A reminder goes to those who have not collected a token; a second one the same day is refused.
    const run = page.locator('.run').first();
    await run.getByRole('button', { name: 'Send reminder' }).click();
    await expect
      .poll(() => run.getByRole('status').textContent(), WAIT)
      .toContain('A reminder is on its way to 11 people');
    await run.getByRole('button', { name: 'Send reminder' }).click();
    await expect
      .poll(() => run.getByRole('status').textContent(), WAIT)
      .toMatch(/reminded in the last 24 hours; the next reminder can be sent from \w/);
    await expectLayoutFits(page, 'runs', 1280);
    await page.screenshot({ path: 'docs/screenshots/hr-runs.png', fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    await expectLayoutFits(page, 'runs on a phone', 375);
    await page.screenshot({ path: 'docs/screenshots/hr-runs-phone.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // Closed early, after a confirmation: answering ends and the release begins.
    await run.getByRole('button', { name: 'Close early' }).click();
    await run.getByRole('button', { name: 'Yes, close it now' }).click();
    await expect
      .poll(() => run.locator('.tag').textContent(), WAIT)
      .toMatch(/^(Closed, releasing figures|Released)$/);
    expect(await run.getByRole('button', { name: 'Send reminder' }).count()).toBe(0);

    expect(thirdParty).toEqual([]);
    // chart.js comes with the dashboard view only, which HR did not open.
    expect(scripts.filter((path) => path.includes('dashboard'))).toEqual([]);
    await page.close();
  }, 60_000);

  test('an executive added by HR sees the dashboard only; an HR address says it is not for them', async () => {
    const executive = `exec-${randomUUID()}@hr.test`;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${baseUrl}/#/users`);
    await signIn(page, email);
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();

    // Every view of HR fits a phone, as it is after the day above.
    await page.setViewportSize({ width: 375, height: 812 });
    for (const [label, loaded] of [
      ['Teams', '.team-table'],
      ['Priorities', '.data-table'],
      ['Pulses', '.card-list'],
      ['Audit log', '.audit-list'],
      ['Users', '.plain-list'],
    ] as const) {
      await nav(page, label).click();
      await page.locator(loaded).first().waitFor();
      await expectLayoutFits(page, `${label} on a phone`, 375);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByLabel('Email').fill(executive);
    await page.getByLabel(/First password/).fill(PASSWORD);
    await page.getByRole('radio', { name: /Executive/ }).check();
    await page.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => page.locator('.plain-list').textContent(), WAIT).toContain(executive);
    await page.screenshot({ path: 'docs/screenshots/hr-users.png', fullPage: true });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), WAIT)
      .toBe('You have signed out.');

    await signIn(page, executive);
    await page.getByRole('heading', { level: 1, name: 'Not for your role' }).waitFor();
    await page.screenshot({ path: 'docs/screenshots/executive-not-for-role.png', fullPage: true });
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents(),
    ).toEqual(['Dashboard']);
    await page.close();
  });

  test('a session the API no longer accepts goes back to sign-in, which says why', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${baseUrl}/#/priorities`);
    await signIn(page, email);
    await page.getByRole('heading', { level: 1, name: 'Priorities' }).waitFor();
    // The same claims under a signature the API refuses, as after its key changed.
    await page.evaluate(() => {
      const token = sessionStorage.getItem('pulsegap.token') ?? '';
      sessionStorage.setItem('pulsegap.token', `${token.slice(0, token.lastIndexOf('.'))}.bad`);
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('status').textContent()).toContain('Your session has expired');
    expect(page.url()).toBe(`${baseUrl}/#/priorities`);
    await page.setViewportSize({ width: 375, height: 700 });
    await expectLayoutFits(page, 'sign-in on a phone', 375);
    await page.screenshot({ path: 'docs/screenshots/sign-in-expired-phone.png', fullPage: true });
    await page.close();
  });

  test('an import that would deactivate most of the active people asks to be confirmed', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${baseUrl}/#/roster`);
    await signIn(page, email);
    await page.getByRole('heading', { level: 1, name: 'Roster' }).waitFor();
    // A file cut short: three of the twelve, with "deactivate who is not in the file".
    await page.getByLabel('Or paste its text').fill([HEADER, ...PEOPLE.slice(0, 3)].join('\n'));
    await page.getByRole('checkbox', { name: /Deactivate active people/ }).check();
    await page.getByRole('button', { name: 'Check the file' }).click();
    const warning = page.locator('.warning');
    await expect
      .poll(() => warning.textContent(), WAIT)
      .toContain('deactivate 9 of 12 active people');
    expect(await page.getByRole('button', { name: 'Import the roster' }).count()).toBe(0);
    await page.screenshot({ path: 'docs/screenshots/hr-roster-confirm.png', fullPage: true });
    await page.getByRole('checkbox', { name: 'Yes, deactivate 9 people' }).check();
    await page.getByRole('button', { name: 'Import the roster' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Imported' }).textContent(), WAIT)
      .toContain('deactivate 9 people');
    const people = await api<{ items: { active: boolean }[] }>('/people');
    expect(people.items.filter((person) => person.active)).toHaveLength(3);
    await page.close();
  });
});
