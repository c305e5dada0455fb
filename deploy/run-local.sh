#!/usr/bin/env bash
# deploy/run-local.sh REPLICAS PORT — the class setup on one machine, without containers.
#
# Starts REPLICAS Streamlit servers on 127.0.0.1 (free ports from PORT+1 up), waits until each answers
# /_stcore/health, renders deploy/nginx.conf for them (same sticky-session, websocket and header settings as
# the compose setup: only the @replicas and @listen lines change) and runs Debian's nginx on
# 127.0.0.1:PORT in the foreground. Ctrl-C / SIGTERM / SIGHUP stop everything (replicas, their child
# processes, nginx); so does any replica or nginx exiting on its own (then the exit status is 1).
#
#   deploy/run-local.sh 2 8080                      # then open http://127.0.0.1:8080/
#   deploy/run-local.sh --print-config 2 8080       # print the rendered nginx.conf (replicas on 8081, 8082)
#
# Environment (all optional):
#   RUN_LOCAL_DIR   directory for state and logs (kept on exit); default a temporary one, removed on exit.
#                   It holds replicas.tsv ("index<TAB>port<TAB>pid" per replica, written as they start),
#                   nginx.conf, nginx.pid, access.log, nginx.log, replica-N.log, and `ready` (the balancer's
#                   URL, written once everything answers).
#   PYTHON          interpreter with the app's requirements (default: python3)
#   NGINX           nginx binary (default: /usr/sbin/nginx)
#   RUN_LOCAL_TIMEOUT  seconds to wait for the replicas and nginx to answer (default 120)
set -euo pipefail

usage() {
  echo "usage: $0 [--print-config] REPLICAS PORT   (1 <= REPLICAS <= 32, 1024 <= PORT)" >&2
  exit 2
}

print_only=0
if [[ ${1:-} == --print-config ]]; then
  print_only=1
  shift
fi
[[ $# -eq 2 && $1 =~ ^[1-9][0-9]*$ && $2 =~ ^[1-9][0-9]*$ ]] || usage
replicas=$1
port=$2
((replicas <= 32 && port >= 1024 && port + replicas + 200 <= 65535)) || usage

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
TEMPLATE="$ROOT/deploy/nginx.conf"
PYTHON="${PYTHON:-python3}"
NGINX="${NGINX:-/usr/sbin/nginx}"
TIMEOUT="${RUN_LOCAL_TIMEOUT:-120}"

log() { echo "run-local: $*" >&2; }

# render LISTEN_PORT UPSTREAM_PORT... : deploy/nginx.conf with the @replicas line repeated once per upstream
# port (app:8501 -> 127.0.0.1:P) and the @listen line bound to 127.0.0.1:LISTEN_PORT; fails if a marker
# is missing or appears twice.
render() {
  local listen=$1
  shift
  if ((EUID == 0)); then
    # nginx's workers would otherwise run as nobody, who cannot enter the state directory (mode 700) for
    # the proxy's temp files. Local test harness only, bound to 127.0.0.1.
    echo "user root;"
  fi
  awk -v listen="$listen" -v ports="$*" '
    /# @replicas/ {
      n_rep++
      if ($0 !~ /server app:8501 /) { print "run-local: the @replicas line no longer reads \"server app:8501 ...\"" > "/dev/stderr"; exit 3 }
      k = split(ports, p, " ")
      for (i = 1; i <= k; i++) { line = $0; sub(/app:8501/, "127.0.0.1:" p[i], line); print line }
      next
    }
    /# @listen/ {
      n_listen++
      line = $0
      if (!sub(/listen [^;]*;/, "listen 127.0.0.1:" listen ";", line)) { print "run-local: bad @listen line" > "/dev/stderr"; exit 3 }
      print line
      next
    }
    { print }
    END {
      if (n_rep != 1 || n_listen != 1) {
        print "run-local: deploy/nginx.conf must have exactly one @replicas and one @listen line" > "/dev/stderr"
        exit 3
      }
    }' "$TEMPLATE"
}

if ((print_only)); then
  ports=()
  for ((i = 1; i <= replicas; i++)); do ports+=($((port + i))); done
  render "$port" "${ports[@]}"
  exit 0
fi

[[ -x $NGINX ]] || { log "no nginx at $NGINX (apt-get install nginx, or set NGINX=...)"; exit 2; }

if [[ -n ${RUN_LOCAL_DIR:-} ]]; then
  state=$RUN_LOCAL_DIR
  mkdir -p "$state"
  keep_state=1
else
  state=$(mktemp -d "${TMPDIR:-/tmp}/run-local.XXXXXX")
  keep_state=0
fi
state=$(cd "$state" && pwd -P)
rm -f "$state/ready" "$state/replicas.tsv"

pids=()     # replica pids; each replica leads its own process group (setsid), so its children go with it
nginx_pid=""
stopping=0

alive() { kill -0 -- "-$1" 2>/dev/null || kill -0 "$1" 2>/dev/null; }

cleanup() {
  ((stopping)) && return
  stopping=1
  local p i all=()
  [[ -n $nginx_pid ]] && all+=("$nginx_pid")
  all+=("${pids[@]}")
  for p in "${all[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < 100; i++)); do
    local left=0
    for p in "${all[@]}"; do alive "$p" && left=1; done
    ((left)) || break
    sleep 0.1
  done
  for p in "${all[@]}"; do
    if alive "$p"; then
      log "pid $p did not stop within 10 s: SIGKILL"
      kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
  rm -f "$state/ready"
  ((keep_state)) || rm -rf "$state"
}

on_signal() {
  log "$1: stopping nginx and ${#pids[@]} replica(s)"
  cleanup
  exit 0
}
trap cleanup EXIT
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGINT' INT
trap 'on_signal SIGHUP' HUP

# bindable PORT: a server could bind 127.0.0.1:PORT now (nothing listens there, and no connection uses it
# as its local port, as client sockets do with ports in the ephemeral range)
bindable() {
  "$PYTHON" -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(1)
except OSError:
    sys.exit(1)' "$1"
}

# healthy PORT: GET /_stcore/health answers 200
healthy() {
  local fd line
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET /_stcore/health HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$1" >&"$fd" 2>/dev/null || { exec {fd}>&-; return 1; }
  IFS= read -r -t 5 line <&"$fd" || line=""
  exec {fd}>&-
  [[ $line == "HTTP/1."[01]" 200"* ]]
}

# check_children: exit 1 if a replica or nginx is gone (the EXIT trap stops the rest)
check_children() {
  local i
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      log "replica $((i + 1)) (pid ${pids[$i]}) exited; see $state/replica-$((i + 1)).log"
      tail -n 20 "$state/replica-$((i + 1)).log" >&2 || true
      exit 1
    fi
  done
  if [[ -n $nginx_pid ]] && ! kill -0 "$nginx_pid" 2>/dev/null; then
    log "nginx (pid $nginx_pid) exited; see $state/nginx.log"
    tail -n 20 "$state/nginx.log" >&2 || true
    exit 1
  fi
}

command -v "$PYTHON" >/dev/null || { log "no $PYTHON (set PYTHON=...)"; exit 2; }
if ! bindable "$port"; then
  log "port $port is already in use"
  exit 2
fi

# ---- replicas ------------------------------------------------------------------------------------------
ports=()
next=$((port + 1))
for ((i = 1; i <= replicas; i++)); do
  while ! bindable "$next"; do next=$((next + 1)); done
  ((next <= 65535)) || { log "no free port above $port"; exit 2; }
  (
    cd "$ROOT"
    export STREAMLIT_SERVER_FILE_WATCHER_TYPE=none STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
    exec setsid "$PYTHON" -m streamlit run streamlit_app.py --server.headless true \
      --server.port "$next" --server.address 127.0.0.1
  ) >"$state/replica-$i.log" 2>&1 </dev/null &
  pids+=($!)
  ports+=("$next")
  printf '%s\t%s\t%s\n' "$i" "$next" "$!" >>"$state/replicas.tsv"
  next=$((next + 1))
done

deadline=$((SECONDS + TIMEOUT))
for i in "${!ports[@]}"; do
  until healthy "${ports[$i]}"; do
    check_children
    ((SECONDS < deadline)) || { log "replica $((i + 1)) did not answer /_stcore/health within $TIMEOUT s"; exit 1; }
    sleep 0.2
  done
done

# ---- nginx -----------------------------------------------------------------------------------------------
render "$port" "${ports[@]}" >"$state/nginx.conf"
"$NGINX" -t -q -p "$state/" -c "$state/nginx.conf" -e stderr 2>>"$state/nginx.log" || {
  log "nginx -t refused $state/nginx.conf:"
  tail -n 20 "$state/nginx.log" >&2
  exit 1
}
setsid "$NGINX" -p "$state/" -c "$state/nginx.conf" -e stderr -g 'daemon off;' \
  >>"$state/access.log" 2>>"$state/nginx.log" </dev/null &
nginx_pid=$!
until healthy "$port"; do
  check_children
  ((SECONDS < deadline)) || { log "nginx did not answer on 127.0.0.1:$port within $TIMEOUT s"; exit 1; }
  sleep 0.1
done

echo "http://127.0.0.1:$port/" >"$state/ready"
echo "run-local: ready: http://127.0.0.1:$port/ -> ${#ports[@]} replica(s) on port(s) ${ports[*]}; state in $state"

# ---- foreground: until a signal, or until a child exits ------------------------------------------------
while true; do
  wait -n || true   # returns when a child exits, or at once when a trapped signal arrives
  check_children
done
