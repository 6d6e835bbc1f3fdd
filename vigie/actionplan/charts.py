"""Server-side SVG bar charts (no JavaScript, nothing downloaded): one stacked bar per row.

Colours come from CSS classes (static file for pages, a style sheet for the PDF): the
Content-Security-Policy forbids inline styles, not SVG geometry attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from vigie.actionplan.figures import BAR_ORDER

LABEL_WIDTH = 230
BAR_WIDTH = 360
ROW_HEIGHT = 26
LEGEND_HEIGHT = 28
# Also given as presentation attributes: WeasyPrint's SVG renderer does not apply the
# HTML style sheet's ``fill`` to inline SVG, and CSS classes still win on web pages.
COLOURS = {
    "done": "#18753c",
    "in_progress": "#6a6af4",
    "not_started": "#ce0500",
    "not_applicable": "#929292",
}
TEXT_COLOUR = "#161616"


def stacked_bars(
    rows: Sequence[dict[str, Any]], *, title: str, legend: dict[str, str]
) -> SafeString:
    """``rows``: dicts with "label" and "shares" (status → percent)."""
    width = LABEL_WIDTH + BAR_WIDTH + 60
    height = LEGEND_HEIGHT + ROW_HEIGHT * len(rows) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ap-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    x = 0
    for status in BAR_ORDER:
        parts.append(
            f'<rect class="ap-{status}" fill="{COLOURS[status]}" x="{x}" y="4" '
            'width="12" height="12"/>'
        )
        parts.append(
            f'<text class="ap-legend" fill="{TEXT_COLOUR}" x="{x + 16}" y="14">'
            f"{escape(legend[status])}</text>"
        )
        x += 24 + 7 * len(legend[status])
    for index, row in enumerate(rows):
        y = LEGEND_HEIGHT + index * ROW_HEIGHT
        label = str(row["label"])
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(
            f'<text class="ap-label" fill="{TEXT_COLOUR}" x="0" y="{y + 15}">'
            f"<title>{escape(label)}</title>"
            f"{escape(short)}</text>"
        )
        offset = float(LABEL_WIDTH)
        for status in BAR_ORDER:
            part = BAR_WIDTH * row["shares"][status] / 100
            if part > 0:
                parts.append(
                    f'<rect class="ap-{status}" fill="{COLOURS[status]}" '
                    f'x="{offset:.1f}" y="{y + 3}" '
                    f'width="{part:.1f}" height="{ROW_HEIGHT - 8}">'
                    f"<title>{escape(legend[status])} : {row['shares'][status]} %</title></rect>"
                )
            offset += part
        parts.append(
            f'<text class="ap-value" fill="{TEXT_COLOUR}" x="{LABEL_WIDTH + BAR_WIDTH + 6}" '
            f'y="{y + 15}">'
            f"{row['shares']['done']} %</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)


def legend_labels() -> dict[str, str]:
    from vigie.actionplan.models import AssessmentStatus

    return {s.value: str(s.label) for s in AssessmentStatus}
