#!/usr/bin/env bash
# `make run`: database, migrations, reference data, demo, worker and web server.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if [ -z "${DATABASE_URL:-}" ]; then
  eval "$($PY scripts/pgcluster.py start var/pg)"
  echo "Private PostgreSQL cluster running under var/pg (stop it with: make stop-db)"
fi
export DATABASE_URL
$PY manage.py migrate --noinput -v 0
$PY manage.py createcachetable
$PY manage.py collectstatic --noinput -v 0
$PY manage.py load_reference
$PY manage.py load_demo

# The web workers' request latencies, summed at each scrape of /metrics (vigie/ops/metrics.py).
if [ -z "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  export PROMETHEUS_MULTIPROC_DIR="$PWD/var/prometheus"
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
fi
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

# The worker starts itself again after a database outage (vigie/ops/management/commands/worker.py).
$PY manage.py worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Vigie: http://127.0.0.1:8000"
# No gunicorn access log: Vigie logs each request itself, without the query string.
.venv/bin/gunicorn vigie.wsgi:application --bind 127.0.0.1:8000 --workers "${VIGIE_WEB_WORKERS:-3}" \
  --timeout 60
