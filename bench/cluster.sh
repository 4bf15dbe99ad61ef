#!/usr/bin/env bash
# The benchmark against the cluster of `make cluster` (workers behind nginx, PostgreSQL, Redis):
# start it, seed USERS users into its database, step the send rate up through nginx with
# bench/run.py --external, stop it. Extra arguments go to deploy/cluster.py start, e.g.
#   bench/cluster.sh docs/bench/cluster-2-workers.json
#   bench/cluster.sh docs/bench/cluster-1-worker.json --workers 5001
# USERS, RATES, RAMP, DURATION, LABEL override the defaults below.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=${1:?usage: bench/cluster.sh OUT.json [deploy/cluster.py start options]}
shift
USERS=${USERS:-10000}
RATES=${RATES:-200,333,555}
RAMP=${RAMP:-150}
DURATION=${DURATION:-10}
LABEL=${LABEL:-cluster via nginx: $*}

$PY deploy/cluster.py start --no-tls --env RATE_LIMITS=off --connect-rate 0 "$@"  # capacity, not admission: no connect limit
trap '$PY deploy/cluster.py stop' EXIT
eval "$($PY deploy/cluster.py env)"
export APP_ENV INSTANCE_PATH DATABASE_URL REDIS_URL SECRET_KEY PUBLIC_URL
ASYNC_MODE=threading $PY -m flask --app wsgi:app seed-users --count "$USERS" --room-size 10 \
  --out instance/cluster/seed.json
PIDS=$($PY -c "import json; print(','.join(map(str, json.load(open('instance/cluster/cluster.json'))['workers'].values())))")
nice -n 10 $PY bench/run.py --targets "" --modes eventlet --users "$USERS" --rates "$RATES" \
  --ramp "$RAMP" --duration "$DURATION" --external http://127.0.0.1:8000 \
  --external-seed instance/cluster/seed.json --external-pids "$PIDS" --out "$OUT" --doc "" --label "$LABEL"
