# The two commands: `make run` and `make test`. Everything else is a helper for the inner loop.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export RASA_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup setup-system run cluster train test test-fast lint bench lock widget-deps widget-size

# Quick when nothing changed: installs only when requirements.lock did; compiles the catalogs.
setup:
	@scripts/setup

# Chromium, PostgreSQL, Redis and HAProxy for the tests and the cluster, from Debian's packages,
# if missing.
setup-system:
	scripts/setup-system

# Trains the model if its inputs changed, starts every server, prints where to chat. Ctrl-C stops.
run: setup
	$(PY) -m stack run

# The same as a cluster on this machine (stack/cluster.py): PostgreSQL, Redis, REPLICAS Rasa and
# action servers, two handoff processes, the widget server, HAProxy in front on port 8000.
REPLICAS ?= 2
cluster: setup setup-system
	$(PY) -m stack cluster --replicas $(REPLICAS)

# Trains the model into models/<fingerprint>.tar.gz unless that model exists already.
train: setup
	$(PY) -m stack train

test: setup setup-system lint widget-deps widget-size
	$(PY) -m pytest

# The widget's development dependency (axe-core, for the accessibility tests), from its lock file.
web_widget/node_modules/.package-lock.json: web_widget/package-lock.json
	cd web_widget && npm ci --no-audit --no-fund

widget-deps: web_widget/node_modules/.package-lock.json

# The widget's script and styles on the wire, gzip and brotli (every language included); fails
# when gzip is above 20 KB.
widget-size: setup
	$(PY) -m web_widget size

# Quick inner loop: unit tests only, no servers.
test-fast: setup
	$(PY) -m pytest -m "not integration and not browser" -q

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) -m benchmarks.eligibility
	$(PY) -m benchmarks.conversation
	$(PY) -m benchmarks.handoff
	$(PY) -m benchmarks.nlu

lock: setup
	$(PY) -m pip install --quiet -r requirements.in
	$(PY) -m pip check
	$(PY) -m pip freeze --exclude-editable --exclude uv > requirements.lock
