#!/usr/bin/env bash
# `make bench-cuts`: bench/cuts.py (issue 18's before/after, in process) on a throwaway
# PostgreSQL cluster. BENCH_CUT_ROUNDS and BENCH_CUT_CALLS size the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
export VIGIE_VAR_DIR="${VIGIE_VAR_DIR:-$(mktemp -d /tmp/vigie-cuts-var-XXXX)}"
exec .venv/bin/python scripts/pgcluster.py run -- .venv/bin/python bench/cuts.py
