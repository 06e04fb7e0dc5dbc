# shellcheck shell=bash disable=SC2034 # the variables set here are read by scripts/services.sh
# Helpers shared by the per-service scripts; sourced by scripts/services.sh.

STATE_DIR="$SERVICES_ROOT/.services"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/telematics"
# Machine-wide notes of which checkout started a service, so that a second checkout of this repo
# (a CI clone next to a developer's tree) reuses a compatible running service instead of failing.
REGISTRY_DIR=/var/tmp/telematics-services/owners
LOCK_WAIT_S=${SERVICES_LOCK_WAIT_S:-900}
SERVICE_REPORT=""

die() {
  printf 'services: error: %s\n' "$*" >&2
  exit 1
}
warn() { printf 'services: %s\n' "$*" >&2; }
# Progress for slow one-time steps (installs, downloads); stderr so stdout stays clean.
note() { printf '  .. %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }

# Serialises up/down across concurrent callers (developers, test scripts) of this checkout.
# fd 9 must not leak into the daemons we start, or they would hold the lock forever: every
# start command closes it with 9>&-.
take_lock() {
  exec 9>"$STATE_DIR/services.lock"
  if ! flock -n 9; then
    warn "another 'services' command is running in this checkout; waiting for it (up to ${LOCK_WAIT_S}s)"
    flock -w "$LOCK_WAIT_S" 9 || die "timed out waiting for $STATE_DIR/services.lock"
  fi
}

# Runs a command as root: directly, or through passwordless sudo.
as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    die "need root to run: $* (install it yourself, or run as root)"
  fi
}

# apt-get install without letting the packages start their own daemons (no systemd here, and
# we want our own configuration on the default ports): a policy-rc.d that says 101 = "action
# forbidden" makes invoke-rc.d / deb-systemd-invoke skip every start during the install.
apt_install() {
  local log="$STATE_DIR/logs/apt.log"
  mkdir -p "$STATE_DIR/logs"
  note "installing $* (apt)"
  as_root mkdir -p /var/lock
  # shellcheck disable=SC2016 # expanded by the inner bash
  if ! as_root flock -w 900 /var/lock/telematics-apt.lock bash -c '
      set -euo pipefail
      policy=/usr/sbin/policy-rc.d
      backup=""
      if [[ -e $policy ]]; then backup=$(mktemp); cp -p "$policy" "$backup"; fi
      restore() { if [[ -n $backup ]]; then mv -f "$backup" "$policy"; else rm -f "$policy"; fi; }
      trap restore EXIT
      printf "#!/bin/sh\nexit 101\n" >"$policy"
      chmod 755 "$policy"
      apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"; }
      # A fresh machine has no package lists; an old one may have stale ones.
      if ! apt_get install --no-install-recommends "$@"; then
        apt_get update
        apt_get install --no-install-recommends "$@"
      fi
    ' apt_install "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "apt-get install $* failed (full log: $log)"
  fi
}

# Alive and not a zombie (a child we started and have not reaped yet still answers kill -0).
pid_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

# The command line of a live process, spaces for NULs; empty if it is gone.
proc_cmdline() {
  if [[ -r /proc/$1/cmdline ]]; then tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | sed 's/ *$//' || true; fi
}

# pid_matches PID PATTERN: the process is alive and its command line contains PATTERN.
pid_matches() {
  local pid=$1 pattern=$2 cmd
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmd=$(proc_cmdline "$pid")
  [[ $cmd == *"$pattern"* ]]
}

# The PID in a pid file (first line), or nothing.
read_pidfile() {
  [[ -f $1 ]] || return 0
  head -n 1 "$1" 2>/dev/null | tr -dc '0-9'
}

# PID of the process listening on a TCP port (any address), "?" if one listens but its PID is
# not visible to us, nothing if the port is free.
port_listener() {
  local port=$1 out pid
  out=$(ss -Hltnp "sport = :$port" 2>/dev/null || true)
  [[ -n $out ]] || return 0
  pid=$(grep -o 'pid=[0-9]*' <<<"$out" | head -n 1 | cut -d= -f2)
  echo "${pid:-?}"
}

describe_pid() {
  local pid=$1
  if [[ $pid == "?" ]]; then
    echo "an unknown process"
  else
    echo "pid $pid ($(proc_cmdline "$pid" | cut -c1-120))"
  fi
}

# wait_until TIMEOUT_S WHAT LOG CMD...: polls CMD until it succeeds; on timeout (or when the
# process WAIT_PID, if set, dies) fails loudly with the end of LOG and the last check's output.
wait_until() {
  local timeout=$1 what=$2 log=$3
  shift 3
  local deadline=$((SECONDS + timeout)) out=""
  while true; do
    if out=$("$@" 2>&1); then return 0; fi
    # WAIT_PID: the process we are waiting for; if it dies there is no point in waiting on.
    if [[ -n ${WAIT_PID:-} ]] && ! pid_alive "$WAIT_PID"; then
      out="process $WAIT_PID exited"
      deadline=$SECONDS
    fi
    if ((SECONDS >= deadline)); then
      warn "$what not ready after ${timeout}s"
      [[ -n $out ]] && printf '  last check said: %s\n' "$(tail -n 5 <<<"$out")" >&2
      if [[ -n $log && -f $log ]]; then
        printf -- '--- last lines of %s ---\n' "$log" >&2
        tail -n 40 "$log" >&2
        printf -- '---\n' >&2
      fi
      exit 1
    fi
    sleep 0.3
  done
}

# stop_pid PID NAME [FIRST_SIGNAL] [GRACE_S]: asks politely, waits, then kills. A PID that leads
# its own process group (we start daemons with setsid) is signalled as a group, so helpers
# forked by the service go too.
stop_pid() {
  local pid=$1 name=$2 sig=${3:-TERM} grace=${4:-20} target i
  kill -0 "$pid" 2>/dev/null || return 0
  target=$pid
  if [[ $(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') == "$pid" ]]; then target=-$pid; fi
  kill -s "$sig" -- "$target" 2>/dev/null || true
  for ((i = 0; i < grace * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name (pid $pid) did not stop after ${grace}s; killing it"
    kill -s KILL -- "$target" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  # Stragglers of the group (if any) go as well.
  if [[ $target == -* ]]; then kill -s KILL -- "$target" 2>/dev/null || true; fi
  return 0
}

# --- the machine-wide owner registry (see REGISTRY_DIR) ---
registry_set() { # SERVICE PID
  mkdir -p "$REGISTRY_DIR" 2>/dev/null || return 0
  printf '%s %s\n' "$2" "$SERVICES_ROOT" >"$REGISTRY_DIR/$1" 2>/dev/null || true
}
registry_clear() { # SERVICE PID
  local f="$REGISTRY_DIR/$1"
  [[ -f $f && $(cut -d' ' -f1 "$f") == "$2" ]] && rm -f "$f"
  return 0
}
# registry_owner SERVICE LISTENER_PID: prints "PID CHECKOUT" when the listener belongs to the
# process group of a service started by another checkout of this repository.
registry_owner() {
  local f="$REGISTRY_DIR/$1" listener=$2 pid dir pgid
  [[ -f $f && $listener =~ ^[0-9]+$ ]] || return 1
  read -r pid dir <"$f" || return 1
  [[ $pid =~ ^[0-9]+$ && $dir != "$SERVICES_ROOT" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  pgid=$(ps -o pgid= -p "$listener" 2>/dev/null | tr -d ' ')
  [[ $listener == "$pid" || $pgid == "$pid" ]] || return 1
  echo "$pid $dir"
}

# The 'down' report for a service this checkout is not running: one started elsewhere is left alone.
not_running_report() { # SERVICE
  "$1_status"
  case $SERVICE_REPORT in
    shared* | foreign*) SERVICE_REPORT="$SERVICE_REPORT; not ours, left alone" ;;
    *) SERVICE_REPORT="stopped   (was not running)" ;;
  esac
}

# Before starting a service on PORT: returns 1 when the port is free; when another checkout of this
# project holds it, waits for that service and reports it as shared (returns 0); anything else
# holding the port stops the script with what to do.
share_or_refuse_port() { # SERVICE LABEL PORT URL ENV_VAR TIMEOUT_S CHECK_FN
  local name=$1 label=$2 port=$3 url=$4 env_var=$5 timeout=$6 check=$7 listener owner
  listener=$(port_listener "$port")
  [[ -n $listener ]] || return 1
  if owner=$(registry_owner "$name" "$listener"); then
    wait_until "$timeout" "$label (shared)" "" "$check"
    SERVICE_REPORT="shared    $url pid ${owner%% *} (started by ${owner#* })"
    return 0
  fi
  die "port $port is in use by $(describe_pid "$listener"), which this script did not start; stop it, or set $env_var to use it"
}

# Stops this checkout's process of a service and forgets it; reports who holds the port otherwise.
stop_local_service() { # SERVICE PID PIDFILE SIGNAL TIMEOUT_S
  local name=$1 pid=$2 pidfile=$3 signal=$4 timeout=$5
  if [[ -z $pid ]]; then
    rm -f "$pidfile"
    not_running_report "$name"
    return
  fi
  stop_pid "$pid" "$name" "$signal" "$timeout"
  rm -f "$pidfile"
  registry_clear "$name" "$pid"
  SERVICE_REPORT="stopped   pid $pid"
}

# Says whether a local service is ours, another checkout's, a foreign process's, or stopped.
local_service_status() { # SERVICE PID PORT URL [DETAIL]
  local name=$1 pid=$2 port=$3 url=$4 detail=${5:-} listener owner
  listener=$(port_listener "$port")
  if [[ -n $pid ]]; then
    SERVICE_REPORT="ours      $url pid $pid${detail:+ $detail}"
  elif [[ -n $listener ]] && owner=$(registry_owner "$name" "$listener"); then
    SERVICE_REPORT="shared    $url pid ${owner%% *} (started by ${owner#* })"
  elif [[ -n $listener ]]; then
    SERVICE_REPORT="foreign   port $port held by $(describe_pid "$listener")"
  else
    SERVICE_REPORT="stopped"
  fi
}

# Hides the password of a URL for printing.
mask_url() { sed -E 's#//([^:@/]+):[^@/]*@#//\1:***@#' <<<"$1"; }
