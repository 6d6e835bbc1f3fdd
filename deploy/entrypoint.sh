#!/bin/sh
# The commands of Vigie's image (deploy/Containerfile) and of the systemd units:
#   web       gunicorn on $VIGIE_BIND (deploy/gunicorn.conf.py)
#   worker    the background worker (`manage.py worker`), restarts itself after a DB outage
#   migrate   database migrations and the cache table: run once per release, before web
#   backup    `manage.py backup` into $VIGIE_BACKUP_DIR
#   manage …  any manage.py command (createsuperuser, restore, load_reference…)
# Run from the application directory with the virtualenv's python first on PATH.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${VIGIE_PYTHON:-python}"

need_secret() {
  # Every node must share one key: sessions and signed links cross nodes.
  if [ -z "${VIGIE_SECRET_KEY:-}" ]; then
    echo "VIGIE_SECRET_KEY is not set (use the same value on every node)" >&2
    exit 64
  fi
  if [ -z "${DATABASE_URL:-}" ]; then
    echo "DATABASE_URL is not set" >&2
    exit 64
  fi
}

command="${1:-web}"
[ $# -gt 0 ] && shift
case "$command" in
  web)
    need_secret
    # gunicorn's workers pool their metrics here: emptied at each start (vigie/ops/metrics.py).
    dir="${PROMETHEUS_MULTIPROC_DIR:-/tmp/vigie-prometheus}"
    rm -rf "$dir" && mkdir -p "$dir"
    export PROMETHEUS_MULTIPROC_DIR="$dir"
    exec "$PYTHON" -m gunicorn -c deploy/gunicorn.conf.py vigie.wsgi:application "$@"
    ;;
  worker)
    need_secret
    exec "$PYTHON" manage.py worker "$@"
    ;;
  migrate)
    need_secret
    "$PYTHON" manage.py migrate --noinput
    exec "$PYTHON" manage.py createcachetable
    ;;
  backup)
    need_secret
    exec "$PYTHON" manage.py backup --output "${VIGIE_BACKUP_DIR:-/var/lib/vigie/backups}" --no-progress "$@"
    ;;
  manage)
    exec "$PYTHON" manage.py "$@"
    ;;
  *)
    echo "unknown command: $command (web, worker, migrate, backup, manage …)" >&2
    exit 64
    ;;
esac
