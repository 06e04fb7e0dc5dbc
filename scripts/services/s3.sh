# shellcheck shell=bash disable=SC2034 # the variables set here are read by scripts/services.sh
# S3 on 127.0.0.1:4566: LocalStack 4.14.0 (the last open release) run on the host from PyPI, or,
# on a machine without the Python >= 3.13 it needs, moto's S3 server. See NOTES.md beside this.

readonly S3_PORT=4566
readonly S3_LOCAL_ENDPOINT="http://127.0.0.1:$S3_PORT"
readonly S3_BUCKETS=(telematics-models telematics-archive)
readonly LOCALSTACK_VERSION=4.14.0
readonly MOTO_VERSION=${MOTO_VERSION:-5.2.5}

s3_layout() {
  S3_DIR="$STATE_DIR/s3"
  S3_LOG="$S3_DIR/s3.log"
  S3_PIDFILE="$STATE_DIR/s3.pid"
  S3_KIND_FILE="$S3_DIR/server"
}

# A Python >= 3.13 (LocalStack 4.14 uses warnings.deprecated and PEP 695 generics), 3.13 first:
# on PATH, in pyenv's versions, or Debian's.
s3_find_python() {
  local c
  local pyenv_versions="${PYENV_ROOT:-$HOME/.pyenv}/versions"
  for c in python3.13 "$pyenv_versions"/3.13*/bin/python3 /usr/bin/python3.13 /usr/local/bin/python3.13 \
    python3 python3.14 "$pyenv_versions"/3.1[4-9]*/bin/python3; do
    command -v "$c" >/dev/null 2>&1 || continue
    if "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 13) else 1)' >/dev/null 2>&1; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

# localstack (default when a Python >= 3.13 exists) or moto; S3_SERVER=localstack|moto forces one.
s3_pick_server() {
  case ${S3_SERVER:-} in
    localstack | moto) echo "$S3_SERVER" ;;
    "") if s3_find_python >/dev/null; then echo localstack; else echo moto; fi ;;
    *) die "S3_SERVER must be localstack or moto, not '$S3_SERVER'" ;;
  esac
}

# s3_make_venv DIR PYTHON WHAT PIP_ARGS...: a cached venv, built once (under a lock shared by
# checkouts).
s3_make_venv() {
  local home=$1 python=$2 what=$3
  shift 3
  [[ -f $home/.complete && -x $home/venv/bin/python ]] && return 0
  mkdir -p "$home"
  (
    exec 8>"$home.lock"
    flock -w 900 8 || die "timed out waiting for $home.lock"
    [[ -f $home/.complete && -x $home/venv/bin/python ]] && exit 0
    note "installing $what from PyPI into $home (once)"
    local log="$home/pip.log"
    rm -rf "$home/venv" "$home/.complete"
    if ! { "$python" -m venv "$home/venv" && "$home/venv/bin/pip" install -q --disable-pip-version-check "$@"; } >"$log" 2>&1; then
      tail -n 30 "$log" >&2
      rm -rf "$home/venv"
      die "installing $what failed (log: $log)"
    fi
    touch "$home/.complete"
  )
}

s3_start_localstack() {
  local python home="$CACHE_DIR/localstack-$LOCALSTACK_VERSION"
  python=$(s3_find_python) || die "LocalStack $LOCALSTACK_VERSION needs Python >= 3.13 (set S3_SERVER=moto to use moto)"
  # localstack-core is the runtime; the 'localstack' distribution of 4.14.0 is only the CLI, whose
  # 'start --host' cannot find it (NOTES.md). service-identity: needed by its TLS code path.
  s3_make_venv "$home" "$python" "LocalStack $LOCALSTACK_VERSION" -c "$SERVICES_LIB/localstack-constraints.txt" \
    "localstack-core[base-runtime]==$LOCALSTACK_VERSION" service-identity
  mkdir -p "$S3_DIR/localstack"
  # What 'localstack start --host' would run, configured for one loopback-only S3:
  # hypercorn honours the listen address (the default twisted server binds 0.0.0.0), no DNS
  # server, no analytics, state in .services/s3 instead of /var/lib/localstack.
  setsid env GATEWAY_SERVER=hypercorn GATEWAY_LISTEN="127.0.0.1:$S3_PORT" LOCALSTACK_HOST="127.0.0.1:$S3_PORT" \
    SERVICES=s3 EAGER_SERVICE_LOADING=1 DNS_ADDRESS=0 DISABLE_EVENTS=1 PERSISTENCE=0 \
    OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$S3_DIR/localstack" AWS_DEFAULT_REGION=us-east-1 \
    "$home/venv/bin/python" -m localstack.runtime.main \
    </dev/null >>"$S3_LOG" 2>&1 9>&- &
  S3_STARTED_PID=$!
}

s3_start_moto() {
  local home="$CACHE_DIR/moto-$MOTO_VERSION"
  s3_make_venv "$home" "$(command -v python3)" "moto $MOTO_VERSION" "moto[server]==$MOTO_VERSION"
  setsid "$home/venv/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" </dev/null >>"$S3_LOG" 2>&1 9>&- &
  S3_STARTED_PID=$!
}

# s3_request METHOD URL BODY_FILE: a SigV4-signed request (curl's own signer), prints the HTTP
# status (000: no answer). Credentials go through a config on stdin, not the command line.
s3_request() {
  local method=$1 url=$2 body=$3 region=${AWS_REGION:-us-east-1}
  local key=${S3_CHECK_ACCESS_KEY:-test} secret=${S3_CHECK_SECRET_KEY:-test}
  local -a extra=(-X "$method")
  [[ $method == HEAD ]] && extra=(--head) # -X HEAD would wait for a body that never comes
  [[ -n ${S3_CHECK_SESSION_TOKEN:-} ]] && extra+=(-H "x-amz-security-token: $S3_CHECK_SESSION_TOKEN")
  printf 'user = "%s:%s"\n' "$key" "$secret" |
    curl -sS -K - --max-time 5 --aws-sigv4 "aws:amz:$region:s3" "${extra[@]}" \
      -o "$body" -w '%{http_code}' "$url" || true
}

# Readiness: ListBuckets answers 200 with a bucket list.
s3_check() { # ENDPOINT
  local code body ok=1
  body=$(mktemp)
  code=$(s3_request GET "${1%/}/" "$body")
  if [[ $code == 200 ]] && grep -q ListAllMyBucketsResult "$body"; then
    ok=0
  else
    echo "ListBuckets: HTTP $code $(head -c 300 "$body")"
  fi
  rm -f "$body"
  return "$ok"
}
s3_check_local() { S3_CHECK_ACCESS_KEY=test S3_CHECK_SECRET_KEY=test s3_check "$S3_LOCAL_ENDPOINT"; }
s3_check_external() {
  S3_CHECK_ACCESS_KEY=${AWS_ACCESS_KEY_ID:-test} S3_CHECK_SECRET_KEY=${AWS_SECRET_ACCESS_KEY:-test} \
    S3_CHECK_SESSION_TOKEN=${AWS_SESSION_TOKEN:-} s3_check "$S3_ENDPOINT"
}

# HEAD each bucket, PUT the missing ones.
s3_create_buckets() {
  local bucket code body
  body=$(mktemp)
  for bucket in "${S3_BUCKETS[@]}"; do
    code=$(S3_CHECK_ACCESS_KEY=test S3_CHECK_SECRET_KEY=test s3_request HEAD "$S3_LOCAL_ENDPOINT/$bucket" "$body")
    [[ $code == 200 ]] && continue
    code=$(S3_CHECK_ACCESS_KEY=test S3_CHECK_SECRET_KEY=test s3_request PUT "$S3_LOCAL_ENDPOINT/$bucket" "$body")
    if [[ $code != 200 ]]; then
      cat "$body" >&2
      rm -f "$body"
      die "creating the bucket $bucket failed (HTTP $code)"
    fi
  done
  rm -f "$body"
}

s3_running_pid() {
  local pid
  pid=$(read_pidfile "$S3_PIDFILE")
  if pid_alive "$pid" 2>/dev/null && { pid_matches "$pid" localstack.runtime.main || pid_matches "$pid" moto_server; }; then
    echo "$pid"
  fi
}

s3_up() {
  local pid kind
  command -v curl >/dev/null || apt_install curl # the S3 checks use curl's SigV4 signer
  if [[ -n ${S3_ENDPOINT+set} ]]; then
    if [[ -z $S3_ENDPOINT ]]; then
      SERVICE_REPORT="external  AWS S3 (S3_ENDPOINT is empty; not checked)"
      return
    fi
    wait_until 60 "S3 at $S3_ENDPOINT" "" s3_check_external
    SERVICE_REPORT="external  $S3_ENDPOINT"
    return
  fi
  s3_layout
  pid=$(s3_running_pid)
  if [[ -n $pid ]]; then
    WAIT_PID=$pid wait_until 60 "S3" "$S3_LOG" s3_check_local
    s3_create_buckets
    SERVICE_REPORT="running   $S3_LOCAL_ENDPOINT pid $pid ($(cat "$S3_KIND_FILE" 2>/dev/null))"
    return
  fi
  rm -f "$S3_PIDFILE"
  if share_or_refuse_port s3 "S3" "$S3_PORT" "$S3_LOCAL_ENDPOINT" S3_ENDPOINT 60 s3_check_local; then return; fi
  kind=$(s3_pick_server)
  mkdir -p "$S3_DIR"
  : >"$S3_LOG"
  if [[ $kind == moto && -z ${S3_SERVER:-} ]]; then
    warn "no Python >= 3.13 for LocalStack $LOCALSTACK_VERSION here; serving S3 with moto instead"
  fi
  "s3_start_$kind"
  pid=$S3_STARTED_PID
  echo "$pid" >"$S3_PIDFILE"
  echo "$kind" >"$S3_KIND_FILE"
  registry_set s3 "$pid"
  WAIT_PID=$pid wait_until 90 "S3 ($kind)" "$S3_LOG" s3_check_local
  s3_create_buckets
  SERVICE_REPORT="started   $S3_LOCAL_ENDPOINT pid $pid ($kind)"
}

s3_down() {
  if [[ -n ${S3_ENDPOINT+set} ]]; then
    SERVICE_REPORT="external  left alone"
    return
  fi
  s3_layout
  stop_local_service s3 "$(s3_running_pid)" "$S3_PIDFILE" TERM 20
}

s3_status() {
  if [[ -n ${S3_ENDPOINT+set} ]]; then
    SERVICE_REPORT="external  ${S3_ENDPOINT:-AWS S3}"
    return
  fi
  s3_layout
  local_service_status s3 "$(s3_running_pid)" "$S3_PORT" "$S3_LOCAL_ENDPOINT" "($(cat "$S3_KIND_FILE" 2>/dev/null))"
}

s3_env() {
  if [[ -n ${S3_ENDPOINT+set} ]]; then
    echo "# S3_ENDPOINT is external: ${S3_ENDPOINT:-AWS S3}"
  else
    echo "export S3_ENDPOINT=$S3_LOCAL_ENDPOINT"
    echo "export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test"
  fi
}
