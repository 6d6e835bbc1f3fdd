#!/usr/bin/env bash
# `make bench` / `make bench-full`: a throwaway PostgreSQL cluster; bench/generate.py makes
# the small dataset, bench/ratios.py measures it, the same generator grows it to the large
# size, then gunicorn starts and bench/ratios.py measures everything else and writes
# BENCHMARKS.md. Sizes from the environment: BENCH_SMALL_STRUCTURES (100),
# BENCH_SMALL_CASES (1 000), BENCH_STRUCTURES (5 000), BENCH_CASES (50 000) — the large
# size, in all; BENCH_WEB_WORKERS (2 x CPUs + 1). BENCH_KEEP=1 leaves the cluster running
# after the run, with its data, for EXPLAIN (its DATABASE_URL is printed at the end; stop it
# with `scripts/pgcluster.py stop <dir>`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
small_structures="${BENCH_SMALL_STRUCTURES:-100}"
small_cases="${BENCH_SMALL_CASES:-1000}"
large_structures="${BENCH_STRUCTURES:-5000}"
large_cases="${BENCH_CASES:-50000}"
own_var=""
if [ -z "${VIGIE_VAR_DIR:-}" ]; then
  own_var="$(mktemp -d /tmp/vigie-bench-var-XXXX)"
  export VIGIE_VAR_DIR="$own_var"
fi
export BENCH_STATE="$VIGIE_VAR_DIR/bench-small.json"
# The benchmark measures the app, not the API rate limits (the throttles still count).
export VIGIE_API_SUBMIT_RATE="${VIGIE_API_SUBMIT_RATE:-1000000/min}"
export VIGIE_API_USER_RATE="${VIGIE_API_USER_RATE:-1000000/min}"
export VIGIE_LOG_LEVEL="${VIGIE_LOG_LEVEL:-WARNING}"

pgdir="$(mktemp -d /tmp/vigie-bench-pg-XXXX)"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$pgdir"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${BENCH_KEEP:-}" ]; then
    echo "== cluster kept in $pgdir: DATABASE_URL=${DATABASE_URL:-}"
  else
    $PY scripts/pgcluster.py stop "$pgdir" || true
    rm -rf "$pgdir"
  fi
  [ -n "$own_var" ] && rm -rf "$own_var"
  return 0
}
trap cleanup EXIT INT TERM

# A durable cluster (fsync on, unlike the test clusters): submit numbers must be honest.
eval "$($PY scripts/pgcluster.py start "$pgdir")"
export DATABASE_URL
echo "== migrate, reference data"
$PY manage.py migrate --noinput -v 0
$PY manage.py createcachetable
$PY manage.py collectstatic --noinput -v 0
$PY manage.py load_reference

echo "== small dataset: $small_structures structures, $small_cases cases"
BENCH_STRUCTURES="$small_structures" BENCH_CASES="$small_cases" $PY bench/generate.py
$PY bench/ratios.py small

echo "== grown by the same generator to $large_structures structures, $large_cases cases"
BENCH_STRUCTURES=$(( large_structures - small_structures )) \
  BENCH_CASES=$(( large_cases - small_cases )) $PY bench/generate.py

port="$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
workers="${BENCH_WEB_WORKERS:-$(( 2 * $(nproc) + 1 ))}"
echo "== gunicorn ($workers workers) on 127.0.0.1:$port"
.venv/bin/gunicorn vigie.wsgi:application --bind "127.0.0.1:$port" --workers "$workers" \
  --timeout 120 --log-level warning &
pids+=($!)
export BENCH_URL="http://127.0.0.1:$port"
export BENCH_WEB_WORKERS="$workers"
for _ in $(seq 100); do
  curl -fso /dev/null "$BENCH_URL/portail/" && break
  sleep 0.2
done

echo "== measure"
$PY bench/ratios.py large
