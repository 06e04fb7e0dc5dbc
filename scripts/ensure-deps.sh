#!/usr/bin/env bash
# Installs the npm packages when node_modules is missing, older than package-lock.json, or older
# than a file in patches/: patch-package (npm's postinstall) applies a patch to a clean install,
# and cannot apply a changed patch over the one already applied.
# onnxruntime-node's postinstall would download GPU libraries; its CPU binaries ship in the package.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [[ ! -f $stamp || package-lock.json -nt $stamp || -n $(find patches -name '*.patch' -newer "$stamp" -print -quit) ]]; then
  echo "==> installing npm packages"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
  # npm ci rewrites the stamp only when the tree changed: mark this install as newer than the patches.
  touch "$stamp"
fi
