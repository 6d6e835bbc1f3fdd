"""Django's database sessions (SESSION_ENGINE), read with one fixed statement.

Every signed-in request loads its session: the ORM compiled the same SELECT anew each
time, which cost more than the query itself. Same table, same expiry rule, same signed
data; sessions are written by Django's code unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

from vigie.core.backends import RENAMED
from vigie.core.sql import col

_LOAD_SQL: str | None = None


def _load_sql() -> str:
    global _LOAD_SQL
    if _LOAD_SQL is None:
        meta: Any = DatabaseSessionStore.get_model_class()._meta

        _LOAD_SQL = (
            f'SELECT {col(meta, "session_data")} FROM "{meta.db_table}" '  # noqa: S608 (identifiers from the model)
            f"WHERE {col(meta, 'session_key')} = %s AND {col(meta, 'expire_date')} > %s"
        )
    return _LOAD_SQL


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict[str, Any]:
        alias = router.db_for_read(self.model, instance=None)
        with connections[alias].cursor() as cursor:
            cursor.execute(_load_sql(), [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])

    def decode(self, session_data: bytes | str) -> dict[str, Any]:
        data: dict[str, Any] = super().decode(session_data)
        # Sessions opened before vigie/core/backends.py keep working.
        backend = data.get(BACKEND_SESSION_KEY)
        if backend in RENAMED:
            data[BACKEND_SESSION_KEY] = RENAMED[backend]
        return data
