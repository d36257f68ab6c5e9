import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestSite, type TestSite } from './site.js';

const PASSWORD = 'correct horse battery';
const WAIT = { timeout: 8_000 };

// The pulse builder offers the organization's custom items beside the bank's dimensions, and
// the option that asks leaders to predict the frontline; what HR chooses is what is saved.
describe('the pulse builder: custom items and leaders’ predictions, in Chromium', () => {
  let site: TestSite;
  let browser: Browser;
  let baseUrl: string;
  let email: string;
  let token: string;

  async function api<T>(path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.ok, `${path}: HTTP ${response.status}`).toBe(true);
    return (await response.json()) as T;
  }

  beforeAll(async () => {
    site = await startTestSite();
    ({ browser, baseUrl } = site);
    email = `items-${randomUUID()}@hr.test`;
    const signup = await fetch(`${baseUrl}/api/v1/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ organization: 'Items test', email, password: PASSWORD }),
    });
    token = ((await signup.json()) as { token: string }).token;
    await api('/priorities', { title: 'Customer Focus', statedWeight: 4 });
    await api('/items', {
      key: 'custom-budget',
      statement: 'My team has the budget that {P} needs.',
    });
  }, 120_000);

  afterAll(() => site.close());

  test('HR chooses a custom item and predictions; the preview asks it and the pulse saves both', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${baseUrl}/#/pulses/new`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Title').fill('Budget pulse');
    await page.getByRole('checkbox', { name: /Customer Focus/ }).check();
    const custom = page.getByRole('checkbox', { name: /custom-budget/ });
    expect(await custom.isChecked()).toBe(false);
    await custom.check();
    const predictions = page.getByRole('checkbox', {
      name: "Ask leaders to predict the frontline's staffing and feasibility answers",
    });
    expect(await predictions.isChecked()).toBe(false);
    await predictions.check();
    const preview = page.getByRole('region', { name: 'Preview of the employee page' });
    await expect.poll(() => preview.locator('fieldset.question').count(), WAIT).toBe(8);
    expect(await preview.locator('legend.question__text').last().textContent()).toBe(
      'My team has the budget that Customer Focus needs.',
    );
    await page.getByRole('button', { name: 'Save pulse' }).click();
    await page.waitForURL(/#\/pulses\/[0-9a-f-]{36}$/);
    const pulseId = page.url().split('/').at(-1) ?? '';
    const saved = await api<{ dimensions: string[]; predictions: boolean }>(`/pulses/${pulseId}`);
    expect(saved.dimensions.at(-1)).toBe('custom-budget');
    expect(saved.dimensions).toHaveLength(8);
    expect(saved.predictions).toBe(true);
    // The saved pulse opens with both chosen.
    await page.reload();
    await expect
      .poll(() => page.getByRole('checkbox', { name: /custom-budget/ }).isChecked(), WAIT)
      .toBe(true);
    expect(
      await page
        .getByRole('checkbox', {
          name: "Ask leaders to predict the frontline's staffing and feasibility answers",
        })
        .isChecked(),
    ).toBe(true);
    await page.close();
  });
});
