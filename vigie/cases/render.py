"""The case page's repetitive parts, rendered in Python.

The case page drew some 1 300 template nodes per request; its loops (the declaration's
content, the timeline, the action forms' wrappers) were most of them, each row a dozen
nodes resolving the same variables through the template engine. These functions write the
same markup (the same text, tags and attributes, whitespace aside) as the templates they
replace, kept in tests/cases/reference_templates/ and compared with them by
tests/cases/test_case_render.py on varied inputs. Every value is escaped as ``{{ value }}``
escapes it (``conditional_escape``), every text goes through gettext with the templates'
msgids.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.template.defaultfilters import date as date_filter
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from vigie.cases.queue_rows import (  # cases/includes/status_badge.html, small
    _status_badge,
    case_urls,
)
from vigie.core.choices import display
from vigie.core.dates import Formatter, date_formatter
from vigie.core.dsfr_render import e, lines, user_name
from vigie.core.memo import Memo
from vigie.core.timezones import zone_label

PARIS_KEY = "Europe/Paris"


def safe(html: str) -> SafeString:
    # Every value above went through e() or lines(), every text through gettext only.
    # (mark_safe's answer for a str, without its lazy-text wrapper.)
    return SafeString(html)


# Dates written by vigie/core/dates.py rather than by the date filter (same text, tested):
# the case page shows some forty moments. The words are read once per language (and zone).
Words = tuple[Formatter, tuple[str, str] | None, ZoneInfo, ZoneInfo]
_words: dict[tuple[str | None, str], Words] = {}


def _words_for(local: Any) -> Words:
    """The datetime format and the local time's suffix (empty for Paris), in the active
    language: the suffix's halves go either side of the local time."""
    key = (get_language(), str(local))
    words = _words.get(key)
    if words is None:
        suffix = None
        if local != PARIS_KEY:
            # As {% blocktranslate %}: the translation as is, the zone's name escaped.
            zone = _("structure's local time, %(tz)s") % {"tz": escape(zone_label(local))}
            suffix = (f" ({escape(_('Paris time'))}) — ", f" ({zone})")
        formatter = date_formatter(get_format("DATETIME_FORMAT"))
        words = _words[key] = (formatter, suffix, ZoneInfo(PARIS_KEY), ZoneInfo(local))
    return words


def moment_html(at: Any, paris: Any, local: Any) -> SafeString:
    """In Python rather than an included template: the case page shows dozens of them."""
    if (
        not isinstance(at, datetime)
        or at.tzinfo is None
        or paris != PARIS_KEY
        or not isinstance(local, str)
    ):
        return moment_html_by_filters(at, paris, local)
    try:
        formatter, suffix, paris_zone, local_zone = _words_for(local)
    except ZoneInfoNotFoundError:  # as the tz filter: no such zone, the filter's answer
        return moment_html_by_filters(at, paris, local)
    # An aware moment in a named zone: what do_timezone gives, the date filter writes.
    html = (
        f'<time datetime="{e(template_localtime(at).isoformat())}">'
        f"{e(formatter(at.astimezone(paris_zone)))}</time>"
    )
    if suffix is None:
        return safe(f"{html}\n")
    text = e(formatter(at.astimezone(local_zone)))
    return safe(f"{html}{suffix[0]}{text}{suffix[1]}\n")


def moment_html_by_filters(at: Any, paris: Any, local: Any) -> SafeString:
    """moment_html through Django's date filter (any value the filter takes)."""
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


def declaration_sections(sections: Iterable[Any], heading_level: int = 2) -> SafeString:
    """declarations/includes/sections.html with ``editable=False``: every field of the
    declaration, step by step, read only."""
    empty = f'<span class="vigie-empty">{_("Not filled in")}</span>'
    level = e(heading_level or 2)
    out = []
    for section in sections:
        slug = e(section.step.slug)
        out.append(
            f'\n<section class="fr-mb-4w" aria-labelledby="section-{slug}"'
            f' data-testid="section-{slug}">\n'
            f'<h{level} class="fr-h5" id="section-{slug}">{e(section.number)}.'
            f" {e(section.step.title)}</h{level}>\n"
            '<dl class="vigie-summary">\n'
        )
        for row in section.rows:
            value = lines(row.value) if row.value else empty
            out.append(f"<dt>{e(row.label)}</dt>\n<dd>\n{value}\n</dd>\n")
        out.append("</dl>\n</section>\n")
    return safe("".join(out))


def timeline(rows: Iterable[Any], paris: Any, local: Any) -> SafeString:
    """The case's events, oldest first (the timeline of cases/detail.html)."""
    related_label = None
    out = []
    for row in rows:
        out.append(
            f'\n<li data-testid="event" data-kind="{e(row.event.kind)}">\n'
            f'<p class="fr-mb-0"><strong>{e(row.kind)}</strong> — {e(row.actor)}</p>\n'
            f'<p class="fr-text--sm fr-mb-0">{moment_html(row.at, paris, local)}</p>\n'
        )
        if row.from_status or row.to_status:
            before = f"{e(row.from_status)} → " if row.from_status else ""
            out.append(
                f'<p class="fr-mb-0" data-testid="event-status">{before}{e(row.to_status)}</p>\n'
            )
        out.extend(f'<p class="fr-mb-0">{e(detail)}</p>' for detail in row.details)
        out.append("\n")
        if row.reason:
            out.append(f'<p class="fr-mb-0 vigie-reason">{lines(row.reason)}</p>')
        out.append("\n")
        if row.related:
            if related_label is None:
                related_label = _("Related cases:")
            links = ", ".join(
                f'<a href="{e(reverse("cases:detail", args=[other.pk]))}">{e(other.reference)}</a>'
                for other in row.related
            )
            out.append(
                f'<p class="fr-mb-0" data-testid="event-related">{related_label} {links}</p>'
            )
        out.append("\n</li>\n")
    return safe("".join(out))


def action_form(
    form: Any, *, action: str, submit: Any, secondary: Any, csrf_token: Any
) -> SafeString:
    """cases/includes/action_form.html without a legend: one action form, posted to its
    own URL with the case version shown (optimistic lock)."""
    html_id = e(form.html_id)
    described = f' aria-describedby="{html_id}-errors"' if form.errors else ""
    if csrf_token == "NOTPROVIDED":
        token = ""
    elif csrf_token:
        token = f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(csrf_token)}">'
    else:
        token = ""
    hidden = "".join(e(field) for field in form.hidden_fields())
    errors = ""
    non_field = form.non_field_errors()
    if non_field:
        messages = "".join(
            f'<p class="fr-message fr-message--error">{e(error)}</p>' for error in non_field
        )
        errors = (
            f'<div class="fr-messages-group" id="{html_id}-errors" role="alert">\n'
            f"{messages}\n</div>"
        )
    fields = _visible_fields(form)
    button = " fr-btn--secondary" if secondary else ""
    return safe(
        f'<form id="{html_id}" method="post" action="{e(action)}" novalidate'
        f' class="vigie-action fr-mt-2w fr-mb-4w" data-testid="{html_id}"{described}>\n'
        f"{token}\n{hidden}\n{errors}\n\n{fields}\n"
        f'<button type="submit" class="fr-btn{button}" data-testid="{e(form.key)}-submit">'
        f"{e(submit)}</button>\n</form>\n"
    )


# The visible fields of the blank action forms, per form, ids, language, initial values
# (the version aside) and what the form took from the case or the reader
# (``CaseActionForm.fields_key``): a page shows half a dozen, the same on every case, and
# building their markup was most of the panel's cost.
_blank_fields = Memo()


def _visible_fields(form: Any) -> str:
    if form.is_bound:
        return "".join(e(field.as_field_group()) for field in form.visible_fields())
    initial = tuple(sorted((k, repr(v)) for k, v in form.initial.items() if k != "version"))
    key = (type(form), form.auto_id, get_language(), initial, form.fields_key())
    html = _blank_fields.get(key)
    if html is None:
        html = _blank_fields.put(
            key, "".join(e(field.as_field_group()) for field in form.visible_fields())
        )
    return html


def _get(row: Any, name: str) -> Any:
    """``{{ row.name }}`` for a dict or an object."""
    return row[name] if isinstance(row, dict) else getattr(row, name)


def action_panel(panel: Iterable[Any], open_key: Any, csrf_token: Any) -> SafeString:
    """The accordions of the "Your actions" panel, each with its form; ``open_key``'s
    unfolded."""
    out = []
    for item in panel:
        key = e(item.key)
        opened = item.key == open_key
        hint = f'<p class="fr-hint-text">{e(item.hint)}</p>' if item.hint else ""
        form = action_form(
            item.form,
            action=item.url,
            submit=item.submit,
            secondary=not item.primary,
            csrf_token=csrf_token,
        )
        out.append(
            f'\n<section class="fr-accordion" data-testid="action-{key}">\n'
            '<h3 class="fr-accordion__title">\n'
            f'<button type="button" class="fr-accordion__btn"'
            f' aria-expanded="{"true" if opened else "false"}"'
            f' aria-controls="action-{key}-content">{e(item.title)}</button>\n</h3>\n'
            f'<div class="fr-collapse{" fr-collapse--expanded" if opened else ""}"'
            f' id="action-{key}-content">\n{hint}\n{form}\n</div>\n</section>\n'
        )
    return safe("".join(out))


def questions(
    rows: Iterable[Any], case_pk: int, paris: Any, local: Any, csrf_token: Any
) -> SafeString:
    """The questions to the declarant, their answers or the form to answer them."""
    out = []
    for row in rows:
        question = _get(row, "question")
        form = _get(row, "form")
        evidence = question.preserve_evidence
        callout = " fr-callout--orange-terre-battue fr-icon-warning-line" if evidence else ""
        marked = ' data-evidence="true"' if evidence else ""
        out.append(
            f'\n<div class="fr-callout{callout} fr-mb-3w" id="question-{e(question.pk)}"'
            f' data-testid="question"{marked}>\n'
        )
        if evidence:
            out.append(
                '<p class="fr-callout__title fr-h6" data-testid="evidence">'
                f"{_('Request to preserve evidence')}</p>"
            )
        asked = _("Asked by %(who)s") % {"who": user_name(question.asked_by)}
        out.append(
            f'\n<p class="fr-text--sm fr-mb-1w">{asked}, '
            f"{moment_html(question.asked_at, paris, local)}</p>\n"
            f'<p class="fr-callout__text fr-text--md">{lines(question.text)}</p>\n'
        )
        if question.answered_at:
            out.append(
                '<div class="fr-mt-2w" data-testid="answer">\n'
                f'<p class="fr-text--sm fr-mb-1w"><strong>{_("Answer")}</strong> — '
                f"{user_name(question.answered_by)}, "
                f"{moment_html(question.answered_at, paris, local)}</p>\n"
                f"<p>{lines(question.answer)}</p>\n</div>\n"
            )
        else:
            out.append(
                '<p><span class="fr-badge fr-badge--sm fr-badge--warning"'
                f' data-testid="unanswered">{_("Awaiting an answer")}</span></p>\n'
            )
            if form:
                url = reverse("cases:answer", args=[case_pk, question.pk])
                out.append(
                    action_form(
                        form,
                        action=url,
                        submit=safe(_("Send the answer")),
                        secondary=False,
                        csrf_token=csrf_token,
                    )
                )
            out.append("\n")
        out.append("</div>\n")
    if not out:
        out.append(f"\n<p>{_('No question so far.')}</p>\n")
    return safe("".join(out))


def tracking(entries: list[Any], paris: Any, local: Any) -> SafeString:
    """The tracking sheet's table, or that it has no entry."""
    if not entries:
        return safe(f"\n<p>{_('No entry so far.')}</p>\n")
    title = _("Tracking sheet")
    heads = "".join(
        f'\n<th scope="col">{label}</th>' for label in (_("Date"), _("Kind"), _("Details"), _("By"))
    )
    out = [
        '\n<div class="fr-table fr-table--no-caption">\n<table data-testid="tracking-table">\n'
        f"<caption>{title}</caption>\n<thead><tr>{heads}\n</tr></thead>\n<tbody>\n"
    ]
    for entry in entries:
        document = entry.document
        details = lines(entry.text)
        if document:
            br = "<br>" if entry.text else ""
            details += (
                f'{br}<a class="fr-link fr-icon-file-text-line fr-link--icon-left"'
                f' href="{e(document.get_absolute_url())}" data-testid="tracking-document">'
                f"{e(document)}</a>"
            )
        out.append(
            f'\n<tr data-testid="tracking-entry" data-kind="{e(entry.kind)}">\n'
            f"<td>{moment_html(entry.at, paris, local)}</td>\n"
            f"<td>{e(display(entry, 'kind'))}</td>\n"
            f"<td>{details}</td>\n<td>{user_name(entry.by)}</td>\n</tr>\n"
        )
    out.append("\n</tbody>\n</table>\n</div>\n")
    return safe("".join(out))


def handlers(rows: Iterable[Any], paris: Any, local: Any) -> SafeString:
    """Who is on the case, party by party (the side column's list)."""
    out = []
    since = nobody = None
    for row in rows:
        handler = row.handler
        if handler:
            since = since or _("since")
            who = (
                f'{user_name(handler.user)}<br><span class="fr-text--sm">{since} '
                f"{moment_html(handler.since, paris, local)}</span>\n"
            )
        else:
            nobody = nobody or _("nobody yet")
            who = f'\n<span class="vigie-muted">{nobody}</span>'
        out.append(
            f'\n<li class="fr-mb-1w" data-testid="handler" data-party="{e(row.party)}">\n'
            f"<strong>{e(row.label)}</strong> :\n{who}\n</li>\n"
        )
    return safe("".join(out))


def deadlines(rows: Iterable[Any], paris: Any, local: Any) -> SafeString:
    """The running deadlines (the side column's list), or that none is running."""
    out = []
    overdue = None
    for deadline in rows:
        late = deadline.overdue
        badge = ""
        if late:
            overdue = overdue or _("Overdue")
            badge = f' <span class="fr-badge fr-badge--sm fr-badge--error">{overdue}</span>'
        marked = ' data-overdue="true"' if late else ""
        due = moment_html(deadline.due_at, paris, local)
        out.append(
            f'\n<li class="fr-mb-1w" data-testid="deadline"{marked}>\n'
            f'<a href="#{e(deadline.anchor)}">{e(deadline.label)}</a>{badge}<br>\n'
            f'<span class="fr-text--sm">{due}</span>\n</li>\n'
        )
    if not out:
        return safe(f'\n<p class="fr-text--sm">{_("No deadline is running.")}</p>\n')
    return safe(f'\n<ul class="fr-raw-list">{"".join(out)}\n</ul>\n')


def page_summary(*, actions: bool, task_a: bool) -> SafeString:
    """The links of "On this page", in the page's order."""
    links = [
        ("declaration", _("Declaration")),
        *([("actions", _("Your actions"))] if actions else []),
        ("qualification", _("Qualification")),
        *([("task-a", _("Similar incidents in progress"))] if task_a else []),
        ("support", _("Support")),
        ("questions", _("Questions to the declarant")),
        ("tracking", _("Tracking sheet")),
        ("closure", _("Closure")),
        ("obligations", _("Notifications owed")),
        ("indicators", _("Indicators")),
        ("timeline", _("Timeline")),
    ]
    return safe(
        "".join(
            f'\n<li><a class="fr-summary__link" href="#{anchor}">{label}</a></li>'
            for anchor, label in links
        )
    )


def keyfacts(
    case: Any, declaration: Any, deadlines: list[Any], on_the_case: Any, paris: Any, local: Any
) -> SafeString:
    """The header's key facts: detected, care, urgent help, support mode, next deadline,
    who is on it."""
    detected = (
        moment_html(declaration.detected_at, paris, local) if declaration.detected_at else "—"
    )
    care = e(display(declaration, "care_impact") or "—")
    if declaration.plan_blanc:
        care += f" — {_('plan blanc triggered')}"
    if declaration.urgent_help:
        urgent = pgettext("urgent help", "Requested")
    elif declaration.help_needed:
        urgent = _("Help requested, not urgent")
    else:
        urgent = _("Not requested")
    mode = display(case, "support_mode")
    mode = e(mode) if mode else _("Not chosen yet")
    following = deadlines[0] if deadlines else None
    if following:
        overdue = ""
        if following.overdue:
            overdue = f'<span class="fr-badge fr-badge--sm fr-badge--error">{_("Overdue")}</span> '
        after = (
            f'<a href="#{e(following.anchor)}">{e(following.label)}</a><br>{overdue}'
            f"{moment_html(following.due_at, paris, local)}"
        )
    elif case.is_closed:
        after = _("None: the case is closed")
    else:
        after = _("None")
    people = []
    for row in on_the_case:
        if row.handler:
            people.append(f"{user_name(row.handler.user)} ({e(row.label)})")
        else:
            nobody = _("%(party)s: nobody yet") % {"party": e(row.label)}
            people.append(f'<span class="vigie-muted">{nobody}</span>')
    return safe(
        f"\n<div><dt>{_('Detected at')}</dt><dd>{detected}</dd></div>\n"
        f'<div><dt>{_("Impact on care")}</dt><dd data-testid="fact-care">{care}</dd></div>\n'
        f'<div><dt>{_("Urgent help")}</dt><dd data-testid="fact-urgent">{urgent}</dd></div>\n'
        f'<div><dt>{_("Support mode")}</dt><dd data-testid="support-mode">{mode}</dd></div>\n'
        f"<div><dt>{_('Next deadline')}</dt>\n"
        f'<dd data-testid="next-deadline">{after}</dd></div>\n'
        f"<div><dt>{_('Who is on it')}</dt>\n"
        f'<dd data-testid="fact-handlers">{"<br>".join(people)}</dd></div>\n'
    )


def declaration_summary(declaration: Any, case: Any, paris: Any, local: Any) -> SafeString:
    """The declaration's summary after who was on call: the declarant, what happened, what
    the structure already did, the updates to the ARS."""
    out = []
    if declaration.declarant_name:
        function = (
            f", {e(declaration.declarant_function)}" if declaration.declarant_function else ""
        )
        phone = declaration.declarant_phone
        phone = (
            f'<br><a href="tel:{e(str(phone).replace(" ", ""))}">{e(phone)}</a>' if phone else ""
        )
        email = declaration.declarant_email
        email = f'<br><a href="mailto:{e(email)}">{e(email)}</a>' if email else ""
        out.append(
            f"\n<dt>{_('Declarant')}</dt>\n"
            f'<dd data-testid="declarant">{e(declaration.declarant_name)}{function}\n'
            f"{phone}\n{email}</dd>\n"
        )
    out.append("\n")
    if declaration.description:
        out.append(
            f"<dt>{_('Description')}</dt>"
            f'<dd data-testid="description">{lines(declaration.description)}</dd>'
        )
    out.append("\n")
    if declaration.sites_affected:
        out.append(
            f"<dt>{_('Sites and services affected')}</dt>"
            f"<dd>{lines(declaration.sites_affected)}</dd>"
        )
    out.append("\n")
    vendors = list(declaration.vendors.all())
    software = declaration.software
    if software or vendors or declaration.other_vendors:
        names = ", ".join(e(vendor.name) for vendor in vendors)
        if names and software:
            names = f" — {names}"
        others = f" — {e(declaration.other_vendors)}" if declaration.other_vendors else ""
        out.append(
            f"\n<dt>{_('Software and vendors')}</dt>\n"
            f"<dd>{e(software) if software else ''}{names}{others}</dd>\n"
        )
    out.append("\n")
    done = [
        f"<li>{text}</li>"
        for flag, text in [
            (declaration.containment_done, _("Containment done")),
            (declaration.isolation_done, _("Systems isolated")),
            (declaration.complaint_filed, _("Complaint filed")),
        ]
        if flag
    ]
    if declaration.actions_taken:
        done.append(f"<li>{lines(declaration.actions_taken)}</li>")
    if done:
        items = "\n".join(done)
        out.append(
            f"\n<dt>{_('Already done by the structure')}</dt>\n"
            f'<dd><ul class="fr-mb-0">\n{items}\n</ul></dd>\n'
        )
    out.append("\n")
    if case.last_ars_update_at:
        out.append(
            f"<dt>{_('Last update to the ARS')}</dt>"
            f"<dd>{moment_html(case.last_ars_update_at, paris, local)}</dd>"
        )
    out.append("\n")
    if case.ars_update_due_at and case.status == "to_process":
        out.append(
            f"<dt>{_('Next update to the ARS due')}</dt>"
            f'<dd data-testid="ars-due">{moment_html(case.ars_update_due_at, paris, local)}</dd>'
        )
    out.append("\n")
    return safe("".join(out))


def similar(items: Iterable[Any]) -> SafeString:
    """The similar incidents in progress (task A): each case, its structure, its status and
    why it is similar."""
    out = []
    case_url = case_urls()
    for item in items:
        case = item.case
        structure = case.structure
        url = case_url(case.pk)
        reasons = "; ".join(e(reason) for reason in item.reasons)
        out.append(
            '\n<li data-testid="similar">\n'
            f'<a href="{e(url)}">{e(case.reference)}</a>\n'
            f"— {e(structure.name)} ({e(structure.departement)})\n"
            f"{_status_badge(case.status, display(case, 'status'))}\n"
            f'<br><span class="fr-text--sm">{reasons}</span>\n</li>\n'
        )
    return safe("".join(out))
