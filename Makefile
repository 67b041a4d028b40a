# Common Ground: `make run` to try it, `make test` to check it.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PASSWORD ?= common-ground-demo
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install install-dev run test lint format bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(PY)
	$(PIP) install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime ## Create .venv and install the runtime dependencies

install-dev: $(VENV)/.dev ## Install what the tests and linters need

run: install ## Migrate the embedded SQLite database, seed the demo, serve on 127.0.0.1:8000 with a task worker beside it (Ctrl-C stops both)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)"
	$(PY) -m background.supervisor "$(PY) manage.py runserver $(HOST):$(PORT)" "$(PY) manage.py run_worker"

test: install-dev ## Run the whole suite (SQLite, or DATABASE_URL when set; tests/browser when /usr/bin/chromium exists)
	$(PY) -m pytest

lint: install-dev ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev ## Apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

BENCH_ARGS ?=
bench: install ## Load-test the real server (gunicorn + wrk) against its floors (bench/README.md)
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -q wrk || { apt-get update -q && apt-get install -y -q wrk; }; \
	  else \
	    echo "make bench needs wrk (Debian package wrk): run 'apt-get install wrk' as root." >&2; \
	    exit 1; \
	  fi; }
	$(PY) bench/http_bench.py $(BENCH_ARGS)

.PHONY: bench-workload
BENCH_WORKLOAD_ARGS ?=
bench-workload: install ## A deadline week's mixed load on gunicorn; app servers for 100,000 officers (bench/README.md)
	$(PY) bench/workload_bench.py $(BENCH_WORKLOAD_ARGS)

.PHONY: bench-report
BENCH_REPORT_ARGS ?=
bench-report: install ## Time the completion report on 50,000 seeded officers (bench/README.md)
	$(PY) bench/report_bench.py $(BENCH_REPORT_ARGS)

.PHONY: bench-items
BENCH_ITEMS_ARGS ?=
bench-items: install ## Time the quiz item analysis on 50,000 seeded attempts (bench/README.md)
	$(PY) bench/item_analysis_bench.py $(BENCH_ITEMS_ARGS)

.PHONY: bench-compliance
BENCH_COMPLIANCE_ARGS ?=
bench-compliance: install ## Time the compliance dashboard and state CSV on 50,000 officers
	$(PY) bench/compliance_bench.py $(BENCH_COMPLIANCE_ARGS)

.PHONY: bench-cpu
BENCH_CPU_ARGS ?=
bench-cpu: install ## In-process CPU of rendered pages (against the signed-in floor) and attempt start/submit (against the write floor)
	$(PY) bench/cpu_bench.py $(BENCH_CPU_ARGS)

.PHONY: bench-certificate
BENCH_CERTIFICATE_ARGS ?=
bench-certificate: install ## Time the certificate PDF (7 scripts) and the credential's signing, in-process
	$(PY) bench/certificate_bench.py $(BENCH_CERTIFICATE_ARGS)

clean: ## Remove the virtualenv, the SQLite database and collected files
	rm -rf $(VENV) db.sqlite3 staticfiles
