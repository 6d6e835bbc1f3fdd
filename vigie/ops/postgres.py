"""The system PostgreSQL client tools (pg_dump, pg_restore), as scripts/pgcluster.py
finds the server's: PG_BINDIR, else the newest /usr/lib/postgresql/<version>/bin, else
PATH. pg_dump must be at least as new as the server it dumps."""

from __future__ import annotations

import glob
import os
import re
import shutil
from pathlib import Path
from typing import Any

from django.db import connections
from psycopg.conninfo import make_conninfo


class ToolMissing(RuntimeError):
    pass


def pg_tool(name: str) -> str:
    bindir = os.environ.get("PG_BINDIR")
    if bindir and (Path(bindir) / name).exists():
        return str(Path(bindir) / name)
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parents[1].name) if Path(p).parents[1].name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    found = shutil.which(name)
    if found:
        return found
    raise ToolMissing(f"{name} not found: install the PostgreSQL client (or set PG_BINDIR)")


def tool_major(path: str, output: str) -> int:
    """17 from 'pg_dump (PostgreSQL) 17.2 (Debian 17.2-1)'."""
    found = re.search(r"\)\s+(\d+)", output)
    if not found:
        raise ToolMissing(f"cannot read the version of {path}: {output!r}")
    return int(found[1])


def connection_for_tools(alias: str = "default") -> tuple[str, dict[str, str]]:
    """A libpq connection string for --dbname and the environment carrying the password
    (never on the command line, where `ps` would show it)."""
    params: dict[str, Any] = connections[alias].get_connection_params()
    password = params.pop("password", None)
    conninfo_params = {
        key: value
        for key, value in params.items()
        if key
        in {
            "dbname",
            "user",
            "host",
            "port",
            "sslmode",
            "sslrootcert",
            "sslcert",
            "sslkey",
            "connect_timeout",
            "options",
            "application_name",
        }
        and value not in (None, "")
    }
    env = {**os.environ, "PGCONNECT_TIMEOUT": os.environ.get("PGCONNECT_TIMEOUT", "10")}
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo(**conninfo_params), env
