"""What a case's tracking sheet attaches from the portal (registered with
``vigie.cases.documents`` when the app starts): the current version of a published reflex
sheet, proposed first by the case's incident type × the structure's type, in the order of
the reader's competence level (the instruction: "classées par type d'incident et adaptées
au niveau de compétence de l'interlocuteur ainsi qu'au type de structure"); and the
providers list as last published. The entry keeps that version, whatever comes after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import F
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from vigie.cases.documents import Option
from vigie.cases.models import TrackingKind
from vigie.core.sql import col
from vigie.directory.models import StructureKind
from vigie.portal.models import (
    CompetenceLevel,
    DocumentKind,
    PublicationState,
    ReflexSheet,
    Revision,
    RevisionState,
)

if TYPE_CHECKING:
    from vigie.cases.models import Case

LEVELS = list(CompetenceLevel.values)


def current_sheets() -> list[Revision]:
    """The version the public reads of each published reflex sheet."""
    return list(
        Revision.objects.filter(
            kind=DocumentKind.REFLEX_SHEET,
            state=RevisionState.PUBLISHED,
            sheet__state=PublicationState.PUBLISHED,
            number=F("sheet__version"),
        )
        .select_related("sheet__incident_type")
        .order_by("sheet__title")
    )


@dataclass(frozen=True)
class Offered:
    """What the tracking form shows of a version it offers (not its content)."""

    pk: int
    number: int | None
    published_at: datetime | None
    # The reflex sheet's (None for the providers list).
    title: str = ""
    audience: str = ""
    structure_kind: str = ""
    incident_type_id: int | None = None

    def get_audience_display(self) -> str:
        return _display(ReflexSheet, "audience", self.audience)

    def get_structure_kind_display(self) -> str:
        return _display(ReflexSheet, "structure_kind", self.structure_kind)


def _display(model: Any, name: str, value: str) -> str:
    # As Model.get_FOO_display: the choice's label, else the value itself.
    return str(dict(model._meta.get_field(name).flatchoices).get(value, value))


_OFFERED_SQL: str | None = None


def _offered_sql() -> str:
    """``current_sheets`` (by title) and ``current_providers`` in one fixed statement,
    without the versions' content: rows of (part, Offered's fields)."""
    global _OFFERED_SQL
    if _OFFERED_SQL is None:
        r, s = Revision._meta, ReflexSheet._meta
        fields = f"r.{col(r, 'id')}, r.{col(r, 'number')}, r.{col(r, 'published_at')}"
        _OFFERED_SQL = f"""
            SELECT * FROM (
                SELECT 0 AS part, {fields}, s.{col(s, "title")}, s.{col(s, "audience")},
                       s.{col(s, "structure_kind")}, s.{col(s, "incident_type")}
                  FROM "{r.db_table}" r
                  JOIN "{s.db_table}" s ON s.{col(s, "id")} = r.{col(r, "sheet")}
                 WHERE r.{col(r, "kind")} = %(sheet)s AND r.{col(r, "state")} = %(published)s
                   AND s.{col(s, "state")} = %(sheet_published)s
                   AND r.{col(r, "number")} = s.{col(s, "version")}
                UNION ALL
                (SELECT 1, {fields}, '', '', '', NULL
                   FROM "{r.db_table}" r
                  WHERE r.{col(r, "kind")} = %(providers)s AND r.{col(r, "state")} = %(published)s
                  ORDER BY r.{col(r, "number")} DESC LIMIT 1)
            ) offered
            ORDER BY part, title
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
    return _OFFERED_SQL


_MEMO = "_vigie_offered"


def offered(case: Case) -> tuple[list[Offered], Offered | None]:
    """The reflex sheets' current versions (by title) and the providers list's, for the
    tracking form of ``case``'s page: read once per case object for both sources."""
    memo = vars(case).get(_MEMO)
    if memo is None:
        with connection.cursor() as cursor:
            cursor.execute(
                _offered_sql(),
                {
                    "sheet": DocumentKind.REFLEX_SHEET.value,
                    "providers": DocumentKind.PROVIDERS.value,
                    "published": RevisionState.PUBLISHED.value,
                    "sheet_published": PublicationState.PUBLISHED.value,
                },
            )
            rows = cursor.fetchall()
        sheets = [Offered(*row[1:]) for row in rows if row[0] == 0]
        providers = next((Offered(*row[1:4]) for row in rows if row[0] == 1), None)
        memo = vars(case)[_MEMO] = (sheets, providers)
    return memo


class ReflexSheetSource:
    kind = TrackingKind.REFLEX_SHEET.value
    required = True
    prefix = "sheet:"

    def options(self, case: Case) -> list[Option]:
        incident_type = case.declaration.incident_type
        structure_kind = case.structure.kind
        fits = _("Proposed for this case (%(type)s, %(kind)s)") % {
            "type": incident_type or _("type not given"),
            "kind": StructureKind(structure_kind).label,
        }
        others = _("Other reflex sheets")

        def rank(version: Offered) -> tuple[int, int, int, str]:
            same_type = version.incident_type_id == (incident_type.pk if incident_type else None)
            kind_fit = version.structure_kind in ("", structure_kind)
            return (
                0 if same_type and kind_fit else 1,
                0 if version.structure_kind == structure_kind else 1,
                LEVELS.index(version.audience) if version.audience in LEVELS else len(LEVELS),
                version.title,
            )

        options = []
        for version in sorted(offered(case)[0], key=rank):
            parts = [version.title, version.get_audience_display()]
            parts.append(version.get_structure_kind_display() or _("every type of structure"))
            label = _("%(what)s (version %(n)s)") % {"what": " — ".join(parts), "n": version.number}
            options.append(
                Option(
                    f"{self.prefix}{version.pk}", label, fits if rank(version)[0] == 0 else others
                )
            )
        return options

    def resolve(self, case: Case, value: str) -> Revision | None:
        if not value.startswith(self.prefix):
            return None
        pk = value.removeprefix(self.prefix)
        return next((v for v in current_sheets() if str(v.pk) == pk), None)


def current_providers() -> Revision | None:
    return (
        Revision.objects.filter(kind=DocumentKind.PROVIDERS, state=RevisionState.PUBLISHED)
        .order_by("-number")
        .first()
    )


class ProvidersSource:
    kind = TrackingKind.PROVIDERS.value
    required = True
    prefix = "providers:"

    def options(self, case: Case) -> list[Option]:
        version = offered(case)[1]
        if version is None or version.published_at is None:
            return []
        label = _("Referenced providers list, version %(n)s of %(date)s") % {
            "n": version.number,
            "date": date_format(localtime(version.published_at), "SHORT_DATE_FORMAT"),
        }
        return [Option(f"{self.prefix}{version.pk}", label, _("Providers list"))]

    def resolve(self, case: Case, value: str) -> Revision | None:
        version = current_providers()
        if version is None:
            return None
        # Nothing chosen: the list sent is the one published now.
        if not value or value == f"{self.prefix}{version.pk}":
            return version
        return None
