"""Quarterly reports: the PDF is a PDF carrying the scope and sections, the spreadsheet
opens with openpyxl and holds the hand-computed figures, the task reaches 100 %."""

from __future__ import annotations

import io
import re
import zlib
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.factories import client_for
from vigie.actionplan.models import ReportRun, ReportStatus
from vigie.actionplan.reports import render_pdf, render_xlsx, report_context, snapshot_take
from vigie.actionplan.services import report_request
from vigie.directory.models import Region

TODAY = date(2024, 9, 30)


def pdf_titles(pdf: bytes) -> list[str]:
    """Document title and outline (bookmark) titles, read from the compressed objects."""
    inflated = b""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            inflated += zlib.decompress(match.group(1)) + b"\n"
        except zlib.error:
            continue
    titles = []
    for literal, hexa in re.findall(rb"/Title ?(?:\(([^)]*)\)|<([0-9a-fA-F]+)>)", inflated):
        if hexa:
            raw = bytes.fromhex(hexa.decode())
            titles.append(raw[2:].decode("utf-16-be") if raw[:2] == b"\xfe\xff" else raw.decode())
        else:
            titles.append(literal.decode("latin-1"))
    return titles


@pytest.fixture
def q3(small_world: Any) -> Any:
    ara = Region.objects.get(code="84")
    return snapshot_take(
        user=small_world.ars_ara,
        plan=small_world.plan,
        region=ara,
        year=2024,
        quarter=3,
        today=TODAY,
    )


@pytest.mark.django_db
def test_the_pdf_opens(q3: Any) -> None:
    pdf = render_pdf(report_context(q3, None))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 10_000
    titles = pdf_titles(pdf)
    assert any("Auvergne-Rhône-Alpes" in t and "T3 2024" in t for t in titles)
    assert sum("priorit" in t.lower() for t in titles) >= 2  # chart sections bookmarked


@pytest.mark.django_db
def test_the_spreadsheet_holds_the_figures(q3: Any, small_world: Any) -> None:
    book = load_workbook(io.BytesIO(render_xlsx(report_context(q3, None))))
    assert len(book.sheetnames) == 5
    summary, by_priority, by_theme, by_kind, structures = (book[n] for n in book.sheetnames)
    values = {row[0]: row[1:] for row in summary.iter_rows(values_only=True) if row and row[0]}
    assert any(v[:1] == (2,) for k, v in values.items() if k)  # structures
    rows = list(by_priority.iter_rows(values_only=True))
    # header, then priority 1: done, in progress, not started, N/A, overdue, total
    assert rows[1][1:7] == (3, 1, 10, 0, 11, 14)
    assert rows[2][1:7] == (1, 0, 12, 1, 7, 14)
    theme_rows = {r[0]: r for r in by_theme.iter_rows(min_row=2, values_only=True)}
    sauv = next(r for label, r in theme_rows.items() if label.endswith("[SAUV]"))
    assert sauv[1:7] == (1, 0, 1, 0, 1, 2)
    assert by_kind.max_row == 3
    finess = {r[0]: r for r in structures.iter_rows(min_row=2, values_only=True)}
    assert finess[small_world.lyon.finess][-1] == "3, 4, 5, 6, 7"


@pytest.mark.django_db
def test_the_spreadsheet_dates_are_dates(q3: Any, small_world: Any) -> None:
    """Dates a spreadsheet sorts and filters, shown the French way, never ISO text."""
    book = load_workbook(io.BytesIO(render_xlsx(report_context(q3, None))))
    summary, structures = book[book.sheetnames[0]], book[book.sheetnames[-1]]
    as_of = next(row for row in summary.iter_rows() if row[0].value == "Chiffres au")[1]
    assert isinstance(as_of.value, datetime)
    assert as_of.value.date() == date.fromisoformat(q3.figures["as_of"])
    assert as_of.number_format == "dd/mm/yyyy"
    assert structures.cell(row=1, column=4).value == "Date de début"
    starts = [row[3] for row in structures.iter_rows(min_row=2)]
    assert starts and all(isinstance(cell.value, datetime) for cell in starts)
    assert {cell.number_format for cell in starts} == {"dd/mm/yyyy"}


@pytest.mark.django_db(transaction=True)
def test_the_report_task_reaches_100(world: Any, plan: Any, run_worker: Any) -> None:
    ara = Region.objects.get(code="84")
    runs = report_request(
        plan=plan, region=ara, year=2024, quarter=3, formats=["pdf", "xlsx"], by=world.ars_ara
    )
    run_worker(queues=["reports"])
    for run in runs:
        run.refresh_from_db()
        assert run.status == ReportStatus.DONE, run.error
        assert run.progress == 100 and run.file and run.snapshot is not None
    client = client_for(world.ars_ara)
    pdf = client.get(f"/plan-action/rapports/{runs[0].pk}/fichier/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    page = client.get(f"/plan-action/rapports/{runs[0].pk}/")
    assert page.status_code == 200 and 'http-equiv="refresh"' not in page.content.decode()
    assert (
        client_for(world.ars_idf).get(f"/plan-action/rapports/{runs[0].pk}/fichier/").status_code
        == 404
    )


@pytest.mark.django_db
def test_requesting_a_report(world: Any, plan: Any) -> None:
    client = client_for(world.ars_ara)
    page = client.get("/plan-action/rapports/")
    assert page.status_code == 200
    response = client.post(
        "/plan-action/rapports/",
        {"scope": "84", "year": 2024, "quarter": 3, "formats": ["pdf", "xlsx"]},
    )
    assert response.status_code == 302
    assert ReportRun.objects.filter(requested_by=world.ars_ara).count() == 2
    waiting = client.get(response["Location"])
    assert 'http-equiv="refresh"' in waiting.content.decode()  # polls until ready
    # An ARS officer cannot ask for another region or the national report.
    bad = client.post(
        "/plan-action/rapports/", {"scope": "11", "year": 2024, "quarter": 3, "formats": ["pdf"]}
    )
    assert bad.status_code == 200 and ReportRun.objects.count() == 2
    assert client_for(world.declarant_lyon).get("/plan-action/rapports/").status_code == 403
    hfds = client_for(world.hfds)
    hfds.post(
        "/plan-action/rapports/",
        {"scope": "national", "year": 2024, "quarter": 3, "formats": ["xlsx"]},
    )
    assert ReportRun.objects.filter(region__isnull=True).count() == 1
    assert ReportRun.objects.visible_to(world.ars_ara).count() == 2


@pytest.mark.django_db
def test_the_pdf_carries_the_hand_counted_figures(q3: Any) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(render_pdf(report_context(q3, None))))
    # Split on any white space, the non-breaking spaces that keep "44,4 %" whole included.
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Auvergne-Rhône-Alpes — T3 2024" in text
    # The summary and the priority table, as counted by hand on the small world.
    assert (
        "Réalisée 4 10,5 % En cours 1 2,6 % Non commencée 31 81,6 % Non applicable 2 5,3 %" in text
    )
    assert "En retard 22" in text
    assert "Priorité 1 3 (21,4 %) 1 (7,1 %) 10 (71,4 %) 0 (0,0 %) 11 14" in text
    assert "Priorité 2 1 (7,1 %) 0 (0,0 %) 12 (85,7 %) 1 (7,1 %) 7 14" in text
