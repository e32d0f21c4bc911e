# The README's two commands are `make serve` and `make test`; everything else is a step of theirs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve setup install test lint browser replica-tools bench-tools

serve: setup  ## set everything up, then serve the site with the seed data on http://127.0.0.1:8000
	$(PY) manage.py runserver $(HOST):$(PORT)

setup: install  ## migrate the database and import the fixtures (idempotent)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_fixtures

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml package.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# [assistant]: the evidence assistant's embedding model and torch (pyproject.toml says why it is an extra).
	$(PY) -m pip install --quiet -e ".[dev,assistant]"
	@# The test suite's other tools: the Nu HTML Checker and axe-core (npm), Chromium and the PostgreSQL server
	@# binaries for the replica test (Debian, as root).
	@if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent; \
	 else echo "no npm: the HTML validity and accessibility tests will be skipped"; fi
	@if ! command -v chromium >/dev/null 2>&1; then \
	   if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then $(MAKE) browser; \
	   else echo "no Chromium (and not root to apt-get it): the browser tests will be skipped"; fi; fi
	@if ! ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1; then \
	   if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then $(MAKE) replica-tools; \
	   else echo "no PostgreSQL server binaries (and not root to apt-get them): the replica test will be skipped"; fi; fi
	touch $@

test: install  ## run the whole test suite
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

browser:  ## install Debian's Chromium for the browser tests (needs root; Playwright never downloads one)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

replica-tools:  ## install Debian's PostgreSQL server binaries for tests/test_replica.py (needs root; no server is started)
	@ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || { \
	  mkdir -p /etc/postgresql-common; \
	  test -e /etc/postgresql-common/createcluster.conf || echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; }

bench-tools:  ## install Debian's wrk and sqlite3 for bench/run.py and bench/load.py (needs root)
	@command -v wrk >/dev/null 2>&1 && command -v sqlite3 >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk sqlite3; }
