#!/usr/bin/env bash
# A worker restarted mid-run with USERS connected (docs/RELIABILITY.md, docs/PERFORMANCE.md):
# a private redis-server, two workers behind nginx (deploy/cluster.py), USERS seeded users connected
# through nginx and sending RATE messages/s for DURATION s; RESTART_AT s in, worker 1 gets SIGTERM
# (drains, its clients reconnect to worker 2 with jitter and sync) and is started again.
#   bench/restart.sh docs/bench/restart-10000.json
# USERS, RATE, DURATION, RESTART_AT, SPREAD, RAMP, CONNECT_RATE, PREFIX override the defaults below.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${1:?usage: bench/restart.sh OUT.json}
USERS=${USERS:-10000}
RATE=${RATE:-50}
DURATION=${DURATION:-70}
RESTART_AT=${RESTART_AT:-10}
SPREAD=${SPREAD:-10}
RAMP=${RAMP:-180}          # first connects per second: under what nginx admits for two workers (2 x 100)
CONNECT_RATE=${CONNECT_RATE:-100}  # new sockets a second per worker that nginx admits (deploy/cluster.py --connect-rate)
PREFIX=${PREFIX:-instance/restart-bench}
free_port() { $PY -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
REDIS_PORT=$(free_port); W1=$(free_port); W2=$(free_port); FRONT=$(free_port)
mkdir -p "$PREFIX"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$PREFIX" >/dev/null &
REDIS_PID=$!
DB="postgresql://postgres@127.0.0.1:5432/mc_restart_bench_$$"
$PY deploy/cluster.py start --prefix "$PREFIX" --workers "$W1,$W2" --port "$FRONT" --database-url "$DB" \
  --redis-url "redis://127.0.0.1:$REDIS_PORT/0" --env RATE_LIMITS=off --no-tls --connect-rate "$CONNECT_RATE"
cleanup() {
  $PY deploy/cluster.py stop --prefix "$PREFIX" || true
  kill "$REDIS_PID" || true
  psql -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS \"mc_restart_bench_$$\" WITH (FORCE)" postgres >/dev/null || true
}
trap cleanup EXIT
eval "$($PY deploy/cluster.py env --prefix "$PREFIX")"
export APP_ENV INSTANCE_PATH DATABASE_URL REDIS_URL SECRET_KEY PUBLIC_URL
$PY -m loadtest --url "http://127.0.0.1:$FRONT" --users "$USERS" --room-size 10 --rate "$RATE" \
  --duration "$DURATION" --ramp "$RAMP" --procs 2 --grace 10 --db "$DATABASE_URL" --app-dir . --json "$OUT" \
  --restart-cmd "$PY deploy/cluster.py restart-worker --prefix $PREFIX --worker $W1" \
  --restart-at "$RESTART_AT" --reconnect-spread "$SPREAD" --recovery-timeout 120 --quiet
