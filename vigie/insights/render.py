"""The insights block of the case page (notifications owed, indicators, exports), written
in Python.

Its template (some 110 nodes resolving the same variables row after row, and its forms'
fields rendered on every request) was a tenth of the page's cost. These functions write
the same markup (the same text, tags and attributes, whitespace aside) as the template
they replace, kept in tests/insights/reference_templates/case_block.html and compared with
it by tests/insights/test_case_block_render.py for every branch. Values are escaped as
``{{ value }}`` escapes them, texts go through gettext with the template's msgids (written
unescaped, as ``{% translate %}`` writes them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.forms import Form
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from vigie.core.choices import display
from vigie.core.dates import zoned_text
from vigie.core.dsfr_render import e
from vigie.core.memo import Memo
from vigie.core.timezones import zone_label
from vigie.insights.forms import IndicatorForm, ObligationForm
from vigie.insights.models import Indicator


def obligation_fields(form: Form) -> str:
    """``{{ row.form.done_at.as_field_group }}``."""
    return str(form["done_at"].as_field_group())


def indicator_fields(form: Form) -> str:
    """The indicator form's fields, each in its fieldset element."""
    return "".join(
        f'<div class="fr-fieldset__element">{field.as_field_group()}</div>' for field in form
    )


# The blank forms' fields, per language (and kind): the page shows the same blank forms to
# everyone who may record, and building and rendering them was half the block's cost.
# Nothing else goes into them (no value, no initial, static choices and labels).
_blank = Memo()
UTC = ZoneInfo("UTC")


def blank_obligation_fields(kind: str) -> str:
    """The fields of the blank ObligationForm of ``kind`` (as the page builds it)."""
    key = (get_language(), kind)
    html = _blank.get(key)
    if html is None:
        # The zone only reads what is typed: no part of the markup.
        form = ObligationForm(zone=UTC, auto_id=f"id_{kind}_%s")
        html = _blank[key] = obligation_fields(form)
    return html


def blank_indicator_fields() -> str:
    """The fields of the blank IndicatorForm."""
    key = (get_language(), "")
    html = _blank.get(key)
    if html is None:
        html = _blank[key] = indicator_fields(IndicatorForm())
    return html


@dataclass(frozen=True)
class _Texts:
    """The block's texts in one language, read from the catalogue once per language."""

    owed: str
    clock: str  # with %(tz)s
    no_clock: str
    table_head: str
    without_delay: str
    done_on: str  # with %(at)s
    overdue: str
    due: str
    record: str
    indicators: str
    no_indicator: str
    add_legend: str
    add: str
    stix: str
    report: str


_texts = Memo()


def _texts_now() -> _Texts:
    language = get_language()
    texts = _texts.get(language)
    if texts is None:
        owed = _("Notifications owed")
        texts = _texts[language] = _Texts(
            owed=owed,
            clock=_(
                "Deadlines run from the detection of the incident; times are in the"
                " structure's local time (%(tz)s)."
            ),
            no_clock=_("No detection date: the regulatory clock cannot run."),
            table_head=(
                f"<caption>{owed}</caption>\n"
                f'<thead><tr><th scope="col">{_("Notification")}</th>'
                f'<th scope="col">{_("Deadline")}</th>'
                f'<th scope="col">{_("Status")}</th></tr></thead>'
            ),
            without_delay=_("Without delay"),
            done_on=_("Done on %(at)s"),
            overdue=f'<span class="fr-badge fr-badge--error fr-badge--sm">{_("Overdue")}</span>',
            due=f'<span class="fr-badge fr-badge--info fr-badge--sm">{_("Due")}</span>',
            record=_("Record as made"),
            indicators=_("Indicators"),
            no_indicator=_("No indicator recorded."),
            add_legend=_("Add an indicator"),
            add=_("Add the indicator"),
            stix=_("Indicators (STIX 2.1)"),
            report=_("Case report (PDF)"),
        )
    return texts


def _obligations(
    texts: _Texts, case_pk: int, zone: str, rows: Iterable[dict[str, Any]], csrf_token: Any
) -> str:
    fmt = get_format("DATETIME_FORMAT")
    token = e(csrf_token)
    out = []
    for row in rows:
        kind = e(row["kind"])
        status = row["status"]
        if row["without_delay"]:
            due = texts.without_delay
        else:
            at = row["due_at"]
            due = (
                f'<time datetime="{e(template_localtime(at).isoformat())}">'
                f"{e(zoned_text(at, zone, fmt))}</time>"
            )
        if status == "done":
            done = texts.done_on % {"at": e(zoned_text(row["done_at"], zone, fmt))}
            badge = f'<span class="fr-badge fr-badge--success fr-badge--sm">{done}</span>'
        else:
            badge = texts.overdue if status == "overdue" else texts.due
        form = ""
        fields = row.get("fields")
        if fields:
            url = reverse("insights:obligation_record", args=[case_pk, row["kind"]])
            form = (
                f'\n<form method="post" action="{e(url)}" class="fr-mt-1w"'
                f' data-testid="obligation-form-{kind}">\n'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">\n'
                f"{fields}\n"
                '<button type="submit" class="fr-btn fr-btn--sm fr-btn--secondary">'
                f"{texts.record}</button>\n</form>\n"
            )
        out.append(
            f'\n<tr data-testid="obligation" data-kind="{kind}" data-status="{e(status)}">\n'
            f"<td>{e(row['label'])}</td>\n<td>{due}</td>\n<td>\n{badge}\n{form}</td>\n</tr>\n"
        )
    return (
        '\n<div class="fr-table fr-table--no-caption"><table>\n'
        f"{texts.table_head}\n<tbody>{''.join(out)}\n</tbody>\n</table></div>\n"
    )


def _indicators(texts: _Texts, indicators: Iterable[Indicator]) -> str:
    out = []
    for indicator in indicators:
        comment = f" — {e(indicator.comment)}" if indicator.comment else ""
        out.append(
            f'\n<li data-testid="indicator">{e(display(indicator, "kind"))} : '
            f"<code>{e(indicator.value)}</code> — {e(display(indicator, 'tlp'))}"
            f"{comment}</li>"
        )
    if not out:
        return f"\n<p>{texts.no_indicator}</p>\n"
    return f"\n<ul>{''.join(out)}\n</ul>\n"


def case_block(
    *,
    case_pk: int,
    zone: str,
    obligations: list[dict[str, Any]],
    indicators: list[Indicator],
    indicator_fields: str | None,
    csrf_token: Any,
) -> SafeString:
    """The former insights/includes/case_block.html. ``obligations``: case_obligations' rows, each
    with the markup of its form's fields as ``fields`` when it is shown; ``zone``: the
    structure's time zone (its key); ``indicator_fields``: the indicator form's fields'
    markup when the form is shown."""
    texts = _texts_now()
    clock = texts.clock % {"tz": e(zone_label(zone))}
    if obligations:
        owed = _obligations(texts, case_pk, zone, obligations, csrf_token)
    else:
        owed = f"\n<p>{texts.no_clock}</p>\n"
    form = ""
    if indicator_fields is not None:
        url = reverse("insights:indicator_add", args=[case_pk])
        form = (
            f'\n<form method="post" action="{e(url)}" class="fr-mt-2w"'
            ' data-testid="indicator-form">\n'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(csrf_token)}">\n'
            '<fieldset class="fr-fieldset"><legend class="fr-fieldset__legend">'
            f"{texts.add_legend}</legend>\n{indicator_fields}\n</fieldset>\n"
            f'<button type="submit" class="fr-btn fr-btn--secondary">{texts.add}</button>'
            "\n</form>\n"
        )
    stix = reverse("insights:case_stix", args=[case_pk])
    report = reverse("insights:case_report", args=[case_pk])
    html = (
        '\n<section class="fr-mb-4w" id="obligations" aria-labelledby="obligations-title"'
        ' data-testid="obligations">\n'
        f'<h2 class="fr-h4" id="obligations-title">{texts.owed}</h2>\n'
        f'<p class="fr-text--sm">{clock}</p>\n{owed}</section>\n\n'
        '<section class="fr-mb-4w" id="indicators" aria-labelledby="indicators-title"'
        ' data-testid="indicators">\n'
        f'<h2 class="fr-h4" id="indicators-title">{texts.indicators}</h2>\n'
        f"{_indicators(texts, indicators)}{form}"
        '<ul class="fr-btns-group fr-btns-group--inline fr-btns-group--sm fr-mt-2w">\n'
        f'<li><a class="fr-btn fr-btn--tertiary" href="{e(stix)}" data-testid="stix-link">'
        f"{texts.stix}</a></li>\n"
        f'<li><a class="fr-btn fr-btn--tertiary" href="{e(report)}" data-testid="pdf-link">'
        f"{texts.report}</a></li>\n</ul>\n</section>\n"
    )
    # Every value above went through e(), every text through gettext only.
    return mark_safe(html)  # noqa: S308
