"""Reads of the API, always starting from what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from vigie.core.prepared import prepared, text_mark
from vigie.core.scoping import scope_for
from vigie.core.sql import col
from vigie.declarations.models import Declaration, DeclarationRecipient, IncidentType
from vigie.directory.models import Departement, Region, Structure


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
    its recipients are read apart, by recipient_rows. The scoped statement is compiled
    once per reader's scope (vigie/core/prepared.py); a reference no declaration can carry
    (a NUL, which PostgreSQL text refuses, or longer than the column) is not looked up."""
    value = reference.strip().upper()
    if not value or "\x00" in value or len(value) > REFERENCE_LENGTH:
        raise Http404(_("No such declaration, or not visible to this account."))

    def build() -> QuerySet[Declaration]:
        return (
            Declaration.objects.visible_to(user)
            .filter(reference=text_mark(0))
            .select_related("structure")
            .only(*OUTPUT_FIELDS)
        )

    found = prepared(("api.declaration_by_reference", scope_for(user)), build).rows(value)
    if len(found) != 1:  # the reference is unique: none, or not visible
        raise Http404(_("No such declaration, or not visible to this account."))
    return found[0]


REFERENCE_LENGTH = Declaration._meta.get_field("reference").max_length or 0


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


_FILING_SQL: tuple[str, list[list[str]]] | None = None
_FILED_MODELS = (Structure, Departement, Region, IncidentType)


def structure_and_incident_type(
    finess: str, code: str | None
) -> tuple[Structure | None, IncidentType | None]:
    """What a filing names, read in one fixed statement: the active structure whose
    FINESS number is ``finess``, with its département and region (what
    ``Structure.objects.filter(finess=..., is_active=True).select_related(
    "departement__region").first()`` gives; the number is unique), and the active
    incident type of ``code`` (None when there is none, or ``code`` is None). Compiled
    by the ORM, the two reads cost more than the rest of the validation."""
    global _FILING_SQL
    if _FILING_SQL is None:
        structure, departement, region, kind = (model._meta for model in _FILED_MODELS)
        aliases = ("s", "d", "r", "t")
        columns = ", ".join(
            f'{alias}."{field.column}"'
            for alias, meta in zip(aliases, (structure, departement, region, kind), strict=True)
            for field in meta.concrete_fields
        )
        sql = f"""
            SELECT {columns}
              FROM (SELECT 1) AS one
              LEFT JOIN ("{structure.db_table}" s
                         JOIN "{departement.db_table}" d
                           ON d.{col(departement, "id")} = s.{col(structure, "departement")}
                         JOIN "{region.db_table}" r
                           ON r.{col(region, "id")} = d.{col(departement, "region")})
                ON s.{col(structure, "finess")} = %(finess)s AND s.{col(structure, "is_active")}
              LEFT JOIN "{kind.db_table}" t
                ON t.{col(kind, "code")} = %(code)s AND t.{col(kind, "is_active")}
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
        names = [[f.attname for f in model._meta.concrete_fields] for model in _FILED_MODELS]
        _FILING_SQL = (sql, names)
    sql, names = _FILING_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, {"finess": finess, "code": code})
        row = cursor.fetchone()
    objects: list[Any] = []
    start = 0
    for model, attnames in zip(_FILED_MODELS, names, strict=True):
        values = row[start : start + len(attnames)]
        start += len(attnames)
        # The primary key is NULL when the outer join found nothing.
        found_pk = values[attnames.index(model._meta.pk.attname)]
        objects.append(
            None if found_pk is None else model.from_db(connection.alias, attnames, values)
        )
    found, departement_, region_, incident_type = objects
    if found is not None:
        departement_.region = region_
        found.departement = departement_
    return found, incident_type
