"""The quarterly PDF as readers see it: on a busy region (every structure type, long
names, a previous quarter, a list that runs over several pages) no two pieces of text
overlap, none is drawn under a chart's bar or outside the page's text area, and no page
ends on a heading or a table's header row (issue 15).

Set VIGIE_REPORT_PDF=/some/file.pdf to keep the PDF and look at it (pdftoppm -png -r 70).
"""

from __future__ import annotations

import io
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from vigie.actionplan.charts import COLOURS
from vigie.actionplan.reports import render_pdf, report_context, snapshot_take
from vigie.actionplan.services import structure_plan_start
from vigie.directory.finess import with_check_key
from vigie.directory.models import Departement, Region, Structure, StructureKind

MM = 72 / 25.4
# report_pdf.html: A4, @page margins 18 mm (top, bottom) and 15 mm (left, right).
PAGE_MARGIN_X, PAGE_MARGIN_Y = 15 * MM, 18 * MM
CHART_FILLS = {
    tuple(round(int(c[i : i + 2], 16) / 255, 2) for i in (1, 3, 5)) for c in COLOURS.values()
}
NAMES = [
    "Centre hospitalier intercommunal des Portes de l'Isère et du Nord-Dauphiné",
    "Clinique mutualiste",
    "Laboratoire de biologie médicale Biomnis-Eurofins du Rhône",
    "Centre de radiothérapie",
    "Cabinet d'imagerie médicale des Monts du Lyonnais",
    "EHPAD Les Tilleuls",
]


@pytest.fixture
def busy_q3(small_world: Any, assess: Callable[..., Any]) -> Any:
    """Region 84 with 24 more structures of every kind, half their measures assessed at
    random (seeded), and the second quarter on record so the change columns show."""
    rng = random.Random(15)
    plan = small_world.plan
    kinds = [k for k in StructureKind if k != StructureKind.MILITARY_HOSPITAL]
    departements = list(Departement.objects.filter(code__in=["01", "38", "42", "69", "73"]))
    numbers = list(plan.measures.values_list("number", flat=True))
    for n in range(24):
        structure = Structure.objects.create(
            finess=with_check_key(f"{departements[n % 5].code}99{n:04d}"),
            name=f"{NAMES[n % len(NAMES)]} n° {n + 1}",
            kind=kinds[n % len(kinds)],
            departement=departements[n % 5],
        )
        structure_plan_start(
            structure=structure, plan=plan, start_date=date(2023, 1 + n % 12, 1), by=None
        )
        for number in rng.sample(numbers, len(numbers) // 2):
            status = rng.choice(["done", "done", "in_progress", "not_applicable"])
            assess(
                structure,
                number,
                status,
                achieved_on=date(2024, 1 + rng.randrange(6), 1) if status == "done" else None,
                not_applicable_reason="Sans objet." if status == "not_applicable" else "",
            )
    ara = Region.objects.get(code="84")
    common = {"user": small_world.ars_ara, "plan": plan, "region": ara, "year": 2024}
    previous = snapshot_take(**common, quarter=2, today=date(2024, 6, 30))
    current = snapshot_take(**common, quarter=3, today=date(2024, 9, 30))
    return current, previous


@dataclass
class Line:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    bold: bool


def pdf_pages(pdf: bytes) -> list[dict[str, Any]]:
    """Per page: its box, its text lines, its characters and its filled rectangles."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTCurve, LTTextContainer, LTTextLine

    def walk(item: Any, chars: list[Any], lines: list[Line], fills: list[Any]) -> None:
        if isinstance(item, LTTextLine):
            glyphs = [c for c in item if isinstance(c, LTChar) and c.get_text().strip()]
            if glyphs:
                chars.extend(glyphs)
                lines.append(
                    Line(
                        " ".join(item.get_text().split()),  # no-break spaces too
                        *item.bbox,
                        size=max(c.size for c in glyphs),
                        bold=all("bold" in c.fontname.lower() for c in glyphs),
                    )
                )
            return
        if isinstance(item, LTCurve) and item.fill:
            fills.append(item)
        if isinstance(item, LTTextContainer) or hasattr(item, "__iter__"):
            for child in item:
                walk(child, chars, lines, fills)

    pages = []
    for page in extract_pages(io.BytesIO(pdf), laparams=LAParams(line_margin=0.2)):
        chars: list[Any] = []
        lines: list[Line] = []
        fills: list[Any] = []
        walk(page, chars, lines, fills)
        pages.append({"box": page.bbox, "lines": lines, "chars": chars, "fills": fills})
    return pages


def overlap(a: Any, b: Any, shrink: float = 0.2) -> bool:
    """Whether two boxes overlap once each is shrunk by ``shrink`` of its size on every
    side: glyph boxes are the font's full height, so lines set close touch a little."""

    def inner(box: Any) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = box
        dx, dy = (x1 - x0) * shrink, (y1 - y0) * shrink
        return x0 + dx, y0 + dy, x1 - dx, y1 - dy

    ax0, ay0, ax1, ay1 = inner(a)
    bx0, by0, bx1, by1 = inner(b)
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


def colour(item: Any) -> tuple[float, ...] | None:
    value = item.non_stroking_color
    if isinstance(value, (tuple, list)) and len(value) == 3:
        return tuple(round(float(v), 2) for v in value)
    return None


@pytest.fixture
def busy_pdf(busy_q3: Any) -> list[dict[str, Any]]:
    current, previous = busy_q3
    pdf = render_pdf(report_context(current, previous))
    if os.environ.get("VIGIE_REPORT_PDF"):
        with open(os.environ["VIGIE_REPORT_PDF"], "wb") as out:
            out.write(pdf)
    return pdf_pages(pdf)


@pytest.mark.django_db
def test_the_report_runs_over_several_pages(busy_pdf: list[dict[str, Any]]) -> None:
    assert len(busy_pdf) >= 3
    text = " ".join(line.text for page in busy_pdf for line in page["lines"])
    # French number formats, kept whole: "4 (44,4 %)", never "44.4" nor a broken "%".
    assert re.search(r"\d+ \(\d+,\d %\)", text)
    assert not re.search(r"\d\.\d %", text)
    for word in ("Progress", "Overdue", "Summary", "Total measures", "Change"):
        assert word not in text


@pytest.mark.django_db
def test_no_text_overlaps_other_text_or_a_bar(busy_pdf: list[dict[str, Any]]) -> None:
    for number, page in enumerate(busy_pdf, start=1):
        chars = sorted(page["chars"], key=lambda c: c.x0)
        for i, a in enumerate(chars):
            for b in chars[i + 1 :]:
                if b.x0 >= a.x1:
                    break
                assert not overlap(a.bbox, b.bbox), (
                    f"page {number}: {a.get_text()!r} and {b.get_text()!r} overlap at {a.bbox}"
                )
        bars = [f for f in page["fills"] if colour(f) in CHART_FILLS]
        for bar in bars:
            for char in page["chars"]:
                assert not overlap(bar.bbox, char.bbox, shrink=0.05), (
                    f"page {number}: {char.get_text()!r} drawn on a bar at {bar.bbox}"
                )


@pytest.mark.django_db
def test_text_stays_inside_the_page_area(busy_pdf: list[dict[str, Any]]) -> None:
    for number, page in enumerate(busy_pdf, start=1):
        px0, py0, px1, py1 = page["box"]
        for line in page["lines"]:
            assert px0 <= line.x0 and line.x1 <= px1 and py0 <= line.y0 and line.y1 <= py1
            if line.y1 < py0 + PAGE_MARGIN_Y:  # the bottom margin holds the page number only
                assert re.fullmatch(r"\d+ / \d+", line.text), line.text
                continue
            assert px0 + PAGE_MARGIN_X - 1 <= line.x0 and line.x1 <= px1 - PAGE_MARGIN_X + 1, (
                f"page {number}: {line.text!r} runs outside the text area ({line.x0}–{line.x1})"
            )


@pytest.mark.django_db
def test_no_page_ends_on_a_heading(busy_pdf: list[dict[str, Any]]) -> None:
    body_size = min(line.size for page in busy_pdf for line in page["lines"] if not line.bold)
    for number, page in enumerate(busy_pdf[:-1], start=1):
        _x0, py0, _x1, _y1 = page["box"]
        body = [line for line in page["lines"] if line.y1 >= py0 + PAGE_MARGIN_Y]
        last = min(body, key=lambda line: line.y0)
        assert not (last.bold or last.size > body_size + 1.5), (
            f"page {number} ends on the heading {last.text!r}"
        )
