# shellcheck shell=bash disable=SC2034 # the variables set here are read by scripts/services.sh
# Redis 7 on 127.0.0.1:6379, our own config (no persistence), not the distribution's service.

readonly REDIS_PORT=6379
readonly REDIS_LOCAL_URL="redis://127.0.0.1:$REDIS_PORT"

redis_layout() {
  REDIS_DIR="$STATE_DIR/redis"
  REDIS_CONF="$REDIS_DIR/redis.conf"
  REDIS_LOG="$REDIS_DIR/redis.log"
  REDIS_PIDFILE="$STATE_DIR/redis.pid"
}

redis_install() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server redis-tools
  fi
  local version
  version=$(redis-server --version | grep -o 'v=[0-9]*' | cut -d= -f2)
  ((version >= 7)) || die "redis-server $version found; Redis 7 or newer is needed"
}

redis_running_pid() {
  local pid
  pid=$(read_pidfile "$REDIS_PIDFILE")
  if pid_matches "$pid" redis-server; then echo "$pid"; fi
}

redis_start() {
  mkdir -p "$REDIS_DIR"
  cat >"$REDIS_CONF" <<CONF
# Written by scripts/services.sh on every start; a cache only, so nothing is persisted.
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize yes
supervised no
pidfile $REDIS_PIDFILE
logfile $REDIS_LOG
dir $REDIS_DIR
save ""
appendonly no
loglevel warning
maxclients 1000
CONF
  : >"$REDIS_LOG"
  if ! redis-server "$REDIS_CONF" 9>&- >/dev/null 2>&1; then
    tail -n 20 "$REDIS_LOG" >&2
    die "redis-server failed to start"
  fi
  wait_until 15 "Redis pid file" "$REDIS_LOG" test -s "$REDIS_PIDFILE"
}

redis_check_local() {
  local out
  out=$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>&1) || true
  [[ $out == PONG ]] || { echo "PING: $out"; return 1; }
}

redis_check_url() {
  local tls=()
  [[ $REDIS_URL == rediss://* ]] && tls=(--tls)
  local out
  out=$(redis-cli "${tls[@]}" -u "$REDIS_URL" ping 2>&1 | grep -v 'Warning: Using a password') || true
  [[ $out == PONG ]] || { echo "PING: $out"; return 1; }
}

redis_up() {
  local pid
  if [[ -n ${REDIS_URL:-} ]]; then
    command -v redis-cli >/dev/null || apt_install redis-tools
    wait_until 60 "Redis at $(mask_url "$REDIS_URL")" "" redis_check_url
    SERVICE_REPORT="external  $(mask_url "$REDIS_URL")"
    return
  fi
  redis_install
  redis_layout
  pid=$(redis_running_pid)
  if [[ -n $pid ]]; then
    wait_until 15 "Redis" "$REDIS_LOG" redis_check_local
    SERVICE_REPORT="running   $REDIS_LOCAL_URL pid $pid"
    return
  fi
  rm -f "$REDIS_PIDFILE"
  if share_or_refuse_port redis "Redis" "$REDIS_PORT" "$REDIS_LOCAL_URL" REDIS_URL 15 redis_check_local; then return; fi
  redis_start
  pid=$(redis_running_pid)
  [[ -n $pid ]] || die "redis-server exited right after start (log: $REDIS_LOG)"
  registry_set redis "$pid"
  wait_until 15 "Redis" "$REDIS_LOG" redis_check_local
  SERVICE_REPORT="started   $REDIS_LOCAL_URL pid $pid"
}

redis_down() {
  if [[ -n ${REDIS_URL:-} ]]; then
    SERVICE_REPORT="external  left alone"
    return
  fi
  redis_layout
  stop_local_service redis "$(redis_running_pid)" "$REDIS_PIDFILE" TERM 10
}

redis_status() {
  if [[ -n ${REDIS_URL:-} ]]; then
    SERVICE_REPORT="external  $(mask_url "$REDIS_URL")"
    return
  fi
  redis_layout
  local_service_status redis "$(redis_running_pid)" "$REDIS_PORT" "$REDIS_LOCAL_URL"
}

redis_env() {
  if [[ -n ${REDIS_URL:-} ]]; then
    echo "# REDIS_URL is external: $(mask_url "$REDIS_URL")"
  else
    echo "export REDIS_URL=$REDIS_LOCAL_URL"
  fi
}
