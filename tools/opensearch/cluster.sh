#!/usr/bin/env bash
# Starts/stops a real local two-node OpenSearch cluster (with the k-NN plugin)
# for integration tests and benchmarks.
#
#   cluster.sh start STATE_DIR [--owner-pid PID]   fresh cluster; prints URL=... on stdout
#   cluster.sh stop STATE_DIR                      stop both nodes (and the watchdog)
#   cluster.sh kill-node STATE_DIR N               SIGKILL node N (1 or 2)
#   cluster.sh start-node STATE_DIR N              restart node N, wait for 2 nodes + green
#
# After `start`, STATE_DIR/cluster.env holds KEY=VALUE lines (shell-sourceable, no
# quoting needed): CLUSTER_NAME, HTTP_PORT_1, HTTP_PORT_2, TRANSPORT_PORT_1,
# TRANSPORT_PORT_2, URL, PID_1, PID_2, WATCHDOG_PID (empty without --owner-pid).
#
# Environment (all optional):
#   QSEARCH_OPENSEARCH_HOME     shared install dir (default /var/tmp/qsearch-opensearch-3.5.0)
#   OPENSEARCH_JAVA_HOME        JDK for the nodes (default Temurin 25, else JAVA_HOME)
#   QSEARCH_OPENSEARCH_USER     user the nodes run as when we are root (default nobody)
#   QSEARCH_OPENSEARCH_HEAP     heap per node (default 512m)
#   QSEARCH_OPENSEARCH_PROCESSORS  node.processors per node (default 1: 2 nodes share 2 cores)
#   QSEARCH_OPENSEARCH_TIMEOUT  seconds to wait for green (default 90)
set -euo pipefail

readonly OS_VERSION=3.5.0
readonly KNN_VERSION=3.5.0.0
readonly OS_ARTIFACT="org.opensearch.distribution.integ-test-zip:opensearch:${OS_VERSION}:zip"
readonly KNN_ARTIFACT="org.opensearch.plugin:opensearch-knn:${KNN_VERSION}:zip"
readonly DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
readonly OS_HOME="${QSEARCH_OPENSEARCH_HOME:-/var/tmp/qsearch-opensearch-${OS_VERSION}}"
readonly INSTALL_MARKER="$OS_HOME/.qsearch-installed"
readonly HEAP="${QSEARCH_OPENSEARCH_HEAP:-512m}"
readonly PROCESSORS="${QSEARCH_OPENSEARCH_PROCESSORS:-1}"
readonly TIMEOUT="${QSEARCH_OPENSEARCH_TIMEOUT:-90}"
readonly STOP_GRACE=10      # seconds between SIGTERM and SIGKILL on `stop`
readonly WATCHDOG_GRACE=3   # shorter: the owner is already gone
SELF="$(readlink -f "${BASH_SOURCE[0]}")"
readonly SELF
REPO_ROOT="$(cd "$(dirname "$SELF")/../.." && pwd)"
readonly REPO_ROOT

die() { echo "cluster.sh: error: $*" >&2; exit 1; }
info() { echo "cluster.sh: $*" >&2; }

usage() {
  sed -n '2,8p' "$SELF" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------- java / user

pick_java_home() {
  local jh="${OPENSEARCH_JAVA_HOME:-}"
  if [[ -z "$jh" ]]; then
    if [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
      jh=/usr/lib/jvm/temurin-25-jdk-amd64
    else
      jh="${JAVA_HOME:-}"
    fi
  fi
  [[ -n "$jh" && -x "$jh/bin/java" ]] \
    || die "no JDK found for OpenSearch; set OPENSEARCH_JAVA_HOME (OpenSearch $OS_VERSION needs Java 21+)"
  echo "$jh"
}

# OpenSearch refuses to run as root, so as root we drop to an unprivileged user.
# setpriv execs (no extra fork, unlike runuser), so the PID we record is the node's.
RUN_AS=()
setup_run_user() {
  if (( EUID == 0 )); then
    local user="${QSEARCH_OPENSEARCH_USER:-nobody}" gid
    gid="$(id -g "$user" 2>/dev/null)" || die "user '$user' does not exist (QSEARCH_OPENSEARCH_USER)"
    command -v setpriv >/dev/null || die "setpriv (util-linux) is needed to drop root privileges"
    RUN_AS=(setpriv "--reuid=$user" "--regid=$gid" --clear-groups --)
    RUN_OWNER="$user:$gid"
  else
    RUN_OWNER=""
  fi
}

run_as_user() { "${RUN_AS[@]}" "$@"; }

# ---------------------------------------------------------------- install

# Downloads go ONLY through the project's Maven wrapper (Maven Central via ~/.m2).
mvn_fetch() {
  local artifact="$1" outdir="$2" log="$2/mvn.log"
  if ! (cd "$REPO_ROOT" && ./mvnw -B -q -N "$DEP_PLUGIN:copy" \
          "-Dartifact=$artifact" "-DoutputDirectory=$outdir" >"$log" 2>&1); then
    tail -n 30 "$log" >&2 || true
    die "maven could not fetch $artifact"
  fi
}

ensure_install() {
  [[ -f "$INSTALL_MARKER" ]] && return 0
  mkdir -p "$(dirname "$OS_HOME")"
  # Serialize concurrent first starts (e.g. parallel test JVMs).
  local lock="$OS_HOME.lock"
  exec 8>"$lock"
  flock -w 900 8 || die "timed out waiting for install lock $lock"
  if [[ -f "$INSTALL_MARKER" ]]; then exec 8>&-; return 0; fi
  # The install is renamed into place only when complete, so anything here
  # without the marker is not ours: refuse rather than delete it.
  [[ ! -e "$OS_HOME" ]] || die "$OS_HOME exists but is not a complete install; remove it"
  rm -rf "$OS_HOME".tmp.*   # leftovers of interrupted installs (we hold the lock)

  info "installing OpenSearch $OS_VERSION + k-NN into $OS_HOME (one-time, ~200 MB)"
  local tmp java_home
  tmp="$(mktemp -d "$OS_HOME.tmp.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  java_home="$(pick_java_home)"
  mkdir -p "$tmp/dl" "$tmp/x"
  mvn_fetch "$OS_ARTIFACT" "$tmp/dl"
  mvn_fetch "$KNN_ARTIFACT" "$tmp/dl"
  unzip -q "$tmp/dl/opensearch-$OS_VERSION.zip" -d "$tmp/x" || die "could not unzip OpenSearch"
  [[ -x "$tmp/x/opensearch-$OS_VERSION/bin/opensearch" ]] || die "unexpected OpenSearch zip layout"
  mv "$tmp/x/opensearch-$OS_VERSION" "$tmp/home"
  if ! OPENSEARCH_JAVA_HOME="$java_home" OPENSEARCH_PATH_CONF="$tmp/home/config" \
        "$tmp/home/bin/opensearch-plugin" install --batch \
        "file://$tmp/dl/opensearch-knn-$KNN_VERSION.zip" >"$tmp/plugin.log" 2>&1; then
    cat "$tmp/plugin.log" >&2
    die "k-NN plugin install failed"
  fi
  # Readable by the unprivileged run user; nothing in it needs to be writable
  # (each node gets its own config/data/logs under STATE_DIR).
  chmod -R a+rX "$tmp/home"
  touch "$tmp/home/.qsearch-installed"
  mv -T "$tmp/home" "$OS_HOME"   # atomic: a half-done install is never visible
  rm -rf "$tmp"
  trap - EXIT
  exec 8>&-
}

# ---------------------------------------------------------------- processes

# Alive and not a zombie (nodes we started in this shell are our children).
alive() {
  local pid="$1" stat
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat%% *}" != Z ]]
}

# Guards against PID reuse: the PID must still be node N of this STATE_DIR
# (java has -Dopensearch.path.conf=<node dir>/config; before the final exec it
# is the bin/opensearch wrapper script).
is_node_pid() {
  local n="$1" pid="$2" cmd
  alive "$pid" || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"$STATE_DIR/node-$n/config"* || "$cmd" == *"$OS_HOME/bin/opensearch"* ]]
}

node_pid() { cat "$STATE_DIR/node-$1.pid" 2>/dev/null || true; }

wait_gone() {  # pid seconds -> 0 if gone in time
  local pid="$1" deadline=$((SECONDS + $2))
  while alive "$pid"; do
    (( SECONDS < deadline )) || return 1
    sleep 0.2
  done
}

# SIGTERM, then SIGKILL after `grace` seconds; for any list of node numbers.
stop_nodes() {
  local grace="$1"; shift
  local n pid pids=()
  for n in "$@"; do
    pid="$(node_pid "$n")"
    if is_node_pid "$n" "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for pid in "${pids[@]}"; do
    if ! wait_gone "$pid" "$grace"; then
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || info "pid $pid did not exit after SIGKILL"
    fi
    wait "$pid" 2>/dev/null || true   # reap if it is our child
  done
  for n in "$@"; do rm -f "$STATE_DIR/node-$n.pid"; done
}

stop_watchdog() {
  local pid cmd
  pid="$(cat "$STATE_DIR/watchdog.pid" 2>/dev/null || true)"
  if alive "$pid"; then
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    if [[ "$cmd" == *"_watchdog $STATE_DIR "* ]]; then
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 5 || true
    fi
  fi
  rm -f "$STATE_DIR/watchdog.pid"
}

# ---------------------------------------------------------------- config

# Ports below the kernel's ephemeral range (32768+) so outgoing connections
# cannot grab them between probing and binding; each is bind-probed on loopback.
pick_ports() {
  local py=/usr/bin/python3
  [[ -x "$py" ]] || py="$(command -v python3)" || die "python3 is needed to probe free ports"
  "$py" - "$1" <<'EOF'
import random, socket, sys
want, got, socks = int(sys.argv[1]), [], []
for port in random.sample(range(20000, 32000), 2000):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    socks.append(s)  # keep bound until all are chosen, so they are distinct
    got.append(port)
    if len(got) == want:
        break
if len(got) < want:
    sys.exit("no free loopback ports found")
print(" ".join(map(str, got)))
EOF
}

write_node_config() {  # n
  local n="$1" dir="$STATE_DIR/node-$1"
  local http_var="HTTP_PORT_$1" tr_var="TRANSPORT_PORT_$1"
  mkdir -p "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
  # With two cluster-manager-eligible nodes the voting configuration holds only
  # the elected one (random), so `kill-node 2` would take the cluster manager
  # down half of the time. Make node-1 the only eligible node: losing node-2
  # then always leaves a working (yellow) cluster.
  local roles
  if [[ "$n" == 1 ]]; then
    roles='node.roles: [cluster_manager, data, ingest, remote_cluster_client]
cluster.initial_cluster_manager_nodes: ["node-1"]'
  else
    roles='node.roles: [data, ingest, remote_cluster_client]'
  fi
  cp -R "$OS_HOME/config/." "$dir/config/"
  cat >"$dir/config/opensearch.yml" <<EOF
# Generated by tools/opensearch/cluster.sh
cluster.name: $CLUSTER_NAME
node.name: node-$n
network.host: 127.0.0.1
http.port: ${!http_var}
transport.port: ${!tr_var}
discovery.seed_hosts: ["127.0.0.1:$TRANSPORT_PORT_1", "127.0.0.1:$TRANSPORT_PORT_2"]
$roles
path.data: $dir/data
path.logs: $dir/logs
# Test machines have small/full disks; never block allocation on watermarks.
cluster.routing.allocation.disk.threshold_enabled: false
# Two nodes share few cores: size thread pools for a share of the machine.
node.processors: $PROCESSORS
EOF
  # jvm.options uses paths relative to the install dir (logs/gc.log, data,
  # logs/hs_err...), which is shared and read-only: point them at this node.
  sed -e "s|^-Xms.*|-Xms$HEAP|" -e "s|^-Xmx.*|-Xmx$HEAP|" \
      -e "s|HeapDumpPath=data|HeapDumpPath=$dir/logs|" \
      -e "s|ErrorFile=logs/|ErrorFile=$dir/logs/|" \
      -e "s|file=logs/gc.log|file=$dir/logs/gc.log|" \
      "$OS_HOME/config/jvm.options" >"$dir/config/jvm.options"
  printf -- '-Xms%s\n-Xmx%s\n' "$HEAP" "$HEAP" >"$dir/config/jvm.options.d/qsearch-heap.options"
}

# ---------------------------------------------------------------- env file

load_env() {
  [[ -f "$STATE_DIR/cluster.env" ]] || die "$STATE_DIR/cluster.env not found (was the cluster started?)"
  local k v
  while IFS='=' read -r k v; do
    case "$k" in
      CLUSTER_NAME|HTTP_PORT_1|HTTP_PORT_2|TRANSPORT_PORT_1|TRANSPORT_PORT_2|URL|PID_1|PID_2|WATCHDOG_PID)
        printf -v "$k" '%s' "$v" ;;
    esac
  done <"$STATE_DIR/cluster.env"
}

write_env() {
  local tmp="$STATE_DIR/cluster.env.tmp"
  cat >"$tmp" <<EOF
CLUSTER_NAME=$CLUSTER_NAME
HTTP_PORT_1=$HTTP_PORT_1
HTTP_PORT_2=$HTTP_PORT_2
TRANSPORT_PORT_1=$TRANSPORT_PORT_1
TRANSPORT_PORT_2=$TRANSPORT_PORT_2
URL=http://127.0.0.1:$HTTP_PORT_1,http://127.0.0.1:$HTTP_PORT_2
PID_1=$(node_pid 1)
PID_2=$(node_pid 2)
WATCHDOG_PID=$(cat "$STATE_DIR/watchdog.pid" 2>/dev/null || true)
EOF
  mv -f "$tmp" "$STATE_DIR/cluster.env"   # atomic: readers never see half a file
}

# ---------------------------------------------------------------- node control

launch_node() {  # n
  local n="$1" dir="$STATE_DIR/node-$1" java_home
  java_home="$(pick_java_home)"
  # setsid: own session, so a Ctrl-C / process-group kill of the caller does not
  # hit the node half-way; all fds away from the caller's pipes, so a caller
  # reading our stdout to EOF is not held open by the node. Clean env for
  # reproducibility (no inherited JAVA_TOOL_OPTIONS, OPENSEARCH_* ...).
  (
    cd "$dir"
    exec setsid "${RUN_AS[@]}" env -i \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME="$dir" LANG=C.UTF-8 \
      OPENSEARCH_JAVA_HOME="$java_home" \
      OPENSEARCH_PATH_CONF="$dir/config" \
      OPENSEARCH_TMPDIR="$dir/tmp" \
      "$OS_HOME/bin/opensearch"
  ) >>"$dir/stdout.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/node-$n.pid"
}

print_logs() {
  local n
  for n in "$@"; do
    echo "----- node-$n: tail of $STATE_DIR/node-$n/stdout.log -----" >&2
    tail -n 40 "$STATE_DIR/node-$n/stdout.log" >&2 2>/dev/null || true
  done
}

# Waits until the cluster reports 2 nodes and green. Fails fast if a node we
# just launched dies (bad config, port taken, ...).
wait_green() {  # launched node numbers...
  local deadline=$((SECONDS + TIMEOUT)) n port
  local q="_cluster/health?wait_for_nodes=2&wait_for_status=green&timeout=5s&cluster_manager_timeout=5s"
  while (( SECONDS < deadline )); do
    for n in "$@"; do
      if ! alive "$(node_pid "$n")"; then
        info "node-$n exited during startup"
        return 1
      fi
    done
    for port in "$HTTP_PORT_1" "$HTTP_PORT_2"; do
      if curl -sf --max-time 10 "http://127.0.0.1:$port/$q" 2>/dev/null | grep -q '"status":"green"'; then
        return 0
      fi
    done
    sleep 1
  done
  info "cluster not green with 2 nodes after ${TIMEOUT}s"
  return 1
}

check_node_arg() { [[ "${1:-}" == 1 || "${1:-}" == 2 ]] || die "node number must be 1 or 2, got '${1:-}'"; }

set_state_dir() {  # dir [create]
  [[ -n "${1:-}" ]] || usage
  if [[ "${2:-}" == create ]]; then
    mkdir -p "$1" 2>/dev/null || die "cannot create STATE_DIR $1"
  fi
  [[ -d "$1" ]] || die "STATE_DIR $1 does not exist"
  STATE_DIR="$(cd -P "$1" && pwd -P)"   # physical path: it is matched in /proc cmdlines
}

# ---------------------------------------------------------------- commands

cmd_start() {
  local owner=""
  set_state_dir "${1:-}" create; shift
  while (( $# )); do
    case "$1" in
      --owner-pid) owner="${2:-}"; shift 2 || usage ;;
      *) usage ;;
    esac
  done
  if [[ -n "$owner" ]]; then
    [[ "$owner" =~ ^[0-9]+$ ]] && alive "$owner" || die "--owner-pid $owner is not a running process"
  fi
  local n
  for n in 1 2; do
    ! is_node_pid "$n" "$(node_pid "$n")" || die "a cluster is already running in $STATE_DIR; stop it first"
  done
  command -v curl >/dev/null || die "curl is needed"
  setup_run_user
  ensure_install
  if [[ -n "$RUN_OWNER" ]]; then
    run_as_user test -r "$OS_HOME/lib" \
      || die "$OS_HOME is not readable by ${RUN_OWNER%%:*}; put QSEARCH_OPENSEARCH_HOME under /var/tmp or /tmp"
  fi

  # Every start is a fresh cluster: old data would carry an old cluster UUID.
  stop_watchdog
  rm -rf "$STATE_DIR/node-1" "$STATE_DIR/node-2" "$STATE_DIR/cluster.env" "$STATE_DIR"/node-?.pid

  local ports
  ports="$(pick_ports 4)" || die "could not pick free loopback ports"
  read -r HTTP_PORT_1 HTTP_PORT_2 TRANSPORT_PORT_1 TRANSPORT_PORT_2 <<<"$ports"
  CLUSTER_NAME="qsearch-$(date +%s)-$$-$RANDOM"
  write_node_config 1
  write_node_config 2

  if [[ -n "$RUN_OWNER" ]]; then
    chown -R "$RUN_OWNER" "$STATE_DIR/node-1" "$STATE_DIR/node-2"
    # mktemp -d / JUnit @TempDir dirs are 0700: let the run user traverse it.
    run_as_user test -x "$STATE_DIR" || chmod a+x "$STATE_DIR"
    run_as_user test -w "$STATE_DIR/node-1/data" \
      || die "$STATE_DIR is not reachable by ${RUN_OWNER%%:*} (a parent dir is not searchable?); use a dir under /tmp"
  fi

  # If we are interrupted while starting, do not leave nodes behind.
  trap 'stop_nodes 2 1 2; stop_watchdog; exit 130' INT TERM HUP
  launch_node 1
  launch_node 2
  if [[ -n "$owner" ]]; then
    # Started before waiting, so an owner that dies during startup is covered too.
    setsid bash "$SELF" _watchdog "$STATE_DIR" "$owner" "$(proc_start_time "$owner")" \
      >"$STATE_DIR/watchdog.log" 2>&1 </dev/null &
    echo $! >"$STATE_DIR/watchdog.pid"
  fi
  if ! wait_green 1 2; then
    print_logs 1 2
    stop_watchdog
    stop_nodes 2 1 2
    die "OpenSearch cluster did not start (state in $STATE_DIR)"
  fi
  trap - INT TERM HUP
  write_env
  grep '^URL=' "$STATE_DIR/cluster.env"
}

cmd_stop() {
  [[ -n "${1:-}" ]] || usage
  if [[ ! -d "$1" ]]; then info "$1 does not exist; nothing to stop"; return 0; fi
  set_state_dir "$1"
  setup_run_user
  stop_watchdog       # first, so it does not race with us
  stop_nodes "$STOP_GRACE" 1 2
}

cmd_kill_node() {
  set_state_dir "${1:-}"; check_node_arg "${2:-}"
  local n="$2" pid
  pid="$(node_pid "$n")"
  if is_node_pid "$n" "$pid"; then
    kill -KILL "$pid"
    wait_gone "$pid" 10 || die "node-$n (pid $pid) did not die"
  else
    info "node-$n was not running"
  fi
  rm -f "$STATE_DIR/node-$n.pid"
}

cmd_start_node() {
  set_state_dir "${1:-}"; check_node_arg "${2:-}"
  local n="$2"
  load_env
  [[ -d "$STATE_DIR/node-$n/config" ]] || die "no config for node-$n in $STATE_DIR"
  ! is_node_pid "$n" "$(node_pid "$n")" || die "node-$n is already running"
  setup_run_user
  trap 'stop_nodes 2 "$n"; exit 130' INT TERM HUP
  launch_node "$n"
  if ! wait_green "$n"; then
    print_logs "$n"
    stop_nodes 2 "$n"
    die "node-$n did not rejoin the cluster"
  fi
  trap - INT TERM HUP
  write_env
}

# /proc start time (clock ticks since boot): identifies a process across PID reuse.
proc_start_time() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  stat="${stat##*) }"
  # after "(comm) ", field 3 (state) is index 0; starttime (field 22) is index 19
  read -r -a f <<<"$stat"
  echo "${f[19]}"
}

# Internal: runs detached; when the owner process exits, kill both nodes.
cmd_watchdog() {
  STATE_DIR="$1"; local owner="$2" start="$3" n pid
  declare -A last=()
  cd /
  while alive "$owner" && [[ "$(proc_start_time "$owner")" == "$start" ]]; do
    # Remember the latest PIDs: they change on start-node, and the state dir
    # may be deleted by the owner's cleanup while nodes are still up.
    for n in 1 2; do
      pid="$(node_pid "$n")"
      [[ -n "$pid" ]] && last[$n]="$pid"
    done
    sleep 1
  done
  echo "owner $owner exited; stopping nodes"
  local pids=()
  for n in 1 2; do
    pid="${last[$n]:-}"
    if is_node_pid "$n" "$pid"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
  done
  for pid in "${pids[@]}"; do
    wait_gone "$pid" "$WATCHDOG_GRACE" || kill -KILL "$pid" 2>/dev/null || true
  done
  rm -f "$STATE_DIR/node-1.pid" "$STATE_DIR/node-2.pid" "$STATE_DIR/watchdog.pid" 2>/dev/null || true
}

main() {
  local cmd="${1:-}"
  (( $# )) && shift
  case "$cmd" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    kill-node) cmd_kill_node "$@" ;;
    start-node) cmd_start_node "$@" ;;
    _watchdog) cmd_watchdog "$@" ;;
    *) usage ;;
  esac
}

main "$@"
