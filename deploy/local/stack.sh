#!/usr/bin/env bash
# Run PostWriter's processes in the background on loopback: the fixture site, the API,
# one scrape consumer, one analysis consumer, the webhook dispatcher and the scheduler.
# Logs, pid files and local keys under .run/. Idempotent. A webhook receiver on loopback
# must be allowed in POSTWRITER_EGRESS_ALLOW.
# usage: deploy/local/stack.sh up|down|demo|status
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUN="$ROOT/.run"
PY="$ROOT/.venv/bin/python"
FIXTURE_PORT=${POSTWRITER_DEMO_FIXTURE_PORT:-8081}
API_PORT=${POSTWRITER_API_PORT:-8080}
mkdir -p "$RUN"
cd "$ROOT"

log() { printf 'stack: %s\n' "$*" >&2; }

api_key() {
  if [ ! -s "$RUN/api-key" ]; then
    (umask 077 && "$PY" -c 'import secrets; print("pw_" + secrets.token_urlsafe(24))' >"$RUN/api-key")
  fi
  cat "$RUN/api-key"
}

vault_keys() {
  # The session vault's key ring for this local stack (kept out of git, mode 600).
  if [ ! -s "$RUN/vault-keys" ]; then
    (umask 077 && "$PY" -m postwriter keys generate >"$RUN/vault-keys")
  fi
  echo "$RUN/vault-keys"
}

stack_env() {
  export POSTWRITER_BOOTSTRAP_API_KEY="${POSTWRITER_BOOTSTRAP_API_KEY:-$(api_key)}"
  if [ -z "${POSTWRITER_KEYS:-}" ]; then
    export POSTWRITER_KEYS_FILE="${POSTWRITER_KEYS_FILE:-$(vault_keys)}"
  fi
  export POSTWRITER_EGRESS_ALLOW="${POSTWRITER_EGRESS_ALLOW:-127.0.0.1:$FIXTURE_PORT}"
  export POSTWRITER_API_PORT="$API_PORT"
}

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

start() { # name command...
  local name=$1
  shift
  if alive "$name"; then log "$name: already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  nohup "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
  log "$name: started (pid $!, log .run/$name.log)"
}

wait_http() { # url seconds name
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    "$PY" - "$1" <<'PYEOF' && return 0
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except Exception:
    sys.exit(1)
PYEOF
    sleep 0.1
  done
  log "$3 did not answer $1 within $2 s; last lines of its log:"
  tail -n 20 "$RUN/$3.log" >&2 || true
  return 1
}

stop() {
  local name=$1 pid i
  alive "$name" || { rm -f "$RUN/$name.pid"; return 0; }
  pid=$(cat "$RUN/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 250; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$RUN/$name.pid"
  log "$name: stopped"
}

case "${1:-up}" in
  up)
    stack_env
    start fixture "$PY" -m tests.fixtures.site --host 127.0.0.1 --port "$FIXTURE_PORT"
    start api env POSTWRITER_METRICS_PORT=9100 "$PY" -m postwriter api
    start consumer "$PY" -m postwriter consume scrape
    start scheduler "$PY" -m postwriter schedule run
    start analysis env POSTWRITER_METRICS_PORT=9102 "$PY" -m postwriter consume analysis
    start webhooks env POSTWRITER_METRICS_PORT=9103 "$PY" -m postwriter consume webhooks
    wait_http "http://127.0.0.1:$FIXTURE_PORT/healthz" 30 fixture
    wait_http "http://127.0.0.1:$API_PORT/readyz" 60 api
    sleep 1
    alive consumer || { log "consumer exited:"; tail -n 20 "$RUN/consumer.log" >&2; exit 1; }
    log "up: API http://127.0.0.1:$API_PORT (key in .run/api-key), fixture site http://127.0.0.1:$FIXTURE_PORT/acmecoffee"
    ;;
  demo)
    stack_env
    "$PY" -m postwriter demo --url "http://127.0.0.1:$FIXTURE_PORT/acmecoffee"
    echo
    echo "The stack keeps running: dashboard and API http://127.0.0.1:$API_PORT/ (sign in with the key in .run/api-key; reference at /v1/docs), logs in .run/."
    echo "Stop it with: make down"
    ;;
  down)
    stop webhooks
    stop analysis
    stop scheduler
    stop consumer
    stop api
    stop fixture
    ;;
  status)
    for n in fixture api consumer scheduler analysis webhooks; do alive "$n" && echo "$n: running" || echo "$n: stopped"; done
    ;;
  *) echo "usage: $0 up|down|demo|status" >&2; exit 2 ;;
esac
