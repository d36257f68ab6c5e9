import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { deriveKey } from '@pulsegap/config';
import { createHttpServer, DEMO_LOGINS, seedDemo, WEB_ROOT } from '@pulsegap/api';
import { createJobContext, startInProcessRuntime } from '@pulsegap/jobs';
import { launchBrowser, openTestDatabase, testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// The real pages, served by the real API on a real socket, in real Chromium: an executive
// signs in to the seeded demo organization and finds the gap chart drawn with its numbers.
describe('the dashboard in Chromium', () => {
  let server: FastifyInstance;
  let close: () => Promise<void>;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    if (!existsSync(join(WEB_ROOT, 'index.html'))) {
      const { build } = await import('vite');
      await build({ root: join(WEB_ROOT, '..'), logLevel: 'error' });
    }
    const database = await openTestDatabase();
    await seedDemo(database.db, deriveKey(testConfig(), 'invitation-secrets'));
    const jobs = startInProcessRuntime({
      context: createJobContext(testConfig(), database.db),
      logger: console,
      pollMs: 60_000,
    });
    await jobs.drain();
    server = await createHttpServer({ config: testConfig(), db: database.db });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const address = server.server.address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    close = async () => {
      await server.close();
      await jobs.close();
      await database.close();
    };
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await close();
  });

  test('an unauthenticated visit goes to the login page; a wrong password says so', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`);
    await page.waitForURL(/\/login\.html$/);
    await page.getByLabel('Email').fill(DEMO_LOGINS.executive);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: /sign in/i }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('email or password');
    await page.close();
  });

  test('the executive signs in and sees the staffing collision charted', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const thirdParty: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(baseUrl)) thirdParty.push(request.url());
    });
    await page.goto(`${baseUrl}/login.html`);
    await page.getByLabel('Email').fill(DEMO_LOGINS.executive);
    await page.getByLabel('Password').fill(DEMO_LOGINS.password);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL(`${baseUrl}/`);
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

    await page.screenshot({ path: 'docs/screenshots/dashboard.png', fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    await chart.waitFor();
    await page.screenshot({ path: 'docs/screenshots/dashboard-phone.png', fullPage: true });
    await page.close();
  });
});
