#!/usr/bin/env bash
# Installs the npm packages when node_modules is missing or older than package-lock.json.
# onnxruntime-node's postinstall would download GPU libraries; its CPU binaries ship in the package.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
  echo "==> installing npm packages"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi
