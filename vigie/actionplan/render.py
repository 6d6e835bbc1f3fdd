"""The case page's SSI action plan block and the progress pages' figures tables, written in
Python.

actionplan/includes/measures_at_incident.html drew a dozen template nodes per measure not
done, and included a badge for each: some 11 ms of the case page's web CPU (issue 18).
This writes the same markup, character for character, as that template (kept in
tests/actionplan/reference_templates/ and compared with it by
tests/actionplan/test_at_incident_render.py): every value escaped as ``{{ value }}``
escapes it, every text through gettext with the template's msgids, as ``{% translate %}``
writes it (the catalogue's own text, not escaped). The figures tables (by priority, theme,
structure type) drew some 400 template nodes on every regional page; ``figures_table_html``
writes what actionplan/includes/figures_table.html wrote (kept in the same folder, compared
by tests/actionplan/test_figures_table_render.py).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.formats import get_format, localize, number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from vigie.actionplan.models import AssessmentStatus
from vigie.actionplan.selectors import NotDoneRow
from vigie.core.dates import date_text
from vigie.core.dsfr_render import e
from vigie.core.memo import Memo

STATUS_BADGES = {
    "done": "fr-badge--success",
    "in_progress": "fr-badge--info",
    "not_started": "fr-badge--error",
    "not_applicable": "",
}

# The former template's lines around the block ({% load %}, {% comment %}, its tag), which
# it wrote whether the block was shown or not.
_BEFORE, _AFTER = "\n\n\n", "\n"

_ROW = (
    '\n              <tr data-measure="{number}">'
    "\n                <td>{number}</td>"
    "\n                <td>{priority}</td>"
    "\n                <td>{theme}</td>"
    "\n                <td>{title}</td>"
    "\n                <td>{badge}</td>"
    "\n                <td>{deadline}{overdue}</td>"
    "\n              </tr>\n            "
)

# Per language: the badges of the statuses (actionplan/includes/status_badge.html) and
# the "overdue" badge.
_words: dict[str | None, tuple[dict[str, str], str]] = {}


def _words_for_language() -> tuple[dict[str, str], str]:
    language = get_language()
    words = _words.get(language)
    if words is None:
        badges = {
            status.value: (
                '<span class="fr-badge fr-badge--sm fr-badge--no-icon '
                f'{STATUS_BADGES.get(status.value, "")}" data-status="{e(status.value)}">'
                f"{e(status.label)}</span>\n"
            )
            for status in AssessmentStatus
        }
        overdue = (
            ' <span class="fr-badge fr-badge--sm fr-badge--warning" data-overdue="1">'
            f"{_('overdue')}</span>"
        )
        words = _words[language] = (badges, overdue)
    return words


def number_text(value: Any) -> str:
    """``{{ value }}`` of a number: localized (French decimals), then escaped. An integer
    below a thousand is itself and a float below a thousand its digits with the language's
    decimal separator, as ``localize`` (which costs more than the rest of a row) gives."""
    kind = type(value)
    if kind is int and -1000 < value < 1000:
        return str(value)
    if kind is float and -1000 < value < 1000:
        digits = repr(value)
        if "e" not in digits:
            return digits.replace(".", _decimal_separator())
    return e(localize(value))


_separators = Memo()


def _decimal_separator() -> str:
    language = get_language()
    separator = _separators.get(language)
    if separator is None:
        separator = _separators.put(language, str(get_format("DECIMAL_SEPARATOR")))
    return separator


def signed(value: float | None) -> str:
    """A change in points, with its sign (French decimals: +1,5); "—" when none."""
    if value is None:
        return "—"
    shown = number_format(value)
    return f"+{shown}" if value > 0 else shown


_STATUSES = ("done", "in_progress", "not_started", "not_applicable")


def figures_table_html(
    rows: list[dict[str, Any]],
    *,
    testid: str,
    caption: str,
    group_label: str,
    legend: dict[str, Any],
    with_change: Any,
) -> SafeString:
    """actionplan/includes/figures_table.html: one row per group (``key``, ``label``, its
    ``counts`` and ``shares`` by status, ``change`` in points since the last snapshot when
    ``with_change`` is true: the previous snapshot, or None)."""
    change_head = (
        f'<th scope="col">{e(_("Change in share done (points)"))}</th>' if with_change else ""
    )
    out = [
        '\n<div class="fr-table fr-table--sm">\n'
        f'  <table data-testid="{e(testid)}">\n'
        f'    <caption class="fr-sr-only">{e(caption)}</caption>\n'
        "    <thead><tr>\n"
        f'      <th scope="col">{e(group_label)}</th>\n      '
        + "".join(f'<th scope="col">{e(legend[status])}</th>' for status in _STATUSES)
        + f'\n      <th scope="col">{e(_("Overdue"))}</th>'
        f'<th scope="col">{e(_("Total"))}</th>\n      {change_head}\n'
        "    </tr></thead>\n    <tbody>\n      "
    ]
    for row in rows:
        counts, shares = row["counts"], row["shares"]
        cells = "".join(
            f"\n          <td>{number_text(counts[status])} ({number_text(shares[status])} %)</td>"
            for status in _STATUSES
        )
        change = f"<td data-change>{e(signed(row['change']))}</td>" if with_change else ""
        out.append(
            f'\n        <tr data-key="{number_text(row["key"])}">\n'
            f'          <th scope="row">{e(row["label"])}</th>{cells}\n'
            f"          <td>{number_text(counts['overdue'])}</td>\n"
            f"          <td>{number_text(counts['total'])}</td>\n"
            f"          {change}\n        </tr>\n      "
        )
    out.append("\n    </tbody>\n  </table>\n</div>\n")
    return mark_safe("".join(out))  # noqa: S308 (every value escaped above)


def measures_at_incident_html(rows: list[NotDoneRow] | None, finess: str) -> SafeString:
    """actionplan/includes/measures_at_incident.html for the measures ``rows`` (None: the
    reader may not read the plan, nothing shown) of the structure ``finess``."""
    if rows is None:
        return mark_safe(_BEFORE + _AFTER)  # noqa: S308 (no value)
    out = [
        _BEFORE,
        '\n  <section class="fr-mb-4w" data-testid="measures-at-incident">'
        f'\n    <h2 class="fr-h4">{_("SSI action plan at the time of the incident")}</h2>\n    ',
    ]
    if rows:
        count = len(rows)
        sentence = ngettext(
            "%(counter)s measure of the SSI action plan was not done when the incident happened.",
            "%(counter)s measures of the SSI action plan were not done when the incident happened.",
            count,
        ) % {"counter": number_text(count)}
        out.append(
            f"\n      <p>{sentence}</p>"
            '\n      <div class="fr-table fr-table--sm">'
            "\n        <table>"
            '\n          <caption class="fr-sr-only">'
            f"{_('Measures not done at the time of the incident')}</caption>"
            f'\n          <thead><tr><th scope="col">{_("No.")}</th>'
            f'<th scope="col">{_("Priority")}</th><th scope="col">{_("Theme")}</th>'
            f'<th scope="col">{_("Measure")}</th><th scope="col">{_("Status then")}</th>'
            f'<th scope="col">{_("Deadline")}</th></tr></thead>'
            "\n          <tbody>\n            "
        )
        badges, overdue = _words_for_language()
        # The measures of a priority share their deadline: each written once.
        deadlines = {day: e(date_text(day, "d/m/Y")) for day in {row.deadline for row in rows}}
        out.extend(
            _ROW.format(
                number=number_text(row.number),
                priority=number_text(row.priority),
                theme=e(row.theme),
                title=e(row.title),
                badge=badges[row.status],
                deadline=deadlines[row.deadline],
                overdue=overdue if row.overdue else "",
            )
            for row in rows
        )
        out.append("\n          </tbody>\n        </table>\n      </div>\n    ")
    else:
        every = _(
            "Every measure of the SSI action plan was done or not applicable when the "
            "incident happened."
        )
        out.append(f"\n      <p>{every}</p>\n    ")
    url = e(reverse("actionplan:structure", args=[finess]))
    see = _("See the structure's action plan")
    out.append(f'\n    <p><a class="fr-link" href="{url}">{see}</a></p>\n  </section>\n')
    out.append(_AFTER)
    return mark_safe("".join(out))  # noqa: S308 (every value escaped, texts from gettext)
