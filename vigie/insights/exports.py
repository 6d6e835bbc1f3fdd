"""Exports of what the user may see: the case list (CSV, spreadsheet), the statistics and
a case report (PDF), and indicators as a STIX 2.1 bundle carrying their TLP 2.0 marking."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from vigie.cases.models import Case
from vigie.core.durations import duration_text
from vigie.core.scoping import scope_for
from vigie.core.spreadsheets import format_dates, wall_clock
from vigie.core.timezones import zone_label
from vigie.directory.models import Region
from vigie.insights.indicators import stix_pattern
from vigie.insights.models import Indicator, IndicatorKind
from vigie.insights.stats import PARIS

# --- the case list ---------------------------------------------------------------------


def export_zone(user: Any, region: Region | None) -> ZoneInfo:
    """The one time zone of an export's times: that of the region filtered on, or of the
    ARS officer's regions when they share one (La Réunion's reads La Réunion time), else
    Paris time. One zone for a whole column, so that it sorts; its header names it."""
    if region is not None:
        regions = [region]
    else:
        scope = scope_for(user)
        national = scope.has("acss_analyst", "hfds")
        regions = [] if national else list(Region.objects.filter(pk__in=scope.ars_region_ids))
    zones = {r.timezone or PARIS.key for r in regions}
    return ZoneInfo(zones.pop()) if len(zones) == 1 else PARIS


def case_rows(
    cases: QuerySet[Case], *, zone: ZoneInfo = PARIS
) -> tuple[list[str], Iterable[list[Any]]]:
    """The header and rows of the case list; times are wall-clock datetimes in ``zone``."""
    in_zone = zone_label(zone)
    header = [
        _("Reference"),
        _("Structure"),
        _("FINESS"),
        _("Region"),
        _("Structure type"),
        _("Incident type"),
        _("Malicious origin"),
        _("Status"),
        _("Criticity"),
        *(
            f"{column} ({in_zone})"
            for column in (
                _("Detected at"),
                _("Declared at"),
                _("Acknowledged at"),
                _("Qualified at"),
                _("Closed at"),
            )
        ),
        _("Weekly update overdue"),
    ]
    qs = cases.select_related(
        "structure__departement__region", "declaration__incident_type"
    ).order_by("opened_at", "pk")

    def rows() -> Iterable[list[Any]]:
        for case in qs.iterator(chunk_size=500):
            declaration = case.declaration
            yield [
                case.reference,
                case.structure.name,
                case.structure.finess,
                case.structure.departement.region.name,
                case.structure.get_kind_display(),
                declaration.incident_type.label if declaration.incident_type else "",
                declaration.get_malicious_display() if declaration.malicious else "",
                case.get_status_display(),
                case.get_criticity_display() if case.criticity else "",
                wall_clock(declaration.detected_at, zone),
                wall_clock(declaration.submitted_at, zone),
                wall_clock(case.opened_at, zone),
                wall_clock(case.qualified_at, zone),
                wall_clock(case.closed_at, zone),
                _("yes") if case.is_overdue else _("no"),
            ]

    return header, rows()


def _safe_cell(value: Any) -> Any:
    """Spreadsheet formula injection: text starting with = + - @ is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_cell(value: Any) -> Any:
    # What a French spreadsheet reads as a date and time when it opens the file.
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return _safe_cell(value)


def cases_csv(cases: QuerySet[Case], *, zone: ZoneInfo = PARIS) -> str:
    header, rows = case_rows(cases, zone=zone)
    out = io.StringIO()
    # A BOM and semicolons: what a French spreadsheet opens correctly.
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return out.getvalue()


def cases_xlsx(cases: QuerySet[Case], *, zone: ZoneInfo = PARIS) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    header, rows = case_rows(cases, zone=zone)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Cases")[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(title) for title in header]
    for row in rows:
        sheet.append([_safe_cell(value) for value in row])
        for index, value in enumerate(row):
            if isinstance(value, str):
                widths[index] = max(widths[index], len(value))
    format_dates(sheet)
    for index, width in enumerate(widths, start=1):
        # Wide enough for "23/11/2026 05:10" and the longest text, up to a limit.
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 16), 45) + 2
    sheet.auto_filter.ref = sheet.dimensions
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the case report -------------------------------------------------------------------


def case_pdf(context: dict[str, Any]) -> bytes:
    import weasyprint

    html = render_to_string("insights/case_report_pdf.html", context)
    return bytes(weasyprint.HTML(string=html).write_pdf())


# --- the statistics ----------------------------------------------------------------------


def long_date(day: date | None) -> str:
    """A date in words ("1er décembre 2026": French writes the first of the month so)."""
    if day is None:
        return ""
    text = str(date_format(day, "j F Y"))
    if day.day == 1 and get_language().startswith("fr"):
        text = "1er" + text[1:]
    return text


def _shares(rows: list[dict[str, Any]], total: int) -> list[dict[str, Any]]:
    """Each row with its share of the total (percent) and the length of its bar."""
    top = max((row["n"] for row in rows), default=0) or 1
    return [
        {
            **row,
            "share": 100 * row["n"] / total if total else None,
            "bar": round(100 * row["n"] / top, 1),
        }
        for row in rows
    ]


def statistics_context(figures: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's figures laid out for the PDF: shares and delays."""
    total = figures["totals"]["total"]
    return {
        "totals": figures["totals"],
        "tables": [
            {
                "title": _("By incident type"),
                "head": _("Incident type"),
                "rows": _shares(figures["by_type"], total),
            },
            {
                "title": _("By region"),
                "head": _("Region"),
                "rows": _shares(figures["by_region"], total),
            },
            {
                "title": _("By structure type"),
                "head": _("Structure type"),
                "rows": _shares(figures["by_kind"], total),
            },
            {
                "title": _("By month"),
                "head": _("Month"),
                "rows": _shares(figures["by_month"], total),
            },
        ],
        "delays": [
            {
                **phase,
                "median_display": duration_text(phase["median"]),
                "p90_display": duration_text(phase["p90"]),
            }
            for phase in figures["delays"]
        ],
    }


def statistics_pdf(context: dict[str, Any]) -> bytes:
    import weasyprint

    html = render_to_string("insights/statistics_pdf.html", context)
    return bytes(weasyprint.HTML(string=html).write_pdf())


# --- STIX 2.1 --------------------------------------------------------------------------

# TLP 2.0 marking definitions as published by the OASIS CTI TC (cti-stix-common-objects,
# extension-definition-specifications/tlp-2.0): fixed ids and creation date. The stix2
# package only predefines the TLP 1.0 markings.
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2 = {
    "clear": ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR", "clear"),
    "green": ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN", "green"),
    "amber": ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER", "amber"),
    "amber_strict": (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "TLP:AMBER+STRICT",
        "amber+strict",
    ),
    "red": ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED", "red"),
}
TLP_ORDER = ["clear", "green", "amber", "amber_strict", "red"]


def tlp_marking(tlp: str) -> Any:
    import stix2

    marking_id, name, level = TLP2[tlp]
    return stix2.v21.MarkingDefinition(
        id=marking_id,
        created=TLP2_CREATED,
        name=name,
        extensions={TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    )


def stix_bundle(indicators: Iterable[Indicator], *, description: str = "") -> str:
    """A STIX 2.1 bundle: one object per indicator, each marked with its TLP 2.0 marking;
    the marking definitions travel in the bundle (a consumer has none of them built in)."""
    import stix2

    objects: list[Any] = []
    used: set[str] = set()
    for indicator in indicators:
        marking = TLP2[indicator.tlp][0]
        used.add(indicator.tlp)
        common: dict[str, Any] = {
            "object_marking_refs": [marking],
            "created": indicator.added_at,
            "modified": indicator.added_at,
        }
        pattern = stix_pattern(indicator.kind, indicator.normalised)
        label = f"{indicator.case.reference} — {indicator.get_kind_display()}"
        if pattern is not None:
            objects.append(
                stix2.v21.Indicator(
                    name=label,
                    description=indicator.comment or description,
                    pattern=pattern,
                    pattern_type="stix",
                    valid_from=indicator.added_at,
                    indicator_types=["malicious-activity"],
                    **common,
                )
            )
        elif indicator.kind == IndicatorKind.CVE:
            objects.append(
                stix2.v21.Vulnerability(
                    name=indicator.normalised,
                    description=indicator.comment or description,
                    external_references=[
                        {"source_name": "cve", "external_id": indicator.normalised}
                    ],
                    **common,
                )
            )
        elif indicator.kind == IndicatorKind.SOFTWARE:
            objects.append(stix2.v21.Software(name=indicator.value, object_marking_refs=[marking]))
        else:  # vendor
            objects.append(
                stix2.v21.Identity(name=indicator.value, identity_class="organization", **common)
            )
    markings = [tlp_marking(tlp) for tlp in TLP_ORDER if tlp in used]
    bundle = stix2.v21.Bundle(objects=markings + objects, allow_custom=False)
    return str(bundle.serialize(pretty=True))


def stix_parse(text: str) -> Any:
    """Parse a bundle as a consumer would (used by tests and to check our own output)."""
    import stix2

    return stix2.parse(json.loads(text), allow_custom=True, version="2.1")
