/**
 * The line `N passed, N failed` that ends `npm test`, from Vitest's JSON report plus what the JSON
 * report does not hold (the outcome of lint and typecheck, errors outside any test, Vitest's exit
 * status). A failed run must never read `0 failed`, so every kind of failure counts:
 *
 * - a failed test;
 * - a test that did not run because its file failed (a failing `beforeAll` makes Vitest mark the
 *   file's tests skipped; the file is "failed" but no test is): each such test is a failure;
 * - a failed file with no test to blame (an `afterAll` failure, a file that does not load): one;
 * - an error outside any test (an unhandled rejection, a timer throwing after its test): one each;
 * - a failed static check (lint, typecheck): one each;
 * - a Vitest run that reports failure, or exits non-zero, with none of the above: one.
 */

/** The parts of Vitest's JSON report (`--reporter=json`) the summary reads. */
export interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
  testResults: Array<{
    name: string;
    status: 'passed' | 'failed';
    message: string;
    assertionResults: Array<{ fullName: string; status: string }>;
  }>;
}

export interface RunOutcome {
  /** Missing when the report could not be read: that alone is a failure. */
  report: VitestJsonReport | undefined;
  /** Names of static checks that failed, e.g. `lint`. */
  failedChecks?: string[];
  /** Errors Vitest caught outside any test (scripts/vitest-run-reporter.ts records them). */
  unhandledErrors?: string[];
  /** Vitest's exit status; undefined when unknown. */
  vitestExitCode?: number;
}

export interface Summary {
  passed: number;
  failed: number;
  /** Tests skipped on purpose (`it.skip`, `it.todo`) in files that did not fail. */
  skipped: number;
  /** One line per failure that is not a failed test, for the log above the summary line. */
  reasons: string[];
}

/** Statuses of a test that never ran. */
const NOT_RUN = new Set(['skipped', 'pending', 'todo']);

export function summarize({ report, failedChecks = [], unhandledErrors = [], vitestExitCode }: RunOutcome): Summary {
  const reasons: string[] = [];
  if (!report) reasons.push('no Vitest report: the test run did not complete');
  const passed = report?.numPassedTests ?? 0;
  let failed = report?.numFailedTests ?? 0;
  let skipped = (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);

  for (const file of report?.testResults ?? []) {
    if (file.status !== 'failed') continue;
    const tests = file.assertionResults;
    if (tests.some((test) => test.status === 'failed')) continue;
    const notRun = tests.filter((test) => NOT_RUN.has(test.status));
    const firstLine = file.message.split('\n')[0] ?? '';
    // The file failed without a failed test: its unrun tests fail with it, or the file counts once.
    failed += Math.max(notRun.length, 1);
    skipped -= notRun.length;
    reasons.push(`${file.name}: ${notRun.length > 0 ? `${notRun.length} test(s) did not run` : 'failed outside its tests'}${firstLine ? ` (${firstLine})` : ''}`);
  }
  for (const error of unhandledErrors) reasons.push(`error outside any test: ${error}`);
  for (const check of failedChecks) reasons.push(`static check failed: ${check}`);
  failed += unhandledErrors.length + failedChecks.length + (report ? 0 : 1);

  const runFailed = (report !== undefined && !report.success) || (vitestExitCode !== undefined && vitestExitCode !== 0);
  if (runFailed && failed === 0) {
    failed = 1;
    reasons.push(`Vitest reported a failed run (exit status ${vitestExitCode ?? 'unknown'}) without a failing test`);
  }
  return { passed, failed, skipped, reasons };
}

export function summaryLine({ passed, failed, skipped }: Summary): string {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}
