import { chromium, type Browser } from 'playwright-core';

/** The system's Chromium: tests never download a browser. */
const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Launches the system's headless Chromium for browser tests, with everything that would talk
 * to the network on its own (updates, sync, background requests) turned off. Callers close it.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
