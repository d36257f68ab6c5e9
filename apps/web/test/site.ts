import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpServer, WEB_ROOT } from '@pulsegap/api';
import { createJobContext, startInProcessRuntime, type JobRuntime } from '@pulsegap/jobs';
import { launchBrowser, openTestDatabase, testConfig } from '@pulsegap/testing';
import type { Browser } from 'playwright-core';

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
