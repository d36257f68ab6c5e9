import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestSite, type TestSite } from './site.js';

interface RunParticipation {
  id: string;
  participation: { invited: number; tokensCollected: number; responses: number };
}

// The employee's side, for real: an admin starts a run of a pulse, the invitation
// e-mails land in the development outbox, and an employee follows one link on a phone,
// answers, and gets a receipt. The token is made by blind signature in Chromium's WebCrypto
// and verified by the API; nothing is mocked.
describe('the answer page in Chromium', () => {
  let site: TestSite;
  let browser: Browser;
  let baseUrl: string;
  let adminToken: string;
  let pulseId: string;
  let runId: string;
  let secrets: string[];

  async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${adminToken}`,
        ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    expect(response.ok, `${init.method ?? 'GET'} ${path}: HTTP ${response.status}`).toBe(true);
    return (await response.json()) as T;
  }

  /** Opens the answer page of a link on a phone-sized screen, noting any request elsewhere. */
  async function openLink(secret: string, thirdParty: string[] = []): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 375, height: 812 } });
    page.on('request', (request) => {
      if (!request.url().startsWith(baseUrl)) thirdParty.push(request.url());
    });
    await page.goto(`${baseUrl}/answer/${secret}`);
    await page.locator('#status:empty').waitFor({ state: 'attached', timeout: 20_000 });
    return page;
  }

  beforeAll(async () => {
    site = await startTestSite();
    ({ browser, baseUrl } = site);

    // An organization of its own, so other tests' data never mixes with this run.
    const signup = await fetch(`${baseUrl}/api/v1/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        organization: 'Answer page test',
        email: `hr-${randomUUID()}@answer.test`,
        password: 'correct horse battery',
      }),
    });
    adminToken = ((await signup.json()) as { token: string }).token;
    await api('/people/import', {
      method: 'POST',
      body: {
        people: Array.from({ length: 12 }, (_, i) => ({
          email: `p${i}@answer.test`,
          name: `Person ${i}`,
          team: 'Support',
          parentTeam: 'Customer Operations',
          tier: i < 6 ? 'leadership' : 'frontline',
        })),
      },
    });
    const priorities = await Promise.all(
      ['Customer Focus', 'Platform Modernization'].map((title) =>
        api<{ id: string }>('/priorities', { method: 'POST', body: { title, statedWeight: 4 } }),
      ),
    );
    pulseId = (
      await api<{ id: string }>('/pulses', {
        method: 'POST',
        body: { title: 'Quarterly alignment pulse', priorityIds: priorities.map((p) => p.id) },
      })
    ).id;
    runId = (await api<{ id: string }>(`/pulses/${pulseId}/runs`, { method: 'POST', body: {} })).id;
    await site.jobs.drain();
    const outbox = await api<{ items: { link: string | null }[] }>('/dev/outbox');
    // The secret is the link's last path segment (PRODUCT.md §7); the host is this server's.
    secrets = outbox.items.flatMap(({ link }) =>
      link === null ? [] : [new URL(link).pathname.split('/').at(-1) ?? ''],
    );
  }, 180_000);

  afterAll(() => site.close());

  test('an employee follows the link, answers on a phone and gets a receipt', async () => {
    const secret = secrets[0];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const thirdParty: string[] = [];
    const page = await openLink(secret ?? '', thirdParty);

    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Quarterly alignment pulse');
    expect(await page.locator('.segment').textContent()).toMatch(
      /Your answers count for:\s*\S.*, (leadership|frontline)/,
    );
    // The fingerprint the browser computed is one the run publishes.
    const keys = await api<{ items: { fingerprint: string }[] }>(`/runs/${runId}/keys`);
    const shown = (await page.locator('#fingerprint').textContent())?.replaceAll(' ', '');
    expect(keys.items.map((k) => k.fingerprint)).toContain(shown);

    const questions = page.locator('fieldset.question');
    const total = await questions.count();
    expect(total).toBeGreaterThan(5);
    for (let i = 0; i < 5; i += 1) {
      await questions
        .nth(i)
        .getByRole('radio')
        .nth(i % 5)
        .check();
    }
    expect(await page.locator('#progress-text').textContent()).toBe(`5 of ${total} answered`);
    await page
      .getByLabel('What makes this hard that nobody is saying out loud?')
      .fill('We are asked to open a new market with the team that already runs support.');
    // The top of the page: the explanation, the segment, the key and the first answers.
    await page.mouse.move(0, 0);
    await page.evaluate(() => {
      window.scrollTo(0, 0);
    });
    await page.screenshot({
      path: 'docs/screenshots/answer-phone.png',
      fullPage: true,
      clip: { x: 0, y: 0, width: 375, height: 1400 },
    });

    await page.getByRole('button', { name: 'Send my answers' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 })
      .toContain('your answers were recorded anonymously');
    expect(await page.locator('#answer-form').isVisible()).toBe(false);
    expect(await page.locator('#receipt-fingerprint').textContent()).toBe(
      await page.locator('#fingerprint').textContent(),
    );
    await page.screenshot({ path: 'docs/screenshots/answer-receipt-phone.png' });
    expect(thirdParty).toEqual([]);

    const runs = await api<{ items: RunParticipation[] }>(`/pulses/${pulseId}/runs`);
    const run = runs.items.find((r) => r.id === runId);
    expect(run?.participation.tokensCollected).toBe(1);
    expect(run?.participation.responses).toBe(1);

    // The same link again: it cannot answer twice.
    await page.reload();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('This link was already used to answer.');
    await page.close();
  });

  test('a link that is not an invitation says so, without a form', async () => {
    const page = await openLink('A'.repeat(43));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'This link does not work',
    );
    expect(await page.locator('#answer-form').isVisible()).toBe(false);
    await page.close();
  });
});
