// Debian's chromium driven by puppeteer-core, which downloads no browser of its own. Each
// launch gets a fresh profile directory, removed on close; the flags keep the browser from
// calling home (no background networking, component updates, sync or QUIC).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { findBinary } from '../alerts/stack.js';

export const CHROMIUM = findBinary('chromium');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests cannot run here, or undefined (for describeOrSkip in test/helpers/skip.ts). */
export function chromiumMissing(): string | undefined {
  if (CHROMIUM !== undefined) return undefined;
  return 'chromium not found on PATH (Debian package chromium; .ci/run installs it)';
}

export interface RunningBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<RunningBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'portwatch-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM!,
    headless: true,
    args: FLAGS,
    userDataDir: profile,
    timeout: 30_000,
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
