"""A small Vigie site on loopback for the multi-node tests: its own PostgreSQL cluster
(scripts/pgcluster.py, durable settings), gunicorn nodes and `manage.py worker`
processes, a local SMTP server (aiosmtpd), and clients that file declarations through
the API and the quick web form, failing over from one node to the other as a load
balancer would."""

from __future__ import annotations

import asyncio
import http.client
import importlib.util
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import psycopg
from aiosmtpd.controller import Controller

from tests.api.conftest import payload
from tests.conftest import free_port
from vigie.notifications.tasks import outbox_message_id
from vigie.ops.postgres import connection_for_tools, pg_tool

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def pgcluster() -> Any:
    spec = importlib.util.spec_from_file_location("pgcluster", ROOT / "scripts" / "pgcluster.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class SlowMailbox:
    """An SMTP server's mailbox that takes ``delay`` seconds per message (a real relay
    is not instant), so that a worker killed mid-burst is killed while sending."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.message_ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.message_ids.append(str(message["Message-ID"]))
        return "250 Message accepted for delivery"


@dataclass
class Outcomes:
    """What the clients saw."""

    api_accepted: dict[str, str] = field(default_factory=dict)  # external_id -> reference
    web_accepted: dict[str, int] = field(default_factory=dict)  # token -> declaration pk
    web_unknown: list[str] = field(default_factory=list)  # no answer, or 503: not confirmed
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # a client's assertion that failed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, what: str) -> None:
        with self.lock:
            self.statuses[what] += 1

    @property
    def accepted(self) -> int:
        return len(self.api_accepted) + len(self.web_accepted)


class Site:
    def __init__(self, smtp_delay: float = 0.05) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="vigie-multinode-"))
        self.pg = pgcluster()
        self.pg_base = self.base / "pg"
        self.pg_base.mkdir()
        self.pg.chown_postgres(self.base)
        self.pg.chown_postgres(self.pg_base)
        self.mailbox = SlowMailbox(smtp_delay)
        self.smtp_port = free_port()
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=self.smtp_port)
        self.nodes: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.worker_ids: dict[str, int] = {}
        self.seed: dict[str, Any] = {}
        self.url = ""

    # --- set-up ---------------------------------------------------------------------------

    def start(self) -> None:
        """A durable cluster (fsync on: a restart must lose nothing) holding a copy of the
        test database (migrated, reference data), then the people and tokens."""
        self.url = self.pg.start(self.pg_base, fast=False)
        conninfo, env = connection_for_tools()
        dump = self.base / "site.dump"
        subprocess.run(
            [pg_tool("pg_dump"), "--format=custom", f"--file={dump}", f"--dbname={conninfo}"],
            env=env,
            check=True,
        )
        subprocess.run(
            [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
             f"--dbname={self.url}", str(dump)],
            check=True,
        )  # fmt: skip
        self.smtp.start()
        script = (ROOT / "tests" / "ops" / "multinode_seed.py").read_text()
        seeded = self.manage(["shell", "-v", "0", "-c", script])
        self.seed = json.loads(seeded.stdout.strip().splitlines()[-1])

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "tests.node_settings",
            "DATABASE_URL": self.url,
            "VIGIE_VAR_DIR": str(self.base / "var"),
            "VIGIE_SECRET_KEY": "multinode-" + "k" * 50,
            "VIGIE_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "VIGIE_SECURE_COOKIES": "0",
            "VIGIE_DEBUG": "0",
            "VIGIE_EMAIL_HOST": "127.0.0.1",
            "VIGIE_EMAIL_PORT": str(self.smtp_port),
            "VIGIE_EMAIL_RETRY_SECONDS": "1",
            "VIGIE_LOG_FORMAT": "json",
            "VIGIE_LOG_LEVEL": "WARNING",
            "VIGIE_WORKER_HEARTBEAT_SECONDS": "1",
            "VIGIE_STALLED_JOB_SECONDS": "5",
            "VIGIE_HOUSEKEEPING_SECONDS": "2",
            "VIGIE_EMAIL_SWEEP_SECONDS": "5",
            "VIGIE_API_SUBMIT_RATE": "100000/min",
            "VIGIE_API_USER_RATE": "100000/min",
            "VIGIE_DB_CONNECT_TIMEOUT": "2",
        }

    def manage(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, connect_timeout=5) as conn:
            return list(conn.execute(query, params).fetchall())  # type: ignore[arg-type]

    def start_node(self, name: str, workers: int = 2) -> None:
        port = free_port()
        metrics = self.base / f"prometheus-{name}"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir()
        log = (self.base / f"node-{name}.log").open("ab")
        process = subprocess.Popen(
            [str(Path(PY).parent / "gunicorn"), "vigie.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "30"],
            cwd=ROOT, env={**self.env(), "PROMETHEUS_MULTIPROC_DIR": str(metrics)},
            stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        self.nodes[name] = (process, port)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request("GET", port, "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"node {name} did not start: " + self.log(f"node-{name}"))

    def start_worker(self, name: str) -> None:
        before = {row[0] for row in self.sql("SELECT id FROM procrastinate_workers")}
        log = (self.base / f"worker-{name}.log").open("ab")
        self.workers[name] = subprocess.Popen(
            [PY, "manage.py", "worker"], cwd=ROOT, env=self.env(), stdout=log, stderr=log,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            new = {row[0] for row in self.sql("SELECT id FROM procrastinate_workers")} - before
            if new:
                self.worker_ids[name] = max(new)
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker {name} did not register: " + self.log(f"worker-{name}"))

    def log(self, name: str) -> str:
        path = self.base / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the process and every process it started (gunicorn's workers)."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in [*(p for p, _ in self.nodes.values()), *self.workers.values()]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*(p for p, _ in self.nodes.values()), *self.workers.values()]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.nodes.clear()
        self.workers.clear()

    def restart_database(self, mode: str = "fast", down_seconds: float = 3.0) -> None:
        """Stop PostgreSQL (``fast``: sessions ended, a checkpoint; ``immediate``: like a
        crash, recovery from the WAL at start), leave it down a while, start it again."""
        pg_ctl = str(self.pg.bindir() / "pg_ctl")
        data = str(self.pg_base / "data")
        owner = self.pg.as_owner()
        subprocess.run([*owner, pg_ctl, "stop", "-D", data, "-m", mode, "-w"], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        time.sleep(down_seconds)
        self.pg.start(self.pg_base)

    def close(self) -> None:
        self.stop_all()
        self.smtp.stop()
        try:
            self.pg.stop(self.pg_base)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    # --- what happened ----------------------------------------------------------------------

    def outbox(self) -> list[tuple[str, str, str]]:
        """(status, Message-ID, topic) of every outbox row."""
        rows = self.sql("SELECT id, created_at, status, topic FROM notifications_outgoingemail")
        return [(status, message_id(pk, created), topic) for pk, created, status, topic in rows]

    def drained(self, *, jobs: list[int]) -> bool:
        pending = self.sql(
            "SELECT count(*) FROM notifications_outgoingemail WHERE status <> 'sent'"
        )[0][0]
        unfinished = self.sql(
            "SELECT count(*) FROM procrastinate_jobs WHERE id = ANY(%s) AND status <> 'succeeded'",
            jobs,
        )[0][0]
        return pending == 0 and unfinished == 0


def message_id(pk: int, created: datetime) -> str:
    """The Message-ID the worker gave the outbox row (created_at in UTC, as Django reads it)."""
    row: Any = SimpleNamespace(pk=pk, created_at=created.astimezone(UTC))
    return outbox_message_id(row)


# --- HTTP clients ---------------------------------------------------------------------------


def request(
    method: str, port: int, path: str, *, body: bytes | None = None,
    headers: dict[str, str] | None = None, timeout: float = 20, source: str | None = None,
) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    """``source``: the client's address (any 127.x.y.z on Linux's loopback)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def api_payload(finess: str, external_id: str) -> bytes:
    return json.dumps(
        payload(
            structure_finess=finess,
            external_id=external_id,
            description=f"Chiffrement des serveurs ({external_id}).",
        )
    ).encode()


class Burst:
    """Clients filing ``api`` declarations through the API and ``web`` through the quick
    form, on the nodes in turn; an API client goes to the other node after a refused
    connection, a 502 or a 503, with the same external_id, until it gets its answer."""

    def __init__(self, site: Site, *, api: int, web: int, threads: int = 4, tag: str = "") -> None:
        self.site = site
        self.api_count, self.total = api, api + web
        self.tag = tag or secrets.token_hex(3)
        self.outcomes = Outcomes()
        items = [("api", i) for i in range(api)] + [("web", i) for i in range(web)]
        items.sort(key=lambda item: item[1])  # interleaved
        self.queue = iter(items)
        self.queue_lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]
        self.turn = itertools.count()

    def ports(self) -> list[int]:
        first = next(self.turn)
        ports = [port for _, port in self.site.nodes.values()]
        return ports[first % len(ports) :] + ports[: first % len(ports)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self, timeout: float = 240) -> None:
        for thread in self.threads:
            thread.join(timeout)
        assert not any(thread.is_alive() for thread in self.threads), "clients still running"

    def run(self) -> None:
        while True:
            with self.queue_lock:
                item = next(self.queue, None)
            if item is None:
                return
            kind, number = item
            try:
                if kind == "api":
                    self.api(f"burst-{self.tag}-{number}")
                else:
                    self.web(f"web-{self.tag}-{number}", number)
            except Exception as exc:  # reported by the test, not lost in a thread
                with self.outcomes.lock:
                    self.outcomes.errors.append(f"{kind} {number}: {exc!r}"[:500])

    def api(self, external_id: str) -> None:
        body = api_payload(self.site.seed["api_finess"], external_id)
        headers = {
            "Authorization": f"Bearer {self.site.seed['api_key']}",
            "Content-Type": "application/json",
        }
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for port in self.ports():
                try:
                    status, _, content = request(
                        "POST", port, "/api/v1/declarations", body=body, headers=headers
                    )
                except OSError as exc:
                    self.outcomes.saw(f"api {type(exc).__name__}")
                    continue
                self.outcomes.saw(f"api {status}")
                if status in (200, 201):
                    reference = json.loads(content)["reference"]
                    with self.outcomes.lock:
                        self.outcomes.api_accepted[external_id] = reference
                    return
                assert status in (502, 503), (status, content[:500])
                if status == 503:
                    assert json.loads(content)["detail"].startswith("Vigie est")
            time.sleep(0.5)
        raise AssertionError(f"{external_id}: no node accepted it in 120 s")

    def web(self, token: str, number: int) -> None:
        """GET the form (another node if one does not answer), then POST it once: a
        person who sees an error does not know whether it was recorded."""
        session = self.site.seed["sessions"][number % len(self.site.seed["sessions"])]
        cookie = f"vigie_session={session}"
        for port in self.ports():
            try:
                status, headers, content = request(
                    "GET", port, "/declarations/rapide/", headers={"Cookie": cookie}
                )
            except OSError as exc:
                self.outcomes.saw(f"web GET {type(exc).__name__}")
                continue
            self.outcomes.saw(f"web GET {status}")
            if status == 200:
                break
            assert status == 503, (status, content[:300])
        else:
            with self.outcomes.lock:
                self.outcomes.web_unknown.append(token)  # never sent
            return
        csrf_cookie = re.search(r"vigie_csrftoken=([^;]+)", headers.get("set-cookie", ""))
        csrf_field = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        assert csrf_cookie and csrf_field
        form = {
            "csrfmiddlewaretoken": csrf_field[1].decode(),
            "structure": self.site.seed["web_structure"],
            "declarant_name": "Paul Durand",
            "declarant_phone": "06 12 34 56 78",
            "incident_type": self.site.seed["incident_type"],
            "description": f"Messagerie compromise ({token})",
            "care_impact": "none",
            "urgent_help": "0",
        }
        try:
            status, headers, content = request(
                "POST", port, "/declarations/rapide/", body=urlencode(form).encode(),
                headers={"Cookie": f"{cookie}; vigie_csrftoken={csrf_cookie[1]}",
                         "Content-Type": "application/x-www-form-urlencoded"},
            )  # fmt: skip
        except OSError as exc:
            self.outcomes.saw(f"web POST {type(exc).__name__}")
            with self.outcomes.lock:
                self.outcomes.web_unknown.append(token)
            return
        self.outcomes.saw(f"web POST {status}")
        if status == 302:
            found = re.fullmatch(r"/declarations/(\d+)/transmise/", headers["location"])
            assert found, headers["location"]
            with self.outcomes.lock:
                self.outcomes.web_accepted[token] = int(found[1])
            return
        assert status == 503 and "Service momentanément indisponible" in content.decode()
        with self.outcomes.lock:
            self.outcomes.web_unknown.append(token)
