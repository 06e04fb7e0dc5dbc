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

/*
 * Reading the page. The callbacks run in the browser; they are written as expressions because this
 * project's TypeScript is compiled for Node, without the DOM's types.
 */

async function evaluate<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

/** An attribute of the first element matching `selector` (null if either is missing). */
export function attributeOf(page: Page, selector: string, name: string): Promise<string | null> {
  return evaluate(page, `document.querySelector(${JSON.stringify(selector)})?.getAttribute(${JSON.stringify(name)}) ?? null`);
}

/** The text of the first element matching `selector` (null if none). */
export function textOf(page: Page, selector: string): Promise<string | null> {
  return evaluate(page, `document.querySelector(${JSON.stringify(selector)})?.textContent ?? null`);
}

export function countOf(page: Page, selector: string): Promise<number> {
  return evaluate(page, `document.querySelectorAll(${JSON.stringify(selector)}).length`);
}

/** The cells' text of each body row of a table. */
export function rowsOf(page: Page, tableSelector: string): Promise<string[][]> {
  return evaluate(page, `[...document.querySelectorAll(${JSON.stringify(`${tableSelector} tbody tr`)})].map((row) => [...row.children].map((cell) => cell.textContent))`);
}

/** Every drawn route: its trip and how many points its polyline has (as the browser parsed them). */
export function polylinesOf(page: Page): Promise<{ tripId: string; points: number }[]> {
  return evaluate(page, `[...document.querySelectorAll('polyline[data-trip-id]')].map((line) => ({ tripId: line.getAttribute('data-trip-id'), points: line.points.numberOfItems }))`);
}
