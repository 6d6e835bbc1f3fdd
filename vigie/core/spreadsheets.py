"""Dates in spreadsheets (openpyxl): real date cells with French number formats, so that
Excel and LibreOffice sort and filter them, never ISO text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


def wall_clock(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """The moment as read on a clock in ``zone``, without its offset: a spreadsheet cell
    holds no time zone (openpyxl refuses aware datetimes), so the column's header names it."""
    if moment is None:
        return None
    return timezone.localtime(moment, zone).replace(tzinfo=None, microsecond=0)


def format_dates(sheet: Any, *, first_row: int = 2) -> None:
    """Give every date and datetime cell below the header its French number format, and
    its column the width to show it (a spreadsheet shows "#####" for a date cut short)."""
    widths: dict[str, int] = {}
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = DATETIME_FORMAT
                widths[cell.column_letter] = 18
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
                widths.setdefault(cell.column_letter, 12)
    for letter, width in widths.items():
        dimension = sheet.column_dimensions[letter]
        if not dimension.customWidth or dimension.width < width:
            dimension.width = width
