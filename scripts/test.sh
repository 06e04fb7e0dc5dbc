#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs packages, starts the real services,
# runs lint, typecheck and every Vitest suite (unit, integration, e2e) against them, and ends
# with the plain line "N passed, N failed" taken from Vitest's JSON report.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"

bash scripts/services.sh up
# The risk model's retraining check (test/unit/scoring/retraining.test.ts) runs the training script:
# its venv is made once (pinned requirements from PyPI, about 2 minutes) and reused after that.
bash scripts/train/venv.sh >/dev/null

failed_checks=()
echo "==> lint"
eslint . || failed_checks+=(lint)
echo "==> typecheck"
tsc --noEmit || failed_checks+=(typecheck)

echo "==> tests"
mkdir -p reports
rm -f reports/vitest.json
vitest_status=0
vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json "$@" || vitest_status=$?

if ((${#failed_checks[@]} > 0)); then
  echo "static checks failed: ${failed_checks[*]}" >&2
fi
node scripts/test-summary.mjs reports/vitest.json
if ((vitest_status != 0 || ${#failed_checks[@]} > 0)); then
  exit 1
fi
