"""The statistics page as a PDF: same figures, filters and scope as the page, in French."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.factories import client_for
from vigie.directory.models import Region

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def pdf_text(response: Any) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="vigie-statistiques-')
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # One space for any run of blanks (French thin and non-breaking spaces included).
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


@pytest.fixture
def three_cases(world: Any, dated_case: Any) -> list[Any]:
    now = timezone.now()
    return [
        dated_case(
            world.lyon,
            world.declarant_lyon,
            detected=now - 10 * DAY,
            qualified=now - 9 * DAY,
            closed=now - 2 * DAY,
        ),
        dated_case(world.lyon_lab, world.declarant_lyon_lab, detected=now - 5 * DAY),
        dated_case(
            world.paris,
            world.director_paris,
            detected=now - 3 * DAY,
            type_code="phishing",
            malicious="no",
        ),
    ]


def test_the_cell_gets_the_national_figures(world: Any, three_cases: Any) -> None:
    text = pdf_text(client_for(world.acss).get("/statistiques/export.pdf"))
    for heading in (
        "Statistiques",
        "Chiffres nationaux",
        "Vue d’ensemble",
        "Volumes",
        "Par type d’incident",
        "Par région",
        "Par type de structure",
        "Par mois",
        "Délais",
        "Médiane",
        "90e centile",
    ):
        assert heading in text, heading
    assert "Dossiers 3" in text
    assert "Dossiers ouverts 2" in text
    assert "Dossiers clôturés 1" in text
    assert "Dossiers significatifs 0" in text
    assert "Origine malveillante 66,7 % (2)" in text  # French decimal comma
    assert "Rançongiciel 2 66,7 %" in text
    assert "Hameçonnage / courriel malveillant 1 33,3 %" in text
    assert "Auvergne-Rhône-Alpes 2" in text
    assert "Île-de-France 1" in text
    # The default period, written in French.
    start = timezone.localdate() - 364 * DAY
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
    day = "1er" if start.day == 1 else str(start.day)
    assert (
        f"Période : dossiers ouverts entre le {day} {months[start.month - 1]} {start.year}" in text
    )
    # Months in words: that of the latest case at least.
    month = timezone.localtime(three_cases[-1].opened_at)
    assert f"{months[month.month - 1].capitalize()} {month.year}" in text
    assert "Généré le" in text


def test_same_filters_as_the_page(world: Any, three_cases: Any) -> None:
    idf = Region.objects.get(code="11")
    text = pdf_text(client_for(world.acss).get("/statistiques/export.pdf", {"region": idf.pk}))
    assert "Dossiers 1" in text
    assert "Auvergne-Rhône-Alpes" not in text
    assert "Région : Île-de-France." in text
    # A period before the cases: nothing counted.
    text = pdf_text(
        client_for(world.acss).get(
            "/statistiques/export.pdf", {"start": "2025-03-01", "end": "2025-03-31"}
        )
    )
    assert "Période : dossiers ouverts entre le 1er mars 2025 et le 31 mars 2025." in text
    assert "Dossiers 0" in text
    assert "Aucun dossier sur cette période." in text


def test_an_ars_gets_its_region_only(world: Any, three_cases: Any) -> None:
    text = pdf_text(client_for(world.ars_ara).get("/statistiques/export.pdf"))
    assert "Chiffres de votre région : Auvergne-Rhône-Alpes." in text
    assert "Dossiers 2" in text
    assert "Île-de-France" not in text
    assert "Hameçonnage" not in text


def test_roles_without_statistics_are_refused(world: Any, three_cases: Any) -> None:
    for user in (world.dgs, world.declarant_lyon, world.defence, world.ansm):
        assert client_for(user).get("/statistiques/export.pdf").status_code == 403


def test_the_page_links_the_pdf_with_its_filters(world: Any, three_cases: Any) -> None:
    html = client_for(world.acss).get("/statistiques/", {"start": "2026-01-01"}).content.decode()
    assert 'href="/statistiques/export.pdf?start=2026-01-01" data-testid="export-pdf"' in html
    assert "Statistiques (PDF)" in html
    # The open cases are counted as "Dossiers ouverts" (not the verb "Ouvrir").
    totals = html.split('data-testid="totals"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>Dossiers ouverts</dt><dd>2</dd>" in totals
    assert "Ouvrir" not in totals
