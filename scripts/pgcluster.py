#!/usr/bin/env python3
"""A private PostgreSQL cluster built from the system's binaries (stdlib only).

    pgcluster.py start DIR        init (once) and start a cluster under DIR; prints
                                  `export DATABASE_URL=...` for the shell to eval
    pgcluster.py stop DIR         stop it
    pgcluster.py run -- CMD...    throwaway cluster in a temporary directory, CMD runs
                                  with DATABASE_URL set, the cluster is removed after

PostgreSQL refuses to run as root: when we are root the server runs as the `postgres`
system user and owns DIR. The cluster listens on 127.0.0.1 on a free port, with a random
password kept in DIR/password (mode 600).
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DB_USER = "vigie"
DB_NAME = "vigie"


def bindir() -> Path:
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    if candidates:
        return Path(candidates[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    sys.exit("PostgreSQL server binaries not found (install the postgresql package)")


def as_owner() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, **kwargs)  # type: ignore[call-overload]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def chown_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def init(base: Path, fast: bool) -> None:
    data = base / "data"
    if (data / "PG_VERSION").exists():
        return
    base.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    (base / "password").write_text(password)
    (base / "password").chmod(0o600)
    data.mkdir(mode=0o700, exist_ok=True)
    (base / "run").mkdir(exist_ok=True)
    pwfile = base / "pwfile"
    pwfile.write_text(password)
    for path in (data, base / "run", pwfile):
        chown_postgres(path)
    try:
        run(
            [
                *as_owner(),
                str(bindir() / "initdb"),
                "-D",
                str(data),
                "-U",
                DB_USER,
                "--pwfile",
                str(pwfile),
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            stdout=subprocess.DEVNULL,
        )
    finally:
        pwfile.unlink()
    settings = [
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{base / 'run'}'",
        "max_connections = 100",
        "shared_buffers = 128MB",
    ]
    if fast:
        # Throwaway test clusters trade durability for speed.
        settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
    with open(data / "postgresql.conf", "a") as conf:
        conf.write("\n# vigie\n" + "\n".join(settings) + "\n")


def is_running(base: Path) -> bool:
    result = subprocess.run(
        [*as_owner(), str(bindir() / "pg_ctl"), "status", "-D", str(base / "data")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return result.returncode == 0


def start(base: Path, fast: bool = False) -> str:
    base = base.resolve()
    init(base, fast)
    port_file = base / "port"
    if not is_running(base):
        port = int(port_file.read_text()) if port_file.exists() else 0
        if not port or port_in_use(port):
            port = free_port()
        port_file.write_text(str(port))
        log = base / "postgres.log"
        log.touch()
        chown_postgres(log)
        run(
            [
                *as_owner(),
                str(bindir() / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(base / "data"),
                "-l",
                str(log),
                "-o",
                f"-p {port}",
            ],
            stdout=subprocess.DEVNULL,
        )
    port = int(port_file.read_text())
    password = (base / "password").read_text().strip()
    ensure_database(port, password)
    return f"postgres://{DB_USER}:{password}@127.0.0.1:{port}/{DB_NAME}"


def ensure_database(port: int, password: str) -> None:
    env = {**os.environ, "PGPASSWORD": password}
    psql = [
        str(bindir() / "psql"),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-U",
        DB_USER,
        "-d",
        "postgres",
        "-tAq",
    ]
    for _ in range(50):
        probe = subprocess.run(
            [*psql, "-c", f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],  # noqa: S608 (constant)
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0:
            break
        time.sleep(0.2)
    else:
        sys.exit(f"PostgreSQL did not accept connections: {probe.stderr}")
    if probe.stdout.strip() != "1":
        run([*psql, "-c", f"CREATE DATABASE {DB_NAME}"], env=env, stdout=subprocess.DEVNULL)


def stop(base: Path) -> None:
    base = base.resolve()
    if (base / "data" / "PG_VERSION").exists() and is_running(base):
        run(
            [
                *as_owner(),
                str(bindir() / "pg_ctl"),
                "stop",
                "-D",
                str(base / "data"),
                "-m",
                "fast",
                "-w",
            ],
            stdout=subprocess.DEVNULL,
        )


def run_with_throwaway(cmd: list[str]) -> int:
    base = Path(tempfile.mkdtemp(prefix="vigie-pg-"))
    chown_postgres(base)
    try:
        url = start(base, fast=True)
        return subprocess.run(cmd, env={**os.environ, "DATABASE_URL": url}, check=False).returncode
    finally:
        try:
            stop(base)
        finally:
            shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "start":
        print(f"export DATABASE_URL='{start(Path(argv[1]))}'")
        return 0
    if len(argv) >= 2 and argv[0] == "stop":
        stop(Path(argv[1]))
        return 0
    if argv and argv[0] == "run":
        cmd = argv[2:] if len(argv) > 1 and argv[1] == "--" else argv[1:]
        return run_with_throwaway(cmd)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
