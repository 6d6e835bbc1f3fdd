"""Fixed SQL statements written once from the models' metadata.

Where the ORM compiling a query on every request cost more than running it (issue 18),
the statement is written once, from the models' tables and columns, so that renaming a
field still renames it here."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, ProgrammingError, connections
from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]
from psycopg import ClientCursor


def col(meta: Any, name: str) -> str:
    """The quoted column of field ``name`` of the model whose ``_meta`` is ``meta``."""
    return f'"{meta.get_field(name).column}"'


class _Executed:
    """What Django's query log reads of a client-side cursor (``cursor._query.query``),
    for a statement bound on the server: its text with the values, written only when
    the log asks (DEBUG, tests counting statements)."""

    def __init__(self, connection: Any, query: Any, params: Any) -> None:
        self.connection, self.statement, self.params = connection, query, params

    @property
    def query(self) -> bytes:
        text = ClientCursor(self.connection).mogrify(self.statement, self.params)
        return text.encode()


class _PlannedCursor(ServerBindingCursor):
    """psycopg's server-side binding cursor, each statement prepared at its first run."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = query if isinstance(query, str) else str(query)
        if text.lstrip()[:6].lower() != "select" or "set_config('pghistory" in text:
            # One statement per prepared statement; pghistory prefixes any statement that
            # is not a SELECT with its context, which would make two.
            raise ProgrammingError("planned_cursor runs one SELECT statement")
        kwargs["prepare"] = True
        result = super().execute(query, params, **kwargs)
        # psycopg keeps no text of a statement bound on the server; Django's log reads it.
        self._query = _Executed(self.connection, query, params)
        return result


def planned_cursor(alias: str = DEFAULT_DB_ALIAS) -> Any:
    """A cursor whose statements PostgreSQL parses and plans once per connection.

    Django binds parameters on the client and sends each statement as text to be parsed
    and planned again; for the large fixed statements a page runs on every request (the
    case page's children, the statements of vigie/core/prepared.py) that planning cost
    PostgreSQL more than running them (the case's children: 4 ms against 0.6 ms once
    prepared). This cursor binds on the server and prepares each statement the first
    time the connection runs it (psycopg keeps the last 100 per connection; connections
    live CONN_MAX_AGE). It is Django's cursor wrapper all the same: the statements are
    counted, logged and wrapped as any other. Use it for reads whose SQL text is fixed
    and whose values are parameters, one statement starting with SELECT (a WITH would get
    pghistory's context prefixed inside a request: refused); a PgBouncer in transaction mode needs
    max_prepared_statements (PgBouncer 1.21 or later)."""
    connection = connections[alias]
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = _PlannedCursor(connection.connection)
        return connection._prepare_cursor(cursor)  # type: ignore[attr-defined]
