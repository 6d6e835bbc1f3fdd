"""Case links for pages of the apps below cases (`{% load case_tags %}`), so that those
apps never import cases; the case page's dates (`{% when at %}`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.templatetags.tz import do_timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import gettext as _

from vigie.cases.models import Case
from vigie.cases.selectors import case_of_declaration
from vigie.core.timezones import zone_label

register = template.Library()


@register.simple_tag(takes_context=True)
def case_of(context: template.Context, declaration: Any) -> Case | None:
    """The case opened for ``declaration``, when the signed-in user may read it."""
    return case_of_declaration(context["request"].user, declaration)


@register.simple_tag(takes_context=True)
def when(context: template.Context, at: Any) -> SafeString:
    """A moment of the case page: Paris time, then the structure's local time when it
    differs (``paris_tz`` and ``structure_tz`` from the page)."""
    return moment_html(at, context.get("paris_tz"), context.get("structure_tz"))


def moment_html(at: Any, paris: Any, local: Any) -> SafeString:
    """In Python rather than an included template: the case page shows dozens of them."""
    html = format_html(
        '<time datetime="{}">{}</time>',
        date_filter(template_localtime(at), "c"),
        date_filter(do_timezone(at, paris), "DATETIME_FORMAT"),
    )
    if local == paris:
        return format_html("{}\n", html)
    return format_html(
        "{} ({}) — {} ({})\n",
        html,
        _("Paris time"),
        date_filter(do_timezone(at, local), "DATETIME_FORMAT"),
        # As {% blocktranslate %}: the translation as is, the zone's name escaped.
        mark_safe(_("structure's local time, %(tz)s") % {"tz": escape(zone_label(local))}),  # noqa: S308
    )
