# Masterchat: `make run` serves the app, `make test` runs every test. Both set everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run demo test lint format migrate bench bench-cluster loadtest cluster cluster-stop clean help

help:
	@echo "make run    - set up .venv, migrate, serve on http://127.0.0.1:5000"
	@echo "make demo   - fill the database with a demo marketplace and messenger, print the logins"
	@echo "make test   - set up .venv, ruff, then the whole pytest suite"
	@echo "make lint   - ruff check and format check"
	@echo "make bench  - benchmarks (see docs/PERFORMANCE.md)"
	@echo "make loadtest - one load test against a server from 'make run' (LOADTEST_ARGS=...)"
	@echo "make cluster - two workers behind nginx (https://localhost:8443, http :8000 redirects), PostgreSQL + Redis"

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Serving needs requirements.txt only; tests, lint, benchmarks and the load tester add requirements-dev.txt.
$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $(DEV_STAMP)

run: $(STAMP)
	$(BIN)/python wsgi.py

# A believable marketplace and messenger in Russian and English (app/demo/), once per database.
demo: $(STAMP)
	FLASK_APP=wsgi:app $(BIN)/flask db upgrade
	FLASK_APP=wsgi:app $(BIN)/flask demo

migrate: $(STAMP)
	FLASK_APP=wsgi:app $(BIN)/flask db upgrade

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/test .pytest_cache .ruff_cache

# The benchmark (long, ~30 min): app against the bare relay (bench/relay.py), eventlet and gevent, and the same
# relay on Node's own socket.io server (bench/jsdriver/relay.mjs) for reference, at 1,000 and 10,000 users,
# rate stepped up until p99 >= 1 s or a loss; results into docs/bench/ and docs/PERFORMANCE.md. Override
# BENCH_ARGS. `make bench-cluster` runs steps at 10,000 users through `make cluster` (two workers, then one,
# for the ratio); see docs/PERFORMANCE.md.
# The driver is the JS one by default (issue 17): bench/jsdriver, the official socket.io-client in one Node
# process (Node.js >= 18 and npm; `npm ci` runs once by itself), one sender per room, users connected once per
# series. It costs about 0.6 times the CPU per delivery of the Python tester (docs/PERFORMANCE.md, "JS driver"):
# 0.037-0.044 ms per delivery at 10,000 users and 1,400-2,000 msg/s. Every row reports the server's CPU ms per
# delivery. BENCH_ARGS="... --driver python" for the Python tester.
BENCH_ARGS ?= --users 1000,10000 --rates 200,333,500,700,850,1000,1400,2000 --modes eventlet,gevent --duration 10 \
	--max-p99-ms 1000 --max-lost 0 --max-ack-errors 0 --driver js --targets app,relay,node
bench: $(DEV_STAMP)
	nice -n 10 $(BIN)/python bench/run.py $(BENCH_ARGS)

bench-cluster: $(DEV_STAMP)
	bench/cluster.sh docs/bench/cluster-2-workers.json
	bench/cluster.sh docs/bench/cluster-1-worker.json --workers 5001

# One load test against the server of `make run` (same DATABASE_URL and instance/, so the seeded tokens work).
LOADTEST_ARGS ?= --url http://127.0.0.1:5000 --users 200 --room-size 10 --rate 50 --duration 10 --json instance/loadtest.json
loadtest: $(DEV_STAMP)
	nice -n 10 $(BIN)/python -m loadtest $(LOADTEST_ARGS)

# Two workers (5001, 5002) behind nginx (https://localhost:8443 with a self-signed certificate made for
# localhost; http://127.0.0.1:8000 redirects there; --no-tls for plain http) on the local PostgreSQL (database
# masterchat) and Redis: see README "Running in production". CLUSTER_ARGS adds deploy/cluster.py options.
CLUSTER_ARGS ?=
cluster: $(STAMP)
	$(BIN)/python deploy/cluster.py start $(CLUSTER_ARGS)

cluster-stop: $(STAMP)
	$(BIN)/python deploy/cluster.py stop $(CLUSTER_ARGS)
