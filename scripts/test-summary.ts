/**
 * tsx scripts/test-summary.ts --report reports/vitest.json [--run reports/vitest-run.json]
 *   [--vitest-exit N] [--failed-check lint ...]
 *
 * Prints why the run failed (if it did), then the last line of `npm test`: `N passed, N failed`.
 * An unreadable report counts as a failure. See scripts/lib/test-summary.ts for what counts.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { summarize, summaryLine, type VitestJsonReport } from './lib/test-summary.js';
import type { RunRecord } from './vitest-run-reporter.js';

const { values } = parseArgs({
  options: {
    report: { type: 'string', default: 'reports/vitest.json' },
    run: { type: 'string' },
    'vitest-exit': { type: 'string' },
    'failed-check': { type: 'string', multiple: true, default: [] },
  },
});

function readJson<T>(path: string | undefined, what: string): T | undefined {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    console.log(`cannot read ${what} at ${path}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

const run = readJson<RunRecord>(values.run, 'the run record');
const summary = summarize({
  report: readJson<VitestJsonReport>(values.report, 'the Vitest report'),
  failedChecks: values['failed-check'],
  // A missing run record (Vitest killed before the end) is caught by the exit status and the report.
  unhandledErrors: run?.unhandledErrors ?? [],
  ...(values['vitest-exit'] === undefined ? {} : { vitestExitCode: Number(values['vitest-exit']) }),
});
for (const reason of summary.reasons) console.log(`failure: ${reason}`);
console.log(summaryLine(summary));
