"""Exports carry only what the user may see; STIX carries TLP 2.0; public counts under 5
are never shown."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import client_for
from vigie.declarations.models import IncidentType
from vigie.insights.exports import TLP2, stix_parse
from vigie.insights.services import indicator_add

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def spread(world: Any, dated_case: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "lyon": dated_case(world.lyon, world.declarant_lyon, detected=now - DAY),
        "lab": dated_case(world.lyon_lab, world.declarant_lyon_lab, detected=now - DAY),
        "paris": dated_case(world.paris, world.director_paris, detected=now - DAY),
        "reunion": dated_case(world.reunion, world.declarant_reunion, detected=now - DAY),
    }


def test_ars_csv_has_only_its_region(world: Any, spread: dict[str, Any]) -> None:
    response = client_for(world.ars_ara).get("/statistiques/export.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    references = sorted(row[0] for row in rows[1:])
    assert references == sorted([spread["lyon"].reference, spread["lab"].reference])
    national = client_for(world.acss).get("/statistiques/export.csv").content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(national), delimiter=";"))) == 5


def test_xlsx_same_rows_and_filters(world: Any, spread: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    response = client_for(world.ars_idf).get("/statistiques/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        spread["paris"].reference
    ]
    # Same filters as the statistics: a period with nothing in it exports nothing.
    empty = client_for(world.acss).get("/statistiques/export.xlsx?start=2001-01-01&end=2001-12-31")
    assert load_workbook(io.BytesIO(empty.content)).active.max_row == 1
    assert client_for(world.declarant_lyon).get("/statistiques/export.csv").status_code == 403


def test_spreadsheet_dates_are_dates_in_a_named_time_zone(
    world: Any, spread: dict[str, Any]
) -> None:
    """A spreadsheet sorts and filters the dates: real date cells shown the French way,
    every time in one zone that the header names."""
    from openpyxl import load_workbook

    def detected(user: Any, **query: Any) -> tuple[str, Any, str]:
        response = client_for(user).get("/statistiques/export.xlsx", query)
        sheet = load_workbook(io.BytesIO(response.content)).active
        header = [cell.value for cell in sheet[1]]
        column = header.index(next(h for h in header if h.startswith("Détecté le")))
        cell = sheet.cell(row=2, column=column + 1)
        assert sheet.auto_filter.ref == sheet.dimensions
        return header[column], cell.value, cell.number_format

    case = spread["paris"]
    title, value, number_format = detected(world.ars_idf)
    assert title == "Détecté le (heure de Paris)"
    assert isinstance(value, datetime)
    paris = timezone.localtime(case.declaration.detected_at, ZoneInfo("Europe/Paris"))
    assert value == paris.replace(tzinfo=None, microsecond=0)
    assert number_format == "dd/mm/yyyy hh:mm"
    # La Réunion's ARS reads its structures' times on their own clocks.
    title, value, _format = detected(world.ars_reunion)
    assert title == "Détecté le (heure de La Réunion)"
    reunion = spread["reunion"].declaration.detected_at.astimezone(ZoneInfo("Indian/Reunion"))
    assert value == reunion.replace(tzinfo=None, microsecond=0)
    # The cell, nationally: one zone for every row, Paris.
    response = client_for(world.acss).get("/statistiques/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=1, column=10).value == "Détecté le (heure de Paris)"
    assert all(isinstance(row[9], datetime) for row in sheet.iter_rows(min_row=2, values_only=True))
    # The CSV writes them as a French spreadsheet reads them.
    text = client_for(world.ars_reunion).get("/statistiques/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][9] == "Détecté le (heure de La Réunion)"
    assert rows[1][9] == reunion.strftime("%d/%m/%Y %H:%M")


def test_stix_bundle_parses_and_carries_tlp(world: Any, spread: dict[str, Any]) -> None:
    case = spread["lyon"]
    indicator_add(case=case, by=world.acss, kind="ip", value="203.0.113.7", tlp="amber_strict")
    indicator_add(case=case, by=world.acss, kind="hash", value="A" * 64, tlp="red")
    indicator_add(case=case, by=world.acss, kind="cve", value="CVE-2024-3400", tlp="clear")
    response = client_for(world.acss).get(f"/dossiers/{case.pk}/indicateurs/stix.json")
    assert response.status_code == 200
    bundle = stix_parse(response.content.decode())
    by_type: dict[str, list[Any]] = {}
    for obj in bundle.objects:
        by_type.setdefault(obj.type, []).append(obj)
    markings = {m.id: m for m in by_type["marking-definition"]}
    assert set(markings) == {TLP2[t][0] for t in ("amber_strict", "red", "clear")}
    assert markings["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"].name == (
        "TLP:AMBER+STRICT"
    )
    raw = json.loads(response.content)
    strict = next(o for o in raw["objects"] if o["id"] == TLP2["amber_strict"][0])
    assert (
        strict["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"][
            "tlp_2_0"
        ]
        == "amber+strict"
    )
    patterns = {i.pattern: i.object_marking_refs for i in by_type["indicator"]}
    assert patterns["[ipv4-addr:value = '203.0.113.7']"] == [TLP2["amber_strict"][0]]
    assert patterns["[file:hashes.'SHA-256' = '" + "a" * 64 + "']"] == [TLP2["red"][0]]
    assert by_type["vulnerability"][0].object_marking_refs == [TLP2["clear"][0]]
    # Somebody who cannot see the case gets nothing.
    assert (
        client_for(world.ars_idf).get(f"/dossiers/{case.pk}/indicateurs/stix.json").status_code
        == 404
    )


def test_case_report_pdf(world: Any, spread: dict[str, Any]) -> None:
    case = spread["lyon"]
    response = client_for(world.declarant_lyon).get(f"/dossiers/{case.pk}/rapport.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client_for(world.ars_idf).get(f"/dossiers/{case.pk}/rapport.pdf").status_code == 404


def test_case_report_durations_read_in_french(world: Any, dated_case: Any) -> None:
    from pypdf import PdfReader

    detected = timezone.now() - 10 * DAY
    case = dated_case(
        world.lyon,
        world.declarant_lyon,
        detected=detected,
        submitted=detected + timedelta(hours=2, minutes=5),
        qualified=detected + timedelta(days=2, hours=5, minutes=5),
        closed=detected + timedelta(days=9, hours=5, minutes=5),
    )
    response = client_for(world.acss).get(f"/dossiers/{case.pk}/rapport.pdf")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Détection → déclaration 2 h 05" in text
    assert "Déclaration → accusé de réception moins d’une minute" in text
    assert "Accusé de réception → qualification 2 jours 3 h" in text
    assert "Qualification → clôture 7 jours" in text
    assert "Détection → clôture (total) 9 jours 5 h" in text
    assert "min" not in text.split("Délais", 1)[1].split("Notifications", 1)[0].replace(
        "minute", ""
    )


def test_public_statistics_never_show_under_five(
    world: Any, dated_case: Any, make_user: Any
) -> None:
    now = timezone.now()
    for _ in range(5):
        dated_case(world.lyon, world.declarant_lyon, detected=now - DAY)
    for _ in range(6):
        dated_case(world.lyon_lab, world.declarant_lyon_lab, detected=now - DAY,
                   type_code="account_compromise")  # fmt: skip
    dated_case(world.paris, world.director_paris, detected=now - DAY, type_code="phishing")
    # A military hospital's case is never published.
    military_declarant = make_user("declarant", structure=world.military)
    for _ in range(5):
        dated_case(world.military, military_declarant, detected=now - DAY, type_code="fraud")
    response = Client().get("/statistiques/publiques/")  # anonymous
    assert response.status_code == 200
    body = response.content.decode()
    table = body.split('data-testid="public-by-type"')[1].split("</table>")[0]
    label = IncidentType.objects.get(code="account_compromise").label
    assert f"{label}</td><td>6<" in table
    assert "Hameçonnage / courriel malveillant</td><td>&lt; 5<" in table
    # The one small count could be recovered from the total: the next smallest is hidden.
    assert "Rançongiciel</td><td>5<" not in table
    assert IncidentType.objects.get(code="fraud").label not in table
    quarters = body.split('data-testid="public-by-quarter"')[1].split("</table>")[0]
    assert "<td>12<" in quarters
    for small in range(1, 5):
        assert f"<td>{small}<" not in table + quarters


def test_suppression_hides_a_second_count_when_one_is_small() -> None:
    from vigie.insights.stats import suppress

    rows = [{"label": "a", "n": 12}, {"label": "b", "n": 7}, {"label": "c", "n": 3}]
    values = [row["value"] for row in suppress(rows)]
    assert values[0] == 12
    assert values[2] == "< 5"
    assert values[1] not in (7, "7")
