# Xinfang — one-command run and test. Needs only python3 (with venv) and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/xinfang
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per CPU by default; 0 runs everything in this process.
PYTEST_WORKERS ?= auto

.PHONY: run test test-pg e2e lint typecheck migrations-check check messages catalogs demo bench clean

$(STAMP): requirements/base.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements/dev.txt
	touch $(STAMP)

# Compile the translation catalogs with polib (no GNU gettext needed to run).
catalogs: $(STAMP)
	$(PY) manage.py compile_catalogs

# Start the whole system on SQLite with the demo district: web server and background worker.
run: catalogs
	$(PY) manage.py migrate --noinput
	$(PY) manage.py calendar_seed
	$(PY) manage.py demo_district
	$(PY) manage.py demo_legalservices
	$(PY) manage.py demo_mediation
	$(PY) manage.py demo_grid
	$(PY) manage.py guides_seed
	$(PY) manage.py demo_powerlist
	$(PY) manage.py demo_matters
	$(PY) manage.py demo_risk
	$(PY) manage.py demo_outreach
	$(PY) manage.py demo_order
	$(PY) manage.py demo_supervision
	$(PY) manage.py dashboards_rollup_rebuild
	$(PY) manage.py clock_sweep
	@echo "Starting the background worker and the web server at http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@echo "Sign in as clerk, bureau, officer, supervisor, admin … with the DEMO ONLY password demo-pass-2026 (docs/demo.md)"
	@$(PY) manage.py db_worker --queue-name '*' --no-reload & WORKER=$$!; \
	  trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite, browser tests included, spread over the CPUs (each worker has its own database).
test: catalogs
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The same suite on PostgreSQL (a server on 127.0.0.1:5432 with trust auth).
test-pg: catalogs
	DATABASE_URL=$(PG_URL) $(PY) -m pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Browser tests in Debian's Chromium (/usr/bin/chromium).
e2e: catalogs
	$(PY) -m pytest -q -m e2e tests/e2e $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy xinfang config

migrations-check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run

# Regenerate the catalogs from the sources (needs GNU gettext's xgettext), then fill zh-hant.
messages: $(STAMP)
	$(PY) manage.py update_catalogs

check: lint typecheck migrations-check test

# Benchmarks are not tests: each script prints figures and writes JSON to bench/results/.
bench: catalogs
	@for script in bench/[!_]*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) var/static
