#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs packages, starts the real services,
# runs lint, typecheck and every Vitest suite (unit, integration, e2e) against them, and ends
# with the plain line "N passed, N failed" (scripts/test-summary.ts: failed tests, tests that did not
# run because their file failed, errors outside tests and failed static checks all count as failed).
set -euo pipefail
cd "$(dirname "$0")/.."

# Tests run as the test stage; scripts the tests start (seed, migrate) refuse to write without a STAGE.
export STAGE="${STAGE:-test}"

bash scripts/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"

bash scripts/services.sh up
# The risk model's retraining check (test/unit/scoring/retraining.test.ts) runs the training script:
# its venv is made once (pinned requirements from PyPI, about 2 minutes) and reused after that.
bash scripts/train/venv.sh >/dev/null
# The console's browser test (test/e2e/console) drives Debian's headless Chromium: apt installs it
# once, as the services are installed.
bash scripts/ensure-chromium.sh >/dev/null

failed_checks=()
echo "==> lint"
eslint . || failed_checks+=(lint)
echo "==> typecheck"
npm run -s typecheck || failed_checks+=(typecheck)

echo "==> tests"
mkdir -p reports
rm -f reports/vitest.json reports/vitest-run.json
vitest_status=0
VITEST_RUN_RECORD=reports/vitest-run.json vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json \
  --reporter=./scripts/vitest-run-reporter.ts "$@" || vitest_status=$?

summary_args=(--report reports/vitest.json --run reports/vitest-run.json --vitest-exit "$vitest_status")
for check in "${failed_checks[@]}"; do summary_args+=(--failed-check "$check"); done
tsx scripts/test-summary.ts "${summary_args[@]}"
if ((vitest_status != 0 || ${#failed_checks[@]} > 0)); then
  exit 1
fi
