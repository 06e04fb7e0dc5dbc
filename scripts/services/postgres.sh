# shellcheck shell=bash disable=SC2034 # the variables set here are read by scripts/services.sh
# PostgreSQL 15+ on 127.0.0.1:5432: role telematics/telematics (local-only default) owning the
# databases telematics and telematics_test.

readonly PG_PORT=5432
# Also in postgres-init.sql.
readonly PG_ROLE=telematics
readonly PG_PASSWORD=telematics
readonly PG_DATABASES=(telematics telematics_test)
readonly PG_URL="postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT/telematics"

# Newest installed server >= 15 (Debian layout), or nothing.
pg_find_bin() {
  local dir best="" ver
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x $dir/postgres && -x $dir/initdb ]] || continue
    ver=$(basename "$(dirname "$dir")")
    [[ $ver =~ ^[0-9]+$ ]] || continue
    ((ver >= 15)) || continue
    if [[ -z $best ]] || ((ver > $(basename "$(dirname "$best")"))); then best=$dir; fi
  done
  echo "$best"
}

pg_install() {
  PG_BIN=$(pg_find_bin)
  if [[ -z $PG_BIN ]]; then
    apt_install postgresql-15
    PG_BIN=$(pg_find_bin)
    [[ -n $PG_BIN ]] || die "postgresql-15 installed but no server found under /usr/lib/postgresql"
  fi
}

# initdb refuses to run as root, so as root the server runs as the postgres OS user.
pg_as() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Where the cluster lives: .services/postgres, or, when the postgres user cannot reach the
# checkout (e.g. a home directory with mode 700), a per-checkout directory under /var/tmp.
# With CREATE=1 the directory is made (and handed to postgres) if no cluster exists yet.
pg_layout() {
  local create=${1:-0} primary fallback
  primary="$STATE_DIR/postgres"
  fallback="/var/tmp/telematics-services/$(printf '%s' "$SERVICES_ROOT" | md5sum | cut -c1-12)/postgres"
  if [[ -f $primary/data/PG_VERSION ]]; then
    PG_ROOT=$primary
  elif [[ -f $fallback/data/PG_VERSION ]]; then
    PG_ROOT=$fallback
  else
    PG_ROOT=$primary
    if ((create)); then
      mkdir -p "$primary"
      if ((EUID == 0)); then
        chown postgres:postgres "$primary"
        if ! runuser -u postgres -- test -w "$primary"; then
          rmdir "$primary" 2>/dev/null || true
          PG_ROOT=$fallback
          mkdir -p "$PG_ROOT"
          chown postgres:postgres "$PG_ROOT"
        fi
      fi
    fi
  fi
  PG_DATA="$PG_ROOT/data"
  PG_SOCK="$PG_ROOT/run"
  PG_LOG="$PG_ROOT/postgres.log"
  PG_PIDFILE="$STATE_DIR/postgres.pid"
}

# The postmaster's PID if it is running on our data directory.
pg_running_pid() {
  local pid
  pid=$(read_pidfile "$PG_DATA/postmaster.pid")
  if pid_matches "$pid" "$PG_DATA"; then echo "$pid"; fi
}

pg_write_config() {
  pg_as tee "$PG_DATA/telematics.conf" >/dev/null <<CONF
# Written by scripts/services.sh on every 'up'; edits here are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 256MB
timezone = 'UTC'
log_timezone = 'UTC'
log_min_messages = warning
log_min_error_statement = error
# Durability is off on purpose: this cluster holds only local dev/test data that migrations and
# seeds recreate, and the tests run much faster without flushing. A crash may corrupt it (delete
# .services/postgres to start over). Never use these three settings for data that matters.
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
}

pg_init() {
  [[ -f $PG_DATA/PG_VERSION ]] && return 0
  note "initialising a PostgreSQL cluster in $PG_DATA"
  pg_as rm -rf "$PG_DATA"
  pg_as mkdir -p "$PG_DATA" "$PG_SOCK"
  local log="$PG_ROOT/initdb.log"
  # --no-sync: a dev cluster; trust on the socket is safe since its directory is private (0700).
  if ! pg_as "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --encoding=UTF8 --no-locale --no-sync \
    --auth-local=trust --auth-host=scram-sha-256 >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    pg_as rm -rf "$PG_DATA"
    die "initdb failed (log: $log)"
  fi
  pg_as tee "$PG_DATA/pg_hba.conf" >/dev/null <<'HBA'
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  scram-sha-256
HBA
  echo "include_if_exists = 'telematics.conf'" | pg_as tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

pg_start() {
  pg_as mkdir -p "$PG_SOCK"
  pg_write_config
  # setsid: the server must outlive this shell and ignore a Ctrl-C typed at it.
  if ! pg_as setsid -w "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 -s start 9>&- >/dev/null 2>&1; then
    warn "PostgreSQL did not start"
    tail -n 40 "$PG_LOG" >&2 || true
    exit 1
  fi
}

# Superuser SQL over the private socket.
pg_admin_sql() {
  pg_as "$PG_BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1
}

# Role and databases (postgres-init.sql, shared with docker-compose.yml); idempotent and cheap
# enough to run on every 'up'.
pg_provision() {
  local out
  if ! out=$(pg_admin_sql <"$SERVICES_LIB/postgres-init.sql" 2>&1); then
    printf '%s\n' "$out" >&2
    die "could not create the $PG_ROLE role and databases"
  fi
}

pg_psql() {
  if [[ -n ${PG_BIN:-} ]]; then
    echo "$PG_BIN/psql"
  elif command -v psql >/dev/null; then
    command -v psql
  else
    apt_install postgresql-client
    command -v psql
  fi
}

# Readiness: SELECT 1 as the telematics role over TCP on each database.
pg_check_local() {
  local psql db
  psql=$(pg_psql)
  for db in "${PG_DATABASES[@]}"; do
    [[ $(PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=3 "$psql" -X -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "$db" -Atqc 'SELECT 1') == 1 ]] || return 1
  done
}

pg_check_url() {
  [[ $(PGCONNECT_TIMEOUT=3 "$(pg_psql)" -X "$DATABASE_URL" -Atqc 'SELECT 1') == 1 ]]
}

postgres_up() {
  local pid
  if [[ -n ${DATABASE_URL:-} ]]; then
    wait_until 60 "PostgreSQL at $(mask_url "$DATABASE_URL")" "" pg_check_url
    SERVICE_REPORT="external  $(mask_url "$DATABASE_URL")"
    return
  fi
  pg_install
  pg_layout 1
  pid=$(pg_running_pid)
  if [[ -n $pid ]]; then
    pg_provision
    wait_until 30 "PostgreSQL" "$PG_LOG" pg_check_local
    echo "$pid" >"$PG_PIDFILE"
    SERVICE_REPORT="running   $PG_URL pid $pid"
    return
  fi
  rm -f "$PG_PIDFILE"
  if share_or_refuse_port postgres "PostgreSQL" "$PG_PORT" "$PG_URL" DATABASE_URL 30 pg_check_local; then return; fi
  pg_init
  pg_start
  pid=$(pg_running_pid)
  [[ -n $pid ]] || die "PostgreSQL started but its postmaster.pid is missing (log: $PG_LOG)"
  echo "$pid" >"$PG_PIDFILE"
  registry_set postgres "$pid"
  pg_provision
  wait_until 30 "PostgreSQL" "$PG_LOG" pg_check_local
  SERVICE_REPORT="started   $PG_URL pid $pid"
}

postgres_down() {
  if [[ -n ${DATABASE_URL:-} ]]; then
    SERVICE_REPORT="external  left alone"
    return
  fi
  pg_layout 0
  # SIGINT is PostgreSQL's "fast" shutdown: it disconnects clients instead of waiting for them.
  stop_local_service postgres "$(pg_running_pid)" "$PG_PIDFILE" INT 30
}

postgres_status() {
  if [[ -n ${DATABASE_URL:-} ]]; then
    SERVICE_REPORT="external  $(mask_url "$DATABASE_URL")"
    return
  fi
  pg_layout 0
  local_service_status postgres "$(pg_running_pid)" "$PG_PORT" "$PG_URL" "data $PG_DATA"
}

postgres_env() {
  if [[ -n ${DATABASE_URL:-} ]]; then
    echo "# DATABASE_URL is external: $(mask_url "$DATABASE_URL")"
  else
    echo "export DATABASE_URL=$PG_URL"
    echo "# tests: postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT/telematics_test"
  fi
}
