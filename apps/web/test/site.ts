import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpServer, WEB_ROOT } from '@pulsegap/api';
import { createJobContext, startInProcessRuntime, type JobRuntime } from '@pulsegap/jobs';
import { launchBrowser, openTestDatabase, testConfig } from '@pulsegap/testing';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';

/** The real site for a browser test: API and built pages on a real socket, jobs, Chromium. */
export interface TestSite {
  readonly baseUrl: string;
  readonly browser: Browser;
  readonly db: Awaited<ReturnType<typeof openTestDatabase>>['db'];
  readonly jobs: JobRuntime;
  /** Drops every open connection (streams included), as a restarted proxy would. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Builds the pages if needed, starts the API on a free port and launches Chromium. */
export async function startTestSite(): Promise<TestSite> {
  if (!existsSync(join(WEB_ROOT, 'answer.html'))) {
    const { build } = await import('vite');
    await build({ root: join(WEB_ROOT, '..'), logLevel: 'error' });
  }
  const database = await openTestDatabase();
  const jobs = startInProcessRuntime({
    context: createJobContext(testConfig(), database.db),
    logger: console,
    pollMs: 60_000,
  });
  const server = await createHttpServer({ config: testConfig(), db: database.db });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const browser = await launchBrowser();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    db: database.db,
    jobs,
    dropConnections() {
      server.server.closeAllConnections();
    },
    async close() {
      await browser.close();
      await server.close();
      await jobs.close();
      await database.close();
    },
  };
}

/**
 * Calls the site's API as `token`: GET without a body, POST with one. An answer that is not
 * 2xx fails the test with its status and body; an empty one reads as null.
 */
export async function callApi<T>(
  baseUrl: string,
  token: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.ok, `${path}: ${response.status} ${text}`).toBe(true);
  return (text === '' ? null : JSON.parse(text)) as T;
}

/**
 * Collects what must fail a test on `page`: uncaught exceptions and console errors, but those
 * `expected` says a step causes on purpose (the browser logs every refused request).
 */
export function watchPageErrors(
  page: Page,
  expected: (text: string) => boolean = () => false,
): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !expected(message.text())) errors.push(message.text());
  });
  return errors;
}
