"""What a case's tracking sheet attaches from the portal (registered with
``vigie.cases.documents`` when the app starts): the current version of a published reflex
sheet, proposed first by the case's incident type × the structure's type, in the order of
the reader's competence level (the instruction: "classées par type d'incident et adaptées
au niveau de compétence de l'interlocuteur ainsi qu'au type de structure"); and the
providers list as last published. The entry keeps that version, whatever comes after."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import F
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from vigie.cases.documents import Option
from vigie.cases.models import TrackingKind
from vigie.directory.models import StructureKind
from vigie.portal.models import (
    CompetenceLevel,
    DocumentKind,
    PublicationState,
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

        def rank(version: Revision) -> tuple[int, int, int, str]:
            sheet = version.sheet
            assert sheet is not None
            same_type = sheet.incident_type_id == (incident_type.pk if incident_type else None)
            kind_fit = sheet.structure_kind in ("", structure_kind)
            return (
                0 if same_type and kind_fit else 1,
                0 if sheet.structure_kind == structure_kind else 1,
                LEVELS.index(sheet.audience) if sheet.audience in LEVELS else len(LEVELS),
                sheet.title,
            )

        options = []
        for version in sorted(current_sheets(), key=rank):
            sheet = version.sheet
            assert sheet is not None
            parts = [sheet.title, sheet.get_audience_display()]
            parts.append(sheet.get_structure_kind_display() or _("every type of structure"))
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
        version = current_providers()
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
