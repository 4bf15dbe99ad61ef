# Masterchat: `make run` serves the app, `make test` runs every test. Both set everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format migrate bench clean help

help:
	@echo "make run    - set up .venv, migrate, serve on http://127.0.0.1:5000"
	@echo "make test   - set up .venv, ruff, then the whole pytest suite"
	@echo "make lint   - ruff check and format check"
	@echo "make bench  - benchmarks (see docs/PERFORMANCE.md)"

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python wsgi.py

migrate: $(STAMP)
	FLASK_APP=wsgi:app $(BIN)/flask db upgrade

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/test .pytest_cache .ruff_cache
