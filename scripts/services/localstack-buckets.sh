#!/usr/bin/env bash
# LocalStack ready hook (docker-compose.yml): the project's buckets, idempotently.
set -euo pipefail
for bucket in telematics-models telematics-archive; do
  awslocal s3api head-bucket --bucket "$bucket" 2>/dev/null || awslocal s3api create-bucket --bucket "$bucket" >/dev/null
done
