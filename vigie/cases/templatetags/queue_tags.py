"""The case queue's rows (`{% load queue_tags %}`), rendered in Python (queue_rows.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString

from vigie.cases.queue_rows import QueueRow, queue_rows_html

register = template.Library()


@register.simple_tag
def queue_rows(rows: Iterable[QueueRow], staff: bool) -> SafeString:
    """The table rows of the queue's page ``rows`` (``staff``: who is on each case too)."""
    return queue_rows_html(list(rows), staff=staff)
