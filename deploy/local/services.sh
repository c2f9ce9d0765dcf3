#!/usr/bin/env bash
# Provision and run the services PostWriter needs, idempotently, on 127.0.0.1 only:
# RabbitMQ (Debian package, management plugin), FerretDB 1.24.2 (built with the Go module
# proxy, SQLite handler) as the MongoDB-wire server, and Debian's Chromium.
# POSTWRITER_AMQP_URL / POSTWRITER_MONGODB_URL set -> that service is external; skip it.
# All data lives under .services/ (removed by `make clean`).
#
# usage: deploy/local/services.sh start|stop|status
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA="$ROOT/.services"
FERRETDB_VERSION=v1.24.2
AMQP_PORT=5672
MONGO_PORT=27017

log() { printf 'services: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds name
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    port_open "$1" && return 0
    sleep 0.1
  done
  log "$3 did not open 127.0.0.1:$1 within $2 s"
  return 1
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- RabbitMQ ---------------------------------------------------------------------------
# Debian's /usr/sbin wrappers switch to the rabbitmq user, which cannot write our data
# folder; the real scripts run fine as the invoking user.
RABBIT_BIN=/usr/lib/rabbitmq/bin

rabbit_env() {
  export RABBITMQ_NODENAME=postwriter@localhost
  export RABBITMQ_MNESIA_BASE="$DATA/rabbitmq/mnesia"
  export RABBITMQ_LOG_BASE="$DATA/rabbitmq/log"
  export RABBITMQ_CONFIG_FILE="$DATA/rabbitmq/rabbitmq.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$DATA/rabbitmq/enabled_plugins"
  export RABBITMQ_PID_FILE="$DATA/rabbitmq/rabbitmq.pid"
  export RABBITMQ_DIST_PORT=25673
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

start_rabbitmq() {
  if [ -n "${POSTWRITER_AMQP_URL:-}" ]; then log "RabbitMQ: using POSTWRITER_AMQP_URL"; return; fi
  if port_open "$AMQP_PORT"; then log "RabbitMQ: already listening on 127.0.0.1:$AMQP_PORT"; return; fi
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  rabbit_env
  mkdir -p "$DATA/rabbitmq/mnesia" "$DATA/rabbitmq/log"
  cat >"$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.default = 127.0.0.1:$AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = 15672
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = 15692
log.console = false
log.file.level = warning
CONF
  echo '[rabbitmq_management,rabbitmq_prometheus].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
  log "RabbitMQ: starting"
  "$RABBIT_BIN/rabbitmq-server" -detached
  wait_port "$AMQP_PORT" 60 RabbitMQ || { tail -n 30 "$DATA"/rabbitmq/log/*.log >&2 || true; return 1; }
  "$RABBIT_BIN/rabbitmqctl" -q await_startup >/dev/null 2>&1 || true
  log "RabbitMQ: up on 127.0.0.1:$AMQP_PORT (management on 127.0.0.1:15672)"
}

stop_rabbitmq() {
  [ -n "${POSTWRITER_AMQP_URL:-}" ] && return
  rabbit_env
  if port_open "$AMQP_PORT" && [ -x "$RABBIT_BIN/rabbitmqctl" ]; then
    "$RABBIT_BIN/rabbitmqctl" -q stop >/dev/null 2>&1 || log "RabbitMQ: stop failed (was it started elsewhere?)"
  fi
}

# --- FerretDB ---------------------------------------------------------------------------
ferretdb_bin() { echo "$DATA/bin/ferretdb"; }

start_ferretdb() {
  if [ -n "${POSTWRITER_MONGODB_URL:-}" ]; then log "MongoDB: using POSTWRITER_MONGODB_URL"; return; fi
  if port_open "$MONGO_PORT"; then log "MongoDB-wire: already listening on 127.0.0.1:$MONGO_PORT"; return; fi
  local bin
  bin=$(ferretdb_bin)
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || apt_install golang-go
    log "FerretDB: building $FERRETDB_VERSION with the Go module proxy"
    mkdir -p "$DATA/bin"
    # `go install` of the module panics at start: its zip lacks build/version/version.txt
    # (generated in FerretDB's own build). Build from a copy with that file written.
    local src tmp
    src=$(cd /tmp && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -d "$src" ] || { log "FerretDB: go mod download gave no source folder"; return 1; }
    tmp=$(mktemp -d)
    cp -r "$src/." "$tmp/"
    chmod -R u+w "$tmp"
    echo "$FERRETDB_VERSION" >"$tmp/build/version/version.txt"
    (cd "$tmp" && CGO_ENABLED=0 go build -trimpath -o "$DATA/bin/ferretdb" ./cmd/ferretdb)
    rm -rf "$tmp"
  fi
  mkdir -p "$DATA/ferretdb/data"
  log "FerretDB: starting"
  nohup "$bin" --handler=sqlite --sqlite-url="file:$DATA/ferretdb/data/" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --debug-addr=127.0.0.1:27018 \
    --state-dir="$DATA/ferretdb" --telemetry=disable --log-level=warn >"$DATA/ferretdb/ferretdb.log" 2>&1 &
  echo $! >"$DATA/ferretdb/ferretdb.pid"
  wait_port "$MONGO_PORT" 30 FerretDB
  log "FerretDB: up on 127.0.0.1:$MONGO_PORT"
}

stop_ferretdb() {
  local pidfile="$DATA/ferretdb/ferretdb.pid"
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  fi
}

# --- Chromium ---------------------------------------------------------------------------
ensure_chromium() {
  local path="${POSTWRITER_CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ -x "$path" ]; then return; fi
  apt_install chromium fonts-liberation
  [ -x "$path" ] || { log "Chromium not found at $path after install"; exit 1; }
}

case "${1:-start}" in
  start)
    ensure_chromium
    start_rabbitmq
    start_ferretdb
    ;;
  stop)
    stop_ferretdb
    stop_rabbitmq
    ;;
  status)
    port_open "$AMQP_PORT" && echo "rabbitmq: up" || echo "rabbitmq: down"
    port_open "$MONGO_PORT" && echo "mongodb-wire: up" || echo "mongodb-wire: down"
    [ -x "${POSTWRITER_CHROMIUM_PATH:-/usr/bin/chromium}" ] && echo "chromium: installed" || echo "chromium: missing"
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
