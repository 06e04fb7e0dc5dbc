import { writeFileSync } from 'node:fs';
import type { Reporter, TestRunEndReason } from 'vitest/reporters';

/**
 * Records what Vitest's JSON report leaves out: errors outside any test (an unhandled rejection,
 * a timer that throws after its test ended) and why the run ended, in the file named by
 * VITEST_RUN_RECORD (scripts/test.sh sets it); scripts/test-summary.ts counts the errors as failures.
 */
export interface RunRecord {
  reason: TestRunEndReason;
  unhandledErrors: string[];
}

export default class VitestRunReporter implements Reporter {
  private readonly outputFile = process.env.VITEST_RUN_RECORD ?? 'reports/vitest-run.json';

  onTestRunEnd: NonNullable<Reporter['onTestRunEnd']> = (_modules, unhandledErrors, reason) => {
    const record: RunRecord = {
      reason,
      unhandledErrors: unhandledErrors.map((error) => `${error.name ?? 'Error'}: ${error.message ?? JSON.stringify(error)}`),
    };
    writeFileSync(this.outputFile, `${JSON.stringify(record, null, 2)}\n`);
  };
}
