#!/usr/bin/env bash
# `make bench`: a throwaway PostgreSQL cluster, a synthetic dataset, gunicorn and the
# worker, then bench/measure.py, which writes BENCHMARKS.md. Sizes from the environment:
# BENCH_STRUCTURES (100000), BENCH_CASES (1000000), BENCH_WEB_WORKERS (2 x CPUs + 1).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
own_var=""
if [ -z "${VIGIE_VAR_DIR:-}" ]; then
  own_var="$(mktemp -d /tmp/vigie-bench-var-XXXX)"
  export VIGIE_VAR_DIR="$own_var"
fi
# The benchmark measures the app, not the API rate limits.
export VIGIE_API_SUBMIT_RATE="${VIGIE_API_SUBMIT_RATE:-1000000/min}"
export VIGIE_API_USER_RATE="${VIGIE_API_USER_RATE:-1000000/min}"
export VIGIE_LOG_LEVEL="${VIGIE_LOG_LEVEL:-WARNING}"

pgdir="$(mktemp -d /tmp/vigie-bench-pg-XXXX)"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$pgdir"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  $PY scripts/pgcluster.py stop "$pgdir" || true
  rm -rf "$pgdir"
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

echo "== synthetic dataset"
gen_start=$(date +%s)
$PY bench/generate.py
export BENCH_GENERATE_SECONDS=$(( $(date +%s) - gen_start ))

port="$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
workers="${BENCH_WEB_WORKERS:-$(( 2 * $(nproc) + 1 ))}"
echo "== gunicorn ($workers workers) on 127.0.0.1:$port, procrastinate worker"
.venv/bin/gunicorn vigie.wsgi:application --bind "127.0.0.1:$port" --workers "$workers" \
  --timeout 120 --log-level warning &
pids+=($!)
export BENCH_GUNICORN_PID=$!
$PY manage.py procrastinate worker >"$VIGIE_VAR_DIR/worker.log" 2>&1 &
pids+=($!)
export BENCH_WORKER_PID=$!
export BENCH_URL="http://127.0.0.1:$port"
export BENCH_WEB_WORKERS="$workers"
for _ in $(seq 100); do
  curl -fso /dev/null "$BENCH_URL/portail/" && break
  sleep 0.2
done

echo "== measure"
$PY bench/measure.py
