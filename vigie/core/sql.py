"""Fixed SQL statements written once from the models' metadata.

Where the ORM compiling a query on every request cost more than running it (issue 18),
the statement is written once, from the models' tables and columns, so that renaming a
field still renames it here."""

from __future__ import annotations

from typing import Any


def col(meta: Any, name: str) -> str:
    """The quoted column of field ``name`` of the model whose ``_meta`` is ``meta``."""
    return f'"{meta.get_field(name).column}"'
