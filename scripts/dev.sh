#!/usr/bin/env bash
# npm run dev: from a fresh clone to the running system, with no configuration.
#   1. installs the npm packages when node_modules is missing or older than package-lock.json
#   2. starts PostgreSQL, Redis, Kafka and S3 (scripts/services.sh; idempotent)
#   3. applies the migrations and seeds the demo dataset into an empty database
#   4. runs every function under serverless-offline: HTTP API on :3000, WebSocket API on :3001,
#      Lambda Invoke API on :3002
# Ctrl-C stops the API; the services keep running (stop them with: npm run services -- down).
# Any variable lib/config reads (DATABASE_URL, LOG_LEVEL, ...) may be set in the shell.
set -euo pipefail
cd "$(dirname "$0")/.."

# Fixed in serverless.yml (custom.serverless-offline); repeated here for the checks and the banner.
readonly HTTP_PORT=3000
readonly WEBSOCKET_PORT=3001
readonly LAMBDA_PORT=3002
readonly API_URL="http://localhost:$HTTP_PORT"
readonly LAMBDA_URL="http://localhost:$LAMBDA_PORT"
readonly WEBSOCKET_URL="ws://localhost:$WEBSOCKET_PORT"
readonly STARTUP_TIMEOUT_S=180

step() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'dev: %s\n' "$*" >&2
  exit 1
}
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The writing scripts below (migrate, seed) refuse to run without an explicit STAGE; this runner is
# the local stage unless told otherwise.
export STAGE="${STAGE:-local}"

step "npm packages"
bash scripts/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"

for port in "$HTTP_PORT" "$WEBSOCKET_PORT" "$LAMBDA_PORT"; do
  port_in_use "$port" && die "port $port is already in use (is another 'npm run dev' running?)"
done

step "services"
bash scripts/services.sh up

step "database migrations"
tsx scripts/migrate.ts

step "demo data"
tsx scripts/seed.ts --if-empty

step "console: web/console bundle (npm run console:build)"
node scripts/console/build.mjs

step "API: serverless offline, stage local"
serverless offline start --stage local &
offline_pid=$!
# serverless-offline ignores kafka/msk events: the bridge feeds the ingest function from the topic.
step "ingest: Kafka event-source bridge (npm run bridge)"
tsx scripts/bridge.ts &
bridge_pid=$!
# A non-interactive shell's background job ignores the terminal's Ctrl-C, so pass it on.
trap 'kill -TERM "$offline_pid" "$bridge_pid" 2>/dev/null || true' INT TERM

# Offline answers once it has bundled every function; /health turns 200 once every service answers.
health_ok() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "$API_URL/health"; }
deadline=$((SECONDS + STARTUP_TIMEOUT_S))
until health_ok; do
  kill -0 "$offline_pid" 2>/dev/null || die "serverless offline exited before answering"
  if ((SECONDS >= deadline)); then
    printf 'dev: GET /health is still not 200 after %ss; the API runs, see the report below\n' "$STARTUP_TIMEOUT_S" >&2
    break
  fi
  sleep 1
done

health=$(node -e 'fetch(process.argv[1]).then(async (r) => console.log(r.status, await r.text()), (e) => console.log("no answer:", e.message))' "$API_URL/health")
login_body='{"username":"admin","password":"admin123!"}'
cat <<BANNER

  Telematics API is running (stage local)

    API          $API_URL/api/v1
    Health       $API_URL/health      -> $health
    Metrics      $API_URL/metrics     (needs an admin token: -H 'authorization: Bearer <access_token>')
    Console      $API_URL/console     operations console in a browser (sign in as admin)
    WebSocket    $WEBSOCKET_URL/?token=<access_token>   live pushes: send {"action":"subscribe","topics":["fleet"]}
    Lambda API   $LAMBDA_URL             direct invocation (AWS SDK Invoke API)
    Ingestion    the bridge feeds telematics.events to the ingest function; try: npm run produce -- --rate 2000 --duration 10

    Demo logins  admin / admin123!         (admin)
                 driver0001 / driver123!   (driver)

  Try:
    curl -s -X POST $API_URL/api/v1/auth/login -H 'content-type: application/json' -d '$login_body'
    curl -s -X POST $LAMBDA_URL/2015-03-31/functions/telematics-local-score-drivers/invocations -d '{}'

  Ctrl-C stops the API. The services keep running; stop them with: npm run services -- down

BANNER

# The first wait returns early when Ctrl-C runs the trap; the second waits for offline to finish.
status=0
wait "$offline_pid" || status=$?
if kill -0 "$offline_pid" 2>/dev/null; then
  status=0
  wait "$offline_pid" || status=$?
fi
kill -TERM "$bridge_pid" 2>/dev/null || true
wait "$bridge_pid" 2>/dev/null || true
exit "$status"
