#!/usr/bin/env bash
# npm run train [-- --from-csv]
# Reproduces the risk model: the training venv (pinned requirements, Python 3.12), the training set
# (seeded once into its own database and exported to scripts/train/data/drivers.csv with the
# product's feature SQL), then scripts/train/train.py with its fixed seed, which writes the
# artefacts to layers/deps/models/<version>. --from-csv trains from the committed CSV (seconds).
set -euo pipefail
cd "$(dirname "$0")/../.."
python="$(bash scripts/train/venv.sh)"
if [[ "${1:-}" != "--from-csv" ]]; then
  bash scripts/services.sh up postgres
  node_modules/.bin/tsx scripts/train/dataset.ts --out scripts/train/data/drivers.csv
fi
"$python" scripts/train/train.py --data scripts/train/data/drivers.csv
