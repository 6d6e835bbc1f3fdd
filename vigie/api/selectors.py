"""Reads of the API, always starting from what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.shortcuts import get_object_or_404

from vigie.core.sql import col
from vigie.declarations.models import Declaration, DeclarationRecipient
from vigie.directory.models import Region


def declaration_with_recipients(declaration: Declaration) -> Declaration:
    """Reload with what the output needs (structure, recipients and their regions)."""
    return (
        Declaration.objects.select_related("structure")
        .prefetch_related(_recipients())
        .get(pk=declaration.pk)
    )


def declaration_by_reference(*, user: Any, reference: str) -> Declaration:
    """A submitted declaration ``user`` may read; 404 otherwise (not 403: no oracle).

    Only the fields the API's output shows are loaded (api.serializers.declaration_output;
    compiling and loading the declaration's hundred columns cost more than the query) and
    its recipients are read apart, by recipient_rows."""
    queryset = Declaration.objects.visible_to(user).select_related("structure").only(*OUTPUT_FIELDS)
    return get_object_or_404(queryset, reference=reference.strip().upper())


# What api.serializers.declaration_output reads of a declaration.
OUTPUT_FIELDS = ("reference", "status", "submitted_at", "external_id", "structure__finess")


RecipientRow = tuple[str, str | None, list[str], bool]
_RECIPIENTS_SQL: str | None = None


def recipient_rows(declaration: Declaration) -> list[RecipientRow]:
    """(kind, the ARS name of its region or None, reasons, notice_only) of each recipient
    of ``declaration``, a declaration the caller was allowed to read, in order. One fixed
    statement, written once from the models: the ORM prefetch compiled it on every call."""
    global _RECIPIENTS_SQL
    if _RECIPIENTS_SQL is None:
        recipient, region = DeclarationRecipient._meta, Region._meta

        _RECIPIENTS_SQL = f"""
            SELECT r.{col(recipient, "kind")}, g.{col(region, "ars_name")},
                   r.{col(recipient, "reasons")}, r.{col(recipient, "notice_only")}
              FROM "{recipient.db_table}" r
              LEFT JOIN "{region.db_table}" g
                ON g.{col(region, "id")} = r.{col(recipient, "region")}
             WHERE r.{col(recipient, "declaration")} = %s
             ORDER BY r.{col(recipient, "id")}
        """  # noqa: S608 (identifiers from the models' metadata; the value is bound)
    with connection.cursor() as cursor:
        cursor.execute(_RECIPIENTS_SQL, [declaration.pk])
        return [tuple(row) for row in cursor.fetchall()]


def _recipients() -> Any:
    from django.db.models import Prefetch

    return Prefetch(
        "recipients", queryset=DeclarationRecipient.objects.select_related("region").order_by("pk")
    )
