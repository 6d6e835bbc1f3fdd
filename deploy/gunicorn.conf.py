"""gunicorn's settings for a Vigie web node (deploy/entrypoint.sh web), from the
environment: VIGIE_BIND (0.0.0.0:8000), VIGIE_WEB_WORKERS (2 per core + 1),
VIGIE_WEB_TIMEOUT (60 s), VIGIE_FORWARDED_ALLOW_IPS (the reverse proxy's address)."""

import multiprocessing
import os

from prometheus_client import multiprocess

bind = os.environ.get("VIGIE_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("VIGIE_WEB_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
timeout = int(os.environ.get("VIGIE_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker restarted now and then: memory growth never accumulates.
max_requests = 2000
max_requests_jitter = 200
# No access log: Vigie logs each request itself, without the query string (vigie/core/logs.py).
accesslog = None
errorlog = "-"
# Heartbeat files in memory, not on a container's overlay file system.
SHM = "/dev/shm"  # noqa: S108 (gunicorn's recommendation for containers)
worker_tmp_dir = SHM if os.path.isdir(SHM) else None
# No control socket (gunicorn 27 makes one in $XDG_RUNTIME_DIR or $HOME/.gunicorn): HOME is
# /var/lib/vigie, a volume the compose file's web replicas share, so each node would replace
# the other's. Nodes are driven by signals (HUP reloads, TERM stops), as the units do.
control_socket_disable = True
# X-Forwarded-Proto (the scheme, hence HTTPS redirects, HSTS and Secure cookies) is taken
# from these addresses only, the reverse proxy's; from anyone else it is ignored. Django
# does not read the header itself (settings.SECURE_PROXY_SSL_HEADER is None).
forwarded_allow_ips = os.environ.get("VIGIE_FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):  # gunicorn calls it when a worker exits
    # A dead worker's metric files are merged, not counted twice (prometheus_client).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
