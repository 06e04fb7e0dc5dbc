#!/usr/bin/env bash
# Installs the npm packages when node_modules is missing or older than package-lock.json, and
# applies patches/ (patch-package, npm's postinstall) when a patch is newer than what was applied.
# onnxruntime-node's postinstall would download GPU libraries; its CPU binaries ship in the package.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
applied=node_modules/.patches-applied
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
  echo "==> installing npm packages"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
  touch "$applied"
fi
[[ -f $applied && $applied -nt $stamp ]] || applied=$stamp
if [[ -n $(find patches -name '*.patch' -newer "$applied" -print -quit) ]]; then
  echo "==> applying patches/"
  npx --no-install patch-package
  touch node_modules/.patches-applied
fi
