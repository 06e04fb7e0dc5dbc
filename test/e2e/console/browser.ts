import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { ROOT } from '../offline-server.js';

/**
 * A real browser for the console test: Debian's headless Chromium (found or installed by
 * scripts/ensure-chromium.sh, as scripts/services installs PostgreSQL; puppeteer's own browser
 * download cannot be reached here), driven by puppeteer-core over the DevTools protocol.
 */

export const SCREENSHOT_DIR = path.join(ROOT, 'reports/console');

/** The Chromium executable: CHROMIUM_PATH, else one on PATH, else installed with apt first. */
export async function findChromium(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [path.join(ROOT, 'scripts/ensure-chromium.sh')], { timeout: 900_000 });
  const found = stdout.trim().split('\n').at(-1);
  if (!found) throw new Error('scripts/ensure-chromium.sh printed no chromium path');
  return found;
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath,
    headless: true,
    // Root in a container: no user namespaces for the sandbox; /dev/shm may be small.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
    defaultViewport: { width: 1280, height: 900 },
  });
}

/**
 * Everything that went wrong in the page: console errors, uncaught exceptions, requests that
 * failed or were answered with an error status. The test asserts this stays empty.
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()} (${message.location().url ?? ''})`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error instanceof Error ? error.message : String(error)}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return problems;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
