#!/usr/bin/env bash
# Makes sure a headless Chromium is on this machine for the console's browser test
# (test/e2e/console): Debian's `chromium` package, installed with apt the way scripts/services
# installs PostgreSQL and Redis (root or passwordless sudo, no daemons started). puppeteer-core's
# own browser download cannot be reached here. Prints the browser's path on stdout.
# CHROMIUM_PATH set in the environment is used as it is.
set -euo pipefail

SERVICES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/services/common.sh
source "$SERVICES_ROOT/scripts/services/common.sh"

find_chromium() {
  local candidate
  for candidate in "${CHROMIUM_PATH:-}" chromium chromium-browser; do
    [[ -n $candidate ]] && command -v "$candidate" && return 0
  done
  return 1
}

if ! find_chromium >/dev/null; then
  [[ -n ${CHROMIUM_PATH:-} ]] && die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"
  apt_install chromium
fi
find_chromium || die "chromium is still missing after apt-get install chromium"
