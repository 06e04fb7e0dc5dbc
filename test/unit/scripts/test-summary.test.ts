import { describe, expect, it } from 'vitest';
import { summarize, summaryLine, type VitestJsonReport } from '../../../scripts/lib/test-summary.js';

type FileResult = VitestJsonReport['testResults'][number];

function file(name: string, tests: Record<string, string>, failure?: string): FileResult {
  return {
    name,
    status: failure !== undefined || Object.values(tests).includes('failed') ? 'failed' : 'passed',
    message: failure ?? '',
    assertionResults: Object.entries(tests).map(([fullName, status]) => ({ fullName, status })),
  };
}

/** A report as Vitest's JSON reporter writes it for these files (its totals derived the same way). */
function report(...files: FileResult[]): VitestJsonReport {
  const tests = files.flatMap((f) => f.assertionResults);
  const count = (status: string) => tests.filter((t) => t.status === status).length;
  return {
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('skipped'),
    numTodoTests: count('todo'),
    success: files.every((f) => f.status === 'passed'),
    testResults: files,
  };
}

const line = (...args: Parameters<typeof summarize>) => summaryLine(summarize(...args));

describe('the summary line of npm test', () => {
  it('counts passed, failed and deliberately skipped tests of a run without other trouble', () => {
    const run = report(file('a.test.ts', { one: 'passed', two: 'failed', three: 'skipped' }), file('b.test.ts', { four: 'passed' }));

    expect(line({ report: run, vitestExitCode: 1 })).toBe('2 passed, 1 failed, 1 skipped');
  });

  it('reads 0 failed only for a clean run', () => {
    expect(line({ report: report(file('a.test.ts', { one: 'passed' })), vitestExitCode: 0 })).toBe('1 passed, 0 failed');
  });

  it('counts every test of a file whose beforeAll failed (Vitest marks them skipped) as failed', () => {
    const run = report(file('hook.test.ts', { one: 'skipped', two: 'skipped' }, 'boom in beforeAll'), file('ok.test.ts', { three: 'passed' }));

    const summary = summarize({ report: run, vitestExitCode: 1 });

    expect(summaryLine(summary)).toBe('1 passed, 2 failed');
    expect(summary.reasons).toEqual(['hook.test.ts: 2 test(s) did not run (boom in beforeAll)']);
  });

  it('counts a file whose afterAll failed after its tests passed as one failure', () => {
    const run = report(file('teardown.test.ts', { one: 'passed' }, 'boom in afterAll'));

    expect(line({ report: run, vitestExitCode: 1 })).toBe('1 passed, 1 failed');
  });

  it('counts a file that failed to load (no tests at all) as one failure', () => {
    expect(line({ report: report(file('broken.test.ts', {}, 'SyntaxError: Unexpected token')), vitestExitCode: 1 })).toBe('0 passed, 1 failed');
  });

  it('does not count a failed file twice when one of its tests failed', () => {
    const run = report(file('mixed.test.ts', { one: 'failed', two: 'passed' }, 'boom in afterAll'));

    expect(line({ report: run, vitestExitCode: 1 })).toBe('1 passed, 1 failed');
  });

  it('counts each error outside any test', () => {
    const run = { ...report(file('a.test.ts', { one: 'passed' })), success: false };

    expect(line({ report: run, unhandledErrors: ['Error: late timer', 'Error: rejection'], vitestExitCode: 1 })).toBe('1 passed, 2 failed');
  });

  it('counts each failed static check, even when every test passed', () => {
    const summary = summarize({ report: report(file('a.test.ts', { one: 'passed' })), failedChecks: ['lint', 'typecheck'], vitestExitCode: 0 });

    expect(summaryLine(summary)).toBe('1 passed, 2 failed');
    expect(summary.reasons).toEqual(['static check failed: lint', 'static check failed: typecheck']);
  });

  it('counts a missing report as a failure', () => {
    expect(line({ report: undefined, failedChecks: ['lint'] })).toBe('0 passed, 2 failed');
  });

  it('counts a run Vitest calls failed, or that exits non-zero, with nothing else to blame as one failure', () => {
    const clean = report(file('a.test.ts', { one: 'passed' }));

    expect(line({ report: { ...clean, success: false } })).toBe('1 passed, 1 failed');
    expect(line({ report: clean, vitestExitCode: 137 })).toBe('1 passed, 1 failed');
  });
});
