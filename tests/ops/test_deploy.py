"""deploy/: what can be checked without building the image (this machine has no container
engine able to build: a Docker client without a daemon, no podman or buildah, and no
registry to pull the base image from).

- The Containerfile is read: two stages, the compilers and gettext only in the first,
  static files collected there, an unprivileged user, the entry point.
- The compose file is loaded: two web nodes behind Caddy, two workers, PostgreSQL, the
  migrations first; no secret in it. The Caddyfile is validated by Caddy (Debian's).
- The systemd units pass `systemd-analyze verify` (paths pointed at this checkout).
- What the image runs, run here with the production settings through the entry point:
  the refusal without a key, `migrate`, `collectstatic` (on Vigie's own files: the DSFR's
  10 000 take minutes to compress), gunicorn (`web`) answering probes, HTTPS redirect,
  HSTS, a hashed static file, the API; the worker started and stopped by SIGTERM; `backup`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from django.db import connection

from tests.conftest import free_port
from tests.ops.multinode import request

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def stages() -> list[str]:
    text = (DEPLOY / "Containerfile").read_text()
    text = re.sub(r"\\\n", " ", text)  # continuation lines
    return re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]


def test_containerfile_two_stages_build_tools_left_behind_unprivileged() -> None:
    build, final = stages()
    assert build.startswith("${PYTHON_IMAGE} AS build")
    assert "build-essential" in build and "gettext" in build
    assert "msgfmt --check" in build
    assert "manage.py collectstatic --noinput" in build
    assert "pip install --no-deps -e ." in build
    runs = " ".join(line for line in final.splitlines() if line.startswith("RUN "))
    for tool in ("build-essential", "gcc", "gettext", "make ", "git", "-dev "):
        assert tool not in runs, tool
    assert "COPY --from=build /opt/vigie /opt/vigie" in final
    [user] = re.findall(r"^USER (\S+)", final, flags=re.MULTILINE)
    assert user.split(":")[0] not in ("0", "root")
    assert 'ENTRYPOINT ["/usr/bin/tini", "--", "/opt/vigie/app/deploy/entrypoint.sh"]' in final
    assert 'CMD ["web"]' in final
    # Nothing secret baked in: the build-time key is a placeholder used for collectstatic.
    assert not re.search(r"^ENV .*SECRET_KEY", final, flags=re.MULTILINE)


def test_compose_two_web_nodes_behind_caddy_two_workers_postgresql() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "web", "worker", "caddy"}
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["web"]["command"] == ["web"] and services["worker"]["command"] == ["worker"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
        assert services[name]["read_only"] is True and services[name]["cap_drop"] == ["ALL"]
        assert services[name]["env_file"] == ["vigie.env"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in services["caddy"]["volumes"]
    assert not any("8000" in port for port in services["caddy"]["ports"])
    text = (DEPLOY / "compose.yaml").read_text()
    assert "${POSTGRES_PASSWORD:?" in text
    assert not re.search(r"PASSWORD: [^$\s]", text)
    example = (DEPLOY / "vigie.env.example").read_text()
    assert re.search(r"^VIGIE_SECRET_KEY=$", example, flags=re.MULTILINE)
    # systemd reads "KEY=value # note" as the value: comments stay on their own lines.
    assert not re.search(r"^[A-Z_]+=[^\n]*[ \t]#", example, flags=re.MULTILINE)


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy not installed")
def test_caddyfile_is_valid() -> None:
    done = subprocess.run(
        ["caddy", "validate", "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")],
        env={**os.environ, "VIGIE_DOMAIN": "vigie.example.test", "HOME": "/tmp"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Valid configuration" in done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_units_verify(tmp_path: Path) -> None:
    units = sorted((DEPLOY / "systemd").iterdir())
    assert {unit.name for unit in units} == {
        "vigie-web.service",
        "vigie-worker.service",
        "vigie-migrate.service",
        "vigie-backup.service",
        "vigie-backup.timer",
    }
    for unit in units:
        text = unit.read_text().replace("/opt/vigie/app", str(ROOT))
        (tmp_path / unit.name).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    calendar = subprocess.run(
        ["systemd-analyze", "calendar", "*-*-* 02:30:00"], capture_output=True, text=True
    )
    assert calendar.returncode == 0
    for name in ("web", "worker"):
        text = (DEPLOY / "systemd" / f"vigie-{name}.service").read_text()
        assert "User=vigie" in text and "Restart=always" in text
        assert "ProtectSystem=strict" in text and "ReadWritePaths=/var/lib/vigie" in text


def database_url() -> str:
    params = connection.settings_dict
    return (
        f"postgres://{quote(params['USER'])}:{quote(params['PASSWORD'])}@{params['HOST']}:"
        f"{params['PORT']}/{params['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_the_image_commands_run_here_with_production_settings(tmp_path: Path) -> None:
    entrypoint = str(DEPLOY / "entrypoint.sh")
    port = free_port()
    home = tmp_path / "home"  # the service user's: /var/lib/vigie, shared by the web replicas
    home.mkdir()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("VIGIE_") and k != "XDG_RUNTIME_DIR"
        },
        "HOME": str(home),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        "DJANGO_SETTINGS_MODULE": "vigie.settings",
        "DATABASE_URL": database_url(),
        "VIGIE_VAR_DIR": str(tmp_path / "var"),
        "VIGIE_STATIC_ROOT": str(tmp_path / "static"),
        "VIGIE_MEDIA_ROOT": str(tmp_path / "var" / "media"),
        "VIGIE_BACKUP_DIR": str(tmp_path / "backups"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "VIGIE_BIND": f"127.0.0.1:{port}",
        "VIGIE_WEB_WORKERS": "2",
        "VIGIE_LOG_FORMAT": "json",
        "VIGIE_ALLOWED_HOSTS": "vigie.example.test,127.0.0.1",
        "VIGIE_SITE_URL": "https://vigie.example.test",
        "VIGIE_SSL_REDIRECT": "1",
        "VIGIE_HSTS_SECONDS": "31536000",
        "VIGIE_FORWARDED_ALLOW_IPS": "127.0.0.1",
    }

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [entrypoint, *args],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
        )

    refused = run("web")
    assert refused.returncode == 64 and "VIGIE_SECRET_KEY" in refused.stderr
    env["VIGIE_SECRET_KEY"] = "deploy-test-" + "s" * 60

    migrated = run("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "No migrations to apply" in migrated.stdout

    # The Containerfile's collectstatic (hashed names, compressed), on Vigie's own files.
    # (quick.css points into the DSFR's fonts and icons; `make run` collects everything.)
    ignored = ["dsfr", "django-dsfr", "drf_spectacular_sidecar", "admin", "rest_framework",
               "django_htmx", "quick.css"]  # fmt: skip
    collected = run(
        "manage", "collectstatic", "--noinput", "-v", "0", *(f"--ignore={i}" for i in ignored)
    )
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["vigie/vigie.css"]
    assert hashed != "vigie/vigie.css" and (tmp_path / "static" / f"{hashed}.gz").exists()
    # Readable by the web nodes' user, who is not the one who collected them (root in the
    # image's build stage, uid 10001 at run time): a manifest in 0600 stops every worker.
    unreadable = []
    for path in [tmp_path / "static", *(tmp_path / "static").rglob("*")]:
        needed = stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0)
        if path.stat().st_mode & needed != needed:
            unreadable.append(str(path.relative_to(tmp_path)))
    assert not unreadable, unreadable[:5]

    web = subprocess.Popen(
        [entrypoint, "web"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = request("GET", port, "/healthz")
                break
            except OSError:
                assert web.poll() is None and time.monotonic() < deadline, "gunicorn died"
                time.sleep(0.3)
        assert status == 200 and json.loads(body) == {"status": "ok"}
        # Readiness over plain HTTP by address (the load balancer's probe): the database
        # and the migrations are fine, no worker has a heartbeat yet.
        status, _, body = request("GET", port, "/readyz")
        checks = json.loads(body)["checks"]
        assert checks["database"] == "ok" and checks["migrations"] == "ok"
        # A browser over plain HTTP is sent to HTTPS.
        status, headers, _ = request("GET", port, "/", headers={"Host": "vigie.example.test"})
        assert status == 301 and headers["location"] == "https://vigie.example.test/"
        # Behind the proxy (X-Forwarded-Proto: https): HSTS, the API, a hashed static file.
        https = {"Host": "vigie.example.test", "X-Forwarded-Proto": "https"}
        status, headers, body = request(
            "GET", port, "/api/v1/declarations/SSI-2025-1", headers=https
        )
        assert status == 401 and "detail" in json.loads(body)
        assert headers["strict-transport-security"] == "max-age=31536000"
        status, headers, body = request("GET", port, f"/static/{hashed}", headers=https)
        assert status == 200 and b"{" in body
        assert "immutable" in headers["cache-control"]
        # The same header from anyone but the proxy (VIGIE_FORWARDED_ALLOW_IPS) is ignored:
        # plain HTTP is still sent to HTTPS, no HSTS over it.
        status, headers, _ = request("GET", port, "/", headers=https, source="127.0.0.2")
        assert status == 301 and headers["location"] == "https://vigie.example.test/"
        assert "strict-transport-security" not in headers
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        output = web.communicate(timeout=60)[0].decode(errors="replace")
    assert web.returncode == 0, output[-2000:]
    # No gunicorn control socket in the shared home: each node would replace the other's.
    assert not list(home.rglob("*")), list(home.rglob("*"))
    # JSON log lines, no access log with query strings.
    assert any(line.startswith("{") and '"vigie.request"' in line for line in output.splitlines())

    worker = subprocess.Popen(
        [entrypoint, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _workers():
            assert worker.poll() is None and time.monotonic() < deadline, "worker died"
            time.sleep(0.3)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        output = worker.communicate(timeout=60)[0].decode(errors="replace")
    assert worker.returncode == 0, output[-2000:]
    assert not _workers()  # it said goodbye

    backup = run("backup")
    assert backup.returncode == 0, backup.stderr
    assert list((tmp_path / "backups").glob("vigie-backup-*.tar"))


def _workers() -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM procrastinate_workers")
        return list(cursor.fetchall())
