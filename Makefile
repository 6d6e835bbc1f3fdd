# Vigie — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test soak lint bench bench-full bench-cuts system-deps system-deps-test venv messages stop-db clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

system-deps:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

messages:
	@for po in vigie/locale/*/LC_MESSAGES/django.po; do msgfmt --check -o "$${po%.po}.mo" "$$po"; done

## make run: install, start the private PostgreSQL under var/, migrate, load reference
## data and the demo, then serve http://127.0.0.1:8000 with the background worker.
run: system-deps $(STAMP) messages
	@scripts/run.sh

## make test: install, then the whole suite (lint, types, unit, browser) against a
## throwaway PostgreSQL cluster (or DATABASE_URL when set).
test: system-deps-test $(STAMP) messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DATABASE_URL=postgres://typecheck@localhost/none $(VENV)/bin/mypy vigie
	@scripts/test.sh $(PYTEST_ARGS)

## make soak: the multi-node test at length (VIGIE_SOAK=1): 400 declarations through two
## gunicorn nodes and two workers, one of each killed, PostgreSQL restarted twice (once as
## after a crash); prints the counts. `make test` runs a short version.
soak: system-deps-test $(STAMP) messages
	VIGIE_SOAK=1 scripts/test.sh tests/ops/test_multinode.py -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DATABASE_URL=postgres://typecheck@localhost/none $(VENV)/bin/mypy vigie

## make bench: issue 18's targets as ratios, in one run on a throwaway cluster: a small
## synthetic dataset (1 000 cases) measured, grown by the same generator to 50 000, served
## by gunicorn and measured; writes BENCHMARKS.md. Sizes: BENCH_SMALL_CASES,
## BENCH_SMALL_STRUCTURES, BENCH_CASES, BENCH_STRUCTURES. See bench/run.sh, bench/ratios.py.
bench: system-deps $(STAMP) messages
	@bench/run.sh

## make bench-full: the same at full size, 10 000 → 1 000 000 cases.
bench-full: system-deps $(STAMP) messages
	@BENCH_SMALL_STRUCTURES=1000 BENCH_SMALL_CASES=10000 BENCH_STRUCTURES=100000 \
	  BENCH_CASES=1000000 bench/run.sh

## make bench-cuts: issue 18's before/after, in process, on a throwaway cluster (bench/cuts.py).
bench-cuts: $(STAMP)
	@bench/cuts.sh

stop-db:
	@$(PY) scripts/pgcluster.py stop var/pg

clean: stop-db
	rm -rf $(VENV) var
