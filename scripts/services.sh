#!/usr/bin/env bash
# Local backing services for development and tests: PostgreSQL, Redis, Kafka and S3.
#
#   bash scripts/services.sh up [postgres|redis|kafka|s3 ...]   start (default: all), idempotent
#   bash scripts/services.sh down [service ...]                stop what this checkout started
#   bash scripts/services.sh status [service ...]              external / ours / shared / stopped
#
# A service whose URL is set in the environment (DATABASE_URL, REDIS_URL, KAFKA_BROKERS,
# S3_ENDPOINT) is external: it is only waited for, never started or stopped. Otherwise a local
# one is installed if missing and run on 127.0.0.1 with the project's defaults, state under
# .services/ (gitignored) and downloads cached under ${XDG_CACHE_HOME:-~/.cache}/telematics.
# No Docker needed; docker-compose.yml at the repo root describes the same services.
set -euo pipefail

SERVICES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_LIB="$SERVICES_ROOT/scripts/services"

# shellcheck source=scripts/services/common.sh
source "$SERVICES_LIB/common.sh"
# shellcheck source=scripts/services/postgres.sh
source "$SERVICES_LIB/postgres.sh"
# shellcheck source=scripts/services/redis.sh
source "$SERVICES_LIB/redis.sh"
# shellcheck source=scripts/services/kafka.sh
source "$SERVICES_LIB/kafka.sh"
# shellcheck source=scripts/services/s3.sh
source "$SERVICES_LIB/s3.sh"

readonly ALL_SERVICES=(postgres redis kafka s3)

usage() {
  cat <<USAGE
usage: npm run services -- up|down|status [service ...]
services: ${ALL_SERVICES[*]} (default: all)
USAGE
}

# Validates the service names given on the command line; none means all of them.
select_services() {
  local name known s
  SELECTED=()
  if (($# == 0)); then
    SELECTED=("${ALL_SERVICES[@]}")
    return
  fi
  for name in "$@"; do
    known=false
    for s in "${ALL_SERVICES[@]}"; do [[ $name == "$s" ]] && known=true; done
    if [[ $known != true ]]; then
      usage >&2
      die "unknown service '$name'"
    fi
    SELECTED+=("$name")
  done
}

cmd_up() {
  local svc started elapsed
  take_lock
  for svc in "${SELECTED[@]}"; do
    started=$(now_ms)
    "${svc}_up"
    elapsed=$(($(now_ms) - started))
    printf '%-9s %s (%d.%01ds)\n' "$svc" "$SERVICE_REPORT" $((elapsed / 1000)) $((elapsed % 1000 / 100))
  done
  echo
  echo "# export these (the project's defaults; external URLs are kept):"
  for svc in "${SELECTED[@]}"; do "${svc}_env"; done
}

cmd_down() {
  local svc i
  take_lock
  # Reverse order: consumers of a service go before it.
  for ((i = ${#SELECTED[@]} - 1; i >= 0; i--)); do
    svc=${SELECTED[i]}
    "${svc}_down"
    printf '%-9s %s\n' "$svc" "$SERVICE_REPORT"
  done
}

cmd_status() {
  local svc
  for svc in "${SELECTED[@]}"; do
    "${svc}_status"
    printf '%-9s %s\n' "$svc" "$SERVICE_REPORT"
  done
}

main() {
  local cmd=${1:-}
  (($# > 0)) && shift
  case $cmd in
    up | down | status)
      select_services "$@"
      mkdir -p "$STATE_DIR"
      command -v ss >/dev/null || apt_install iproute2 # port checks
      "cmd_$cmd"
      ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
