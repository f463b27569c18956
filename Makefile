# The two commands: `make run` and `make test`. Everything else is a helper for the inner loop.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export RASA_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup setup-system run test test-fast lint bench lock

$(VENV)/.requirements.lock.sha256: requirements.lock scripts/setup
	scripts/setup

setup: $(VENV)/.requirements.lock.sha256

# Chromium and PostgreSQL for the tests, from Debian's packages, if missing.
setup-system:
	scripts/setup-system

# Until the assistant exists, `make run` decides a sample case with the eligibility engine.
run: setup
	@echo "The assistant is not built yet; deciding a sample case with the eligibility engine:"
	$(PY) -m eligibility check examples/case.json --today 2026-03-10

test: setup setup-system lint
	$(PY) -m pytest

# Quick inner loop: unit tests only, no servers.
test-fast: setup
	$(PY) -m pytest -m "not integration and not browser" -q

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) -m benchmarks.eligibility

lock: setup
	$(PY) -m pip install --quiet -r requirements.in
	$(PY) -m pip check
	$(PY) -m pip freeze --exclude-editable > requirements.lock
