"""Server-side SVG bar charts (no script: the CSP forbids inline scripts and styles, not
SVG attributes). Mirrors vigie.actionplan.charts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

LABEL_WIDTH = 230
BAR_WIDTH = 340
ROW_HEIGHT = 24
COLOUR = "#000091"
TEXT_COLOUR = "#161616"


def bars(rows: Sequence[dict[str, Any]], *, title: str, value: str = "n") -> SafeString:
    """One horizontal bar per row ("label", and a number under ``value``)."""
    width = LABEL_WIDTH + BAR_WIDTH + 60
    height = ROW_HEIGHT * max(len(rows), 1) + 4
    top = max((float(row[value] or 0) for row in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="vigie-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, row in enumerate(rows):
        y = index * ROW_HEIGHT
        label = str(row["label"])
        short = label if len(label) <= 34 else label[:33] + "…"
        number = row[value] or 0
        length = BAR_WIDTH * float(number) / top
        parts.append(
            f'<text fill="{TEXT_COLOUR}" font-size="12" x="0" y="{y + 15}">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        parts.append(
            f'<rect class="vigie-bar" fill="{COLOUR}" x="{LABEL_WIDTH}" y="{y + 3}" '
            f'width="{length:.1f}" height="{ROW_HEIGHT - 8}"/>'
        )
        parts.append(
            f'<text fill="{TEXT_COLOUR}" font-size="12" x="{LABEL_WIDTH + length + 6:.1f}" '
            f'y="{y + 15}">{escape(number_format(number, force_grouping=True))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)
