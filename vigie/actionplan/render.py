"""The case page's SSI action plan block, written in Python.

actionplan/includes/measures_at_incident.html drew a dozen template nodes per measure not
done, and included a badge for each: some 11 ms of the case page's web CPU (issue 18).
This writes the same markup, character for character, as that template (kept in
tests/actionplan/reference_templates/ and compared with it by
tests/actionplan/test_at_incident_render.py): every value escaped as ``{{ value }}``
escapes it, every text through gettext with the template's msgids, as ``{% translate %}``
writes it (the catalogue's own text, not escaped).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from vigie.actionplan.models import AssessmentStatus
from vigie.actionplan.selectors import NotDoneRow
from vigie.core.dates import date_text
from vigie.core.dsfr_render import e

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


def _number(value: int) -> str:
    """``{{ value }}`` of a count (localized: a separator from a thousand on)."""
    return str(value) if type(value) is int and -1000 < value < 1000 else e(localize(value))


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
        ) % {"counter": _number(count)}
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
                number=_number(row.number),
                priority=_number(row.priority),
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
