"""Server-side SVG bar charts (no JavaScript, nothing downloaded): one stacked bar per row.

Colours come from CSS classes (static file for pages, a style sheet for the PDF): the
Content-Security-Policy forbids inline styles, not SVG geometry attributes.

Nothing may overlap or be clipped (issue 15): SVG text does not wrap, so the layout
measures every text with a deliberately generous estimate of its width (a sans-serif
font: DejaVu Sans in the PDF, Marianne on pages), wraps the legend and the row labels,
and leaves the labels a column of their own and the percentages a right-aligned one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from vigie.actionplan.figures import BAR_ORDER

WIDTH = 720  # user units; the PDF draws the chart 180 mm wide, pages at most 720 px
FONT_SIZE = 12
LINE_HEIGHT = 15
LABEL_WIDTH = 250
VALUE_WIDTH = 64  # "100,0 %" right-aligned at the right edge
GAP = 12
BAR_X = LABEL_WIDTH + GAP
BAR_WIDTH = WIDTH - BAR_X - GAP - VALUE_WIDTH
BAR_HEIGHT = 16
ROW_PADDING = 8
LABEL_LINES = 2
SWATCH = 12
# Also given as presentation attributes: WeasyPrint's SVG renderer does not apply the
# HTML style sheet's ``fill`` to inline SVG, and CSS classes still win on web pages.
COLOURS = {
    "done": "#18753c",
    "in_progress": "#6a6af4",
    "not_started": "#ce0500",
    "not_applicable": "#929292",
}
TEXT_COLOUR = "#161616"
# Advance widths in em, rounded up from DejaVu Sans (wider than Marianne and Arial).
_NARROW = set("iljtfr.,;:!'’|()[] \u00a0")
_WIDE = set("mwMW%@")


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An upper estimate of the width of ``text`` set in ``size`` user units."""
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.4
        elif char in _WIDE or char.isupper():
            em += 0.8
        else:
            em += 0.64
    return em * size


def wrap(text: str, width: float, max_lines: int) -> list[str]:
    """Words of ``text`` in lines no wider than ``width``; the last line kept ends with
    an ellipsis when the text does not fit (the whole text stays in a <title>)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    lines = [_fit(line, width) for line in lines]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _fit(lines[-1] + " …", width)
    return lines


def _fit(line: str, width: float) -> str:
    if text_width(line) <= width:
        return line
    while line and text_width(line + "…") > width:
        line = line[:-1]
    return line.rstrip() + "…"


def percent(value: float) -> str:
    """French format with a non-breaking space: "44,4 %"."""
    return f"{number_format(value, 1)}\u00a0%"


def _text(x: float, y: float, body: str, css: str, anchor: str = "start") -> str:
    anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return (
        f'<text class="{css}" fill="{TEXT_COLOUR}" font-size="{FONT_SIZE}" '
        f'x="{x:.1f}" y="{y:.1f}"{anchor_attr}>{body}</text>'
    )


def _legend(legend: dict[str, str]) -> tuple[list[str], float]:
    """The legend's swatches and texts, wrapped over as many lines as needed."""
    parts: list[str] = []
    x, y = 0.0, 0.0
    for status in BAR_ORDER:
        label = legend[status]
        item = SWATCH + 6 + text_width(label)
        if x > 0 and x + item > WIDTH:
            x, y = 0.0, y + LINE_HEIGHT + 4
        parts.append(
            f'<rect class="ap-{status}" fill="{COLOURS[status]}" x="{x:.1f}" y="{y + 2:.1f}" '
            f'width="{SWATCH}" height="{SWATCH}"/>'
        )
        parts.append(_text(x + SWATCH + 6, y + 12, escape(label), "ap-legend"))
        x += item + 20
    return parts, y + LINE_HEIGHT + 12


def stacked_bars(
    rows: Sequence[dict[str, Any]], *, title: str, legend: dict[str, str]
) -> SafeString:
    """``rows``: dicts with "label" and "shares" (status → percent)."""
    parts, y = _legend(legend)
    for row in rows:
        label = str(row["label"])
        lines = wrap(label, LABEL_WIDTH, LABEL_LINES)
        height = max(BAR_HEIGHT, LINE_HEIGHT * len(lines)) + ROW_PADDING
        middle = y + height / 2
        first_baseline = middle - LINE_HEIGHT * (len(lines) - 1) / 2 + 4
        for index, line in enumerate(lines):
            body: str = escape(line)
            if index == 0:
                body = f"<title>{escape(label)}</title>{body}"
            parts.append(_text(0, first_baseline + index * LINE_HEIGHT, body, "ap-label"))
        offset = float(BAR_X)
        for status in BAR_ORDER:
            part = BAR_WIDTH * row["shares"][status] / 100
            if part > 0:
                parts.append(
                    f'<rect class="ap-{status}" fill="{COLOURS[status]}" '
                    f'x="{offset:.1f}" y="{middle - BAR_HEIGHT / 2:.1f}" '
                    f'width="{part:.1f}" height="{BAR_HEIGHT}">'
                    f"<title>{escape(legend[status])} : "
                    f"{escape(percent(row['shares'][status]))}</title></rect>"
                )
            offset += part
        parts.append(
            _text(WIDTH, middle + 4, escape(percent(row["shares"]["done"])), "ap-value", "end")
        )
        y += height
    height = round(y + 2)
    return mark_safe(  # noqa: S308  (every text above is escaped)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ap-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">'
        f"<title>{escape(title)}</title>" + "".join(parts) + "</svg>"
    )


def legend_labels() -> dict[str, str]:
    from vigie.actionplan.models import AssessmentStatus

    return {s.value: str(s.label) for s in AssessmentStatus}
