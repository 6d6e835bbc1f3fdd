#!/usr/bin/env bash
# Run the pytest suite against DATABASE_URL, or a throwaway PostgreSQL cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export VIGIE_VAR_DIR="${VIGIE_VAR_DIR:-$(mktemp -d /tmp/vigie-test-var-XXXX)}"
if [ -n "${DATABASE_URL:-}" ]; then
  exec $PY -m pytest "$@"
fi
exec $PY scripts/pgcluster.py run -- $PY -m pytest "$@"
