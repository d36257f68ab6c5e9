import { deriveKey } from '@pulsegap/config';
import { DEMO_LOGINS, seedDemo } from '@pulsegap/api';
import { testConfig } from '@pulsegap/testing';
import type { Browser } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestSite, type TestSite } from './site.js';

// The real pages, served by the real API on a real socket, in real Chromium: an executive
// signs in to the seeded demo organization and finds the gap chart drawn with its numbers.
describe('the dashboard in Chromium', () => {
  let site: TestSite;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    site = await startTestSite();
    ({ browser, baseUrl } = site);
    await seedDemo(site.db, {
      invitationKey: deriveKey(testConfig(), 'invitation-secrets'),
      segmentKeySealing: deriveKey(testConfig(), 'segment-key-sealing'),
    });
    await site.jobs.drain();
  }, 120_000);

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

  test('the executive signs in and sees the staffing collision charted', async () => {
    const page = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    const thirdParty: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(baseUrl)) thirdParty.push(request.url());
    });
    // The old sign-in address still works: it leads to the app, which asks to sign in.
    await page.goto(`${baseUrl}/login.html`);
    await page.waitForURL(`${baseUrl}/`);
    await page.getByLabel('Email').fill(DEMO_LOGINS.executive);
    await page.getByLabel('Password').fill(DEMO_LOGINS.password);
    await page.getByRole('button', { name: /sign in/i }).click();
    // An executive lands on the dashboard, the only view of the role.
    await page.waitForURL(`${baseUrl}/#/dashboard`);
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents(),
    ).toEqual(['Dashboard']);
    const chart = page.locator('#gap-chart[data-rendered="true"]');
    await chart.waitFor({ timeout: 20_000 });

    // The canvas really has pixels drawn on it, not just a rendered flag.
    const painted = await chart.evaluate((canvas: HTMLCanvasElement) => {
      const context = canvas.getContext('2d');
      if (context === null) return 0;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let opaque = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) opaque += 1;
      return opaque;
    });
    expect(painted).toBeGreaterThan(5000);

    // The table beside the chart holds the demo's story: a large staffing gap for Customer Focus.
    const table = page.locator('table');
    await expect.poll(() => table.textContent()).toContain('Customer Focus');
    const staffingGap = await page
      .locator('tbody')
      .filter({ hasText: 'Customer Focus' })
      .locator('tr', { hasText: 'staffing' })
      .first()
      .locator('td')
      .first()
      .textContent();
    expect(Number((staffingGap ?? '').replace('−', '-').replace('+', ''))).toBeGreaterThan(1.5);
    expect(thirdParty).toEqual([]);

    // The brief and the CSV download with the session: no token to paste.
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
    const csv = await saved('Download the figures (CSV)');
    expect(csv.name).toMatch(/^run-[0-9a-f-]{36}\.csv$/);
    expect(csv.text.split('\n')[0]).toMatch(/priority/i);
    expect(csv.text).toContain('Customer Focus');

    await page.screenshot({ path: 'docs/screenshots/dashboard.png', fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    await chart.waitFor();
    await page.screenshot({ path: 'docs/screenshots/dashboard-phone.png', fullPage: true });
    await page.close();
  });
});
