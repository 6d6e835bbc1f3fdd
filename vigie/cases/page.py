"""The case page's own markup, written in Python: cases/detail.html keeps the layout it
extends and the blocks of the apps above cases (on call, the SSI action plan, e-mails,
insights, lessons learned), in the order the page shows them; everything between them is
written here, in the parts the template places around those blocks.

The same markup as the template it replaces (kept as
tests/cases/reference_templates/detail.html and compared with the page by
tests/cases/test_case_render.py for many roles, cases and refused posts): every value
escaped as ``{{ value }}`` escapes it, every text through gettext with the template's
msgids, {% blocktranslate %}'s values escaped and its translation left as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.defaultfilters import date as date_filter
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigie.cases import render
from vigie.cases.models import CaseStatus
from vigie.cases.queue_rows import _status_badge
from vigie.core.choices import display
from vigie.core.dsfr_render import e, lines, user_name
from vigie.core.timezones import zone_label
from vigie.declarations.templatetags.attachment_tags import attachment_list_html, attachments_for

_TLP_CLASSES = {
    "red": " fr-badge--error",
    "amber": " fr-badge--warning",
    "amber_strict": " fr-badge--warning",
    "green": " fr-badge--success",
}


@dataclass(frozen=True)
class Parts:
    """The page's markup between the blocks of the apps above cases (see detail.html)."""

    top: SafeString  # up to the declaration's reference, before who was on call
    declaration: SafeString  # the declaration's summary to task A, before the action plan
    support: SafeString  # support and questions, before the e-mails
    closure: SafeString  # tracking sheet and closure, up to the notifications still owed
    closure_end: SafeString  # the rest of the closure, before the insights
    side: SafeString  # after the lessons learned: the side column


def _join(values: Any) -> str:
    """``{{ values|join:", " }}``: each value escaped."""
    return ", ".join(e(value) for value in values)


def parts(request: Any, context: dict[str, Any], csrf_token: Any) -> Parts:
    """The parts of the case page's main block for ``context`` (the view's)."""
    paris, local = context["paris_tz"], context["structure_tz"]

    def when(at: Any) -> str:
        return render.moment_html(at, paris, local)

    return Parts(
        top=render.safe(_top(context, when)),
        declaration=render.safe(_declaration(request, context, csrf_token, when)),
        support=render.safe(_support(context, csrf_token, when)),
        closure=render.safe(_closure(context, when)),
        closure_end=render.safe(_closure_end(context)),
        side=render.safe(_side(context, csrf_token)),
    )


def _top(context: dict[str, Any], when: Any) -> str:
    case, declaration, structure = context["case"], context["declaration"], context["structure"]
    bound, action_error = context["bound"], context["action_error"]
    out = [
        '<p class="fr-mb-2w"><a class="fr-link fr-icon-arrow-left-line fr-link--icon-left"'
        f' href="{e(reverse("cases:queue"))}">{_("Cases")}</a></p>\n'
    ]
    if action_error:
        out.append(
            '<div class="fr-alert fr-alert--error fr-mb-3w" role="alert" id="action-error"'
            ' data-testid="action-error">\n'
            f'<h2 class="fr-alert__title">{_("Your action was not recorded")}</h2>\n'
            f"<p>{e(action_error)}</p>\n"
        )
        if bound:
            out.append(f'<p><a href="#{e(bound.html_id)}">{_("Go to what you typed")}</a></p>\n')
        out.append("</div>\n")
    if bound is not None and bound.errors:
        items = [
            f'<li><a href="#{e(error["anchor"])}">{e(error["label"])}</a> — '
            f"{e(error['message'])}</li>"
            for error in bound.error_links()
        ]
        items += [
            f'<li><a href="#{e(bound.html_id)}">{e(error)}</a></li>'
            for error in bound.non_field_errors()
        ]
        out.append(
            '<div class="fr-alert fr-alert--error fr-mb-3w" role="alert" id="error-summary"'
            ' data-testid="error-summary">\n'
            f'<h2 class="fr-alert__title">{_("Some fields need correcting")}</h2>\n'
            f"<p>{_('What you typed has been kept. Please correct:')}</p>\n"
            f"<ul>\n{''.join(items)}\n</ul>\n</div>\n"
        )
    # The header: what decides, at a glance.
    incident_type = (
        f' <span class="vigie-case-type">— {e(declaration.incident_type)}</span>'
        if declaration.incident_type
        else ""
    )
    status = _status_badge(case.status, display(case, "status"), small=False)
    badges = [f"<li>{status}</li>", _criticity_badge(case)]
    badges += [
        f'<li><span class="fr-badge fr-badge--no-icon" data-testid="outcome">{_("Outcome")} '
        f"{e(str(outcome).upper())}</span></li>"
        for outcome in case.outcomes
    ]
    tlp = _TLP_CLASSES.get(declaration.tlp, "")
    badges.append(
        f'<li>\n<span class="fr-badge fr-badge--no-icon fr-badge--sm{tlp}" data-testid="tlp">'
        f"{e(display(declaration, 'tlp'))}</span>\n</li>"
    )
    if case.piloted_by_hfds:
        badges.append(
            '<li><span class="fr-badge fr-badge--warning" data-testid="hfds">'
            f"{_('Piloted by the HFDS (phase 4 bis)')}</span></li>"
        )
    if case.crisis_mode:
        badges.append(
            '<li><span class="fr-badge fr-badge--error" data-testid="crisis">'
            f"{_('Crisis mode')}</span></li>"
        )
    if not case.is_closed:
        # cases/includes/urgency_badges.html with as_items
        if declaration.urgent_help:
            badges.append(
                '<li><span class="fr-badge fr-badge--error fr-badge--no-icon"'
                f' data-testid="urgent-badge">{_("Urgent help requested")}</span></li>'
            )
        if case.care_affected:
            badges.append(
                '<li><span class="fr-badge fr-badge--error fr-badge--no-icon"'
                f' data-testid="care-badge">{_("Care affected")}</span></li>'
            )
    if declaration.awaits_confirmation:
        # declarations/includes/taken_badge.html with as_items
        badges.append(
            '<li><span class="fr-badge fr-badge--new fr-badge--no-icon" data-testid="taken-badge">'
            f"{_('Declaration taken on behalf of the structure')}</span></li>"
        )
    if case.is_military:
        badges.append(
            '<li><span class="fr-badge fr-badge--no-icon" data-testid="military">'
            f"{_('Military hospital')}</span></li>"
        )
    if case.shared_with_cell:
        badges.append(
            '<li><span class="fr-badge fr-badge--no-icon" data-testid="shared">'
            f"{_('Shared with the support cell')}</span></li>"
        )
    keyfacts = render.keyfacts(
        case,
        declaration,
        context["deadlines"],
        context["on_the_case"],
        context["paris_tz"],
        context["structure_tz"],
    )
    out.append(
        '<header class="vigie-case-header fr-mb-3w" aria-labelledby="case-title">\n'
        f'<p class="fr-mb-1w">{_("Case")} — <strong data-testid="structure">{e(structure.name)}'
        f"</strong> — {e(structure.finess_display)} ({e(structure.departement)})</p>\n"
        f'<h1 class="fr-h3 fr-mb-1w" id="case-title"><span data-testid="reference">'
        f"{e(case.reference)}</span>{incident_type}</h1>\n"
        f'<ul class="fr-badges-group" data-testid="badges">\n{"".join(badges)}\n</ul>\n'
        f'<dl class="vigie-keyfacts" data-testid="keyfacts">\n{keyfacts}\n</dl>\n'
        "</header>\n"
    )
    if case.is_overdue:
        due = date_filter(
            do_timezone(case.ars_update_due_at, context["structure_tz"]), "DATETIME_FORMAT"
        )
        text = _("The progress report to the ARS was due on %(due)s (ARS local time).") % {
            "due": e(due)
        }
        out.append(
            '<div class="fr-alert fr-alert--warning fr-mb-3w" data-testid="overdue">\n'
            f'<h2 class="fr-alert__title">{_("Weekly update to the ARS late")}</h2>\n'
            f"<p>{text}</p>\n</div>\n"
        )
    if case.is_closed:
        closed = _("This case is closed: it is shown for reference and can no longer be changed.")
        out.append(
            '<div class="fr-alert fr-alert--info fr-alert--sm fr-mb-3w"'
            f' data-testid="closed-notice">\n<p>{closed}</p>\n</div>\n'
        )
    # The declaration: its summary first, the whole of it one click away.
    out.append(
        '<div class="fr-grid-row fr-grid-row--gutters">\n<div class="fr-col-12 fr-col-lg-8">\n'
        '<section class="fr-mb-4w" id="declaration" aria-labelledby="declaration-title">\n'
        f'<h2 class="fr-h4" id="declaration-title">{_("Declaration")}</h2>\n'
    )
    missing_fields = context["missing_fields"]
    if missing_fields:
        text = _("Declaration sent with its first facts: still to complete — %(fields)s.") % {
            "fields": _join(missing_fields)
        }
        link = ""
        if context["can_complete"]:
            url = reverse("declarations:complete", args=[declaration.pk])
            link = (
                f'<a class="fr-link" href="{e(url)}" data-testid="complete-link">'
                f"{_('Complete the declaration')}</a>"
            )
        out.append(
            '<div class="fr-alert fr-alert--warning fr-alert--sm fr-mb-2w"'
            f' data-testid="declaration-incomplete">\n<p>{text}\n{link}</p>\n</div>\n'
        )
    if context["declaration_readable"]:
        url = reverse("declarations:detail", args=[declaration.pk])
        reference = (
            f'<a href="{e(url)}" data-testid="declaration-link">{e(declaration.reference)}</a>'
        )
    else:
        reference = e(declaration.reference)
    out.append(
        '<dl class="vigie-summary" data-testid="declaration-summary">\n'
        f"<dt>{_('Declaration')}</dt>\n<dd>{reference}, {when(case.opened_at)}</dd>\n"
    )
    return "".join(out)


def _criticity_badge(case: Any) -> str:
    if not case.criticity:
        return ""
    warning = " fr-badge--warning" if case.is_significant else ""
    return (
        f'<li><span class="fr-badge fr-badge--no-icon{warning}" data-testid="criticity"'
        f' data-criticity="{e(case.criticity)}">{_("Criticity:")} '
        f"{e(display(case, 'criticity'))}</span></li>"
    )


def _declaration(request: Any, context: dict[str, Any], csrf_token: Any, when: Any) -> str:
    """From the declaration's summary (after who was on call) to task A."""
    case, declaration = context["case"], context["declaration"]
    summary = render.declaration_summary(
        declaration, case, context["paris_tz"], context["structure_tz"]
    )
    dates = _("Dates below are in the structure's local time (%(tz)s).") % {
        "tz": e(zone_label(context["structure_tz"]))
    }
    files = attachment_list_html(
        attachments_for(request.user, declaration, context["declaration_readable"])
    )
    out = [
        f"{summary}\n</dl>\n"
        '<div class="fr-accordions-group fr-mt-2w">\n<section class="fr-accordion">\n'
        '<h3 class="fr-accordion__title">\n'
        '<button type="button" class="fr-accordion__btn" aria-expanded="false"'
        ' aria-controls="declaration-content" data-testid="declaration-toggle">'
        f"{_('Content of the declaration')}</button>\n</h3>\n"
        '<div class="fr-collapse" id="declaration-content">\n'
        f'<p class="fr-text--sm">{dates}</p>\n'
        f"{render.declaration_sections(context['sections'], 4)}\n"
        f'<h4 class="fr-h6">{_("Attachments")}</h4>\n{files}\n'
        "</div>\n</section>\n</div>\n</section>\n"
    ]
    # What this person may do now, in one place.
    panel, unanswered, elsewhere = context["panel"], context["unanswered"], context["elsewhere"]
    if panel or unanswered or elsewhere:
        out.append(
            '<section class="fr-mb-4w vigie-actions" id="actions" aria-labelledby="actions-title"'
            ' data-testid="actions-panel">\n'
            f'<h2 class="fr-h4" id="actions-title">{_("Your actions")}</h2>\n'
        )
        if unanswered or elsewhere:
            links = []
            if unanswered:
                text = ngettext(
                    "Answer the question awaiting you",
                    "Answer the %(counter)s questions awaiting you",
                    unanswered,
                ) % {"counter": e(unanswered)}
                links.append(
                    '<li><a class="fr-link fr-icon-arrow-down-line fr-link--icon-right"'
                    f' href="#questions" data-testid="answer-link">{text}</a></li>'
                )
            links += [
                '<li><a class="fr-link fr-icon-arrow-down-line fr-link--icon-right"'
                f' href="#{e(link["anchor"])}">{e(link["label"])}</a></li>'
                for link in elsewhere
            ]
            out.append(
                '<ul class="fr-raw-list fr-mb-2w" data-testid="actions-elsewhere">\n'
                f"{''.join(links)}\n</ul>\n"
            )
        if panel:
            out.append(
                '<div class="fr-accordions-group" data-fr-group="false">\n'
                f"{render.action_panel(panel, context['open_action'], csrf_token)}\n</div>\n"
            )
        out.append("</section>\n")
    # Phase 3: qualification.
    out.append(
        '<section class="fr-mb-4w" id="qualification" aria-labelledby="qualification-title">\n'
        f'<h2 class="fr-h4" id="qualification-title">{_("Qualification")}</h2>\n'
    )
    if case.qualified_at:
        labels = "".join(f"<li>{e(label)}</li>" for label in context["outcome_labels"])
        note = ""
        if case.qualification_note:
            note = f"<dt>{_('Rationale')}</dt><dd>{lines(case.qualification_note)}</dd>\n"
        out.append(
            '<dl class="vigie-summary" data-testid="qualification">\n'
            f"<dt>{_('Criticity')}</dt><dd>{e(display(case, 'criticity'))}</dd>\n"
            f'<dt>{_("Outcomes")}</dt>\n<dd><ul class="fr-mb-0">{labels}</ul></dd>\n{note}'
            f"<dt>{_('Qualified by')}</dt>\n"
            f"<dd>{user_name(case.qualified_by)}, {when(case.qualified_at)}</dd>\n</dl>\n"
        )
    else:
        out.append(f"<p>{_('Not qualified yet.')}</p>\n")
    out.append("</section>\n")
    # Phase 4, task A: other incidents of the same kind.
    if context["show_task_a"]:
        explained = _(
            "Other open cases of the same incident type, with a vendor or software in common. "
            "Several incidents of the same kind may make this one significant (phase 4 bis)."
        )
        if context["similar"]:
            listed = (
                f'<ul data-testid="similar-list">\n{render.similar(context["similar"])}\n</ul>\n'
            )
        else:
            listed = (
                f'<p data-testid="no-similar">'
                f"{_('No other incident of the same kind in progress.')}</p>\n"
            )
        out.append(
            '<section class="fr-mb-4w" id="task-a" aria-labelledby="task-a-title"'
            ' data-testid="task-a">\n'
            f'<h2 class="fr-h4" id="task-a-title">{_("Similar incidents in progress")}</h2>\n'
            f'<p class="fr-text--sm">{explained}</p>\n{listed}</section>\n'
        )
    return "".join(out)


def _support(context: dict[str, Any], csrf_token: Any, when: Any) -> str:
    """Phase 4 (support) and the questions, after the SSI action plan."""
    case = context["case"]
    ended = ""
    if case.support_ended_at:
        ended = f"<dt>{_('Support ended at')}</dt><dd>{when(case.support_ended_at)}</dd>\n"
    # ``default:_("Not chosen yet")``: the translated literal as is, the value escaped.
    mode = e(display(case, "support_mode")) or _("Not chosen yet")
    questions = render.questions(
        context["questions"], case.pk, context["paris_tz"], context["structure_tz"], csrf_token
    )
    return (
        '<section class="fr-mb-4w" id="support" aria-labelledby="support-title">\n'
        f'<h2 class="fr-h4" id="support-title">{_("Support")}</h2>\n'
        f'<dl class="vigie-summary">\n<dt>{_("Support mode")}</dt><dd>{mode}</dd>\n{ended}'
        "</dl>\n</section>\n"
        '<section class="fr-mb-4w" id="questions" aria-labelledby="questions-title">\n'
        f'<h2 class="fr-h4" id="questions-title">{_("Questions to the declarant")}</h2>\n'
        f"{questions}\n</section>\n"
    )


def _closure(context: dict[str, Any], when: Any) -> str:
    """The tracking sheet and phase 5 (closure), up to the notifications still owed."""
    case = context["case"]
    tracking = render.tracking(
        list(case.tracking.all()), context["paris_tz"], context["structure_tz"]
    )
    out = [
        '<section class="fr-mb-4w" id="tracking" aria-labelledby="tracking-title">\n'
        f'<h2 class="fr-h4" id="tracking-title">{_("Tracking sheet")}</h2>\n'
        f"{tracking}\n</section>\n"
        '<section class="fr-mb-4w" id="closure" aria-labelledby="closure-title">\n'
        f'<h2 class="fr-h4" id="closure-title">{_("Closure")}</h2>\n'
    ]
    if case.is_closed:
        by = f" — {user_name(case.closed_by)}" if case.closed_by else ""
        rows = [f"<dt>{_('Closed at')}</dt>\n<dd>{when(case.closed_at)}{by}</dd>\n"]
        for value, label in (
            (case.closure_synthesis, _("Synthesis of actions and results")),
            (case.residual_vulnerabilities, _("Residual vulnerabilities")),
            (case.residual_risks, _("Residual risks")),
        ):
            if value:
                rows.append(f"<dt>{label}</dt><dd>{lines(value)}</dd>\n")
        if case.structure_opinion:
            comment = ""
            if case.structure_opinion_comment:
                comment = f" — {lines(case.structure_opinion_comment)}"
            opinion = _("Structure's opinion of the help received")
            rows.append(
                f"<dt>{opinion}</dt>\n"
                f'<dd data-testid="structure-opinion">{e(display(case, "structure_opinion"))}'
                f"{comment}</dd>\n"
            )
        report = "".join(rows)
        out.append(f'<dl class="vigie-summary" data-testid="closure-report">\n{report}</dl>\n')
    agreements = context["agreements"]
    if agreements or case.status == CaseStatus.TO_CLOSE:
        items = []
        for agreement in agreements:
            comment = f"\n<br>{lines(agreement.comment)}" if agreement.comment else ""
            items.append(
                f'<li data-testid="agreement" data-party="{e(agreement.party)}">\n'
                f'<span class="fr-badge fr-badge--sm fr-badge--success">{_("Agreed")}</span>\n'
                f"<strong>{e(display(agreement, 'party'))}</strong> — {user_name(agreement.by)}, "
                f"{when(agreement.at)}{comment}\n</li>\n"
            )
        items += [
            '<li data-testid="missing-agreement"><span class="fr-badge fr-badge--sm'
            f' fr-badge--warning">{_("Awaited")}</span> <strong>{e(party)}</strong></li>\n'
            for party in context["missing_parties"]
        ]
        out.append(
            f'<h3 class="fr-h6">{_("Agreements that support has ended")}</h3>\n'
            f'<ul data-testid="agreements">\n{"".join(items)}</ul>\n'
        )
    elif not case.is_closed:
        text = _("Once support has ended, closure needs the agreement of: %(parties)s.") % {
            "parties": _join(context["required_parties"])
        }
        out.append(f"<p>{text}</p>\n")
    return "".join(out)


def _closure_end(context: dict[str, Any]) -> str:
    """After the notifications still owed: what the closure still waits for."""
    out = []
    if context["closer"] and context["missing_parties"]:
        text = _("Still awaited before closing: the agreement of %(parties)s.") % {
            "parties": _join(context["missing_parties"])
        }
        out.append(
            '<div class="fr-alert fr-alert--info fr-alert--sm fr-mb-2w"'
            f' data-testid="close-missing">\n<p>{text}</p>\n</div>\n'
        )
    out.append("</section>\n")
    return "".join(out)


def _side(context: dict[str, Any], csrf_token: Any) -> str:
    """After the lessons learned: who is on the case, the deadlines, the page's sections,
    the timeline."""
    case = context["case"]
    paris, local = context["paris_tz"], context["structure_tz"]
    forms = []
    if context["take_form"]:
        forms.append(
            render.action_form(
                context["take_form"],
                action=reverse("cases:take", args=[case.pk]),
                submit=_("I am on this case"),
                secondary=False,
                csrf_token=csrf_token,
            )
        )
    if context["release_form"]:
        forms.append(
            render.action_form(
                context["release_form"],
                action=reverse("cases:release", args=[case.pk]),
                submit=_("I am no longer on this case"),
                secondary=True,
                csrf_token=csrf_token,
            )
        )
    out = [
        '</div>\n<div class="fr-col-12 fr-col-lg-4 vigie-case-side">\n'
        '<section class="fr-mb-4w vigie-side-block" id="handlers" aria-labelledby="handlers-title"'
        ' data-testid="handlers">\n'
        f'<h2 class="fr-h5" id="handlers-title">{_("Who is on the case")}</h2>\n'
        '<ul class="fr-raw-list">\n'
        f"{render.handlers(context['on_the_case'], paris, local)}\n</ul>\n"
        f"{''.join(forms)}</section>\n"
    ]
    if not case.is_closed:
        out.append(
            '<section class="fr-mb-4w vigie-side-block" id="deadlines"'
            ' aria-labelledby="deadlines-title" data-testid="deadlines">\n'
            f'<h2 class="fr-h5" id="deadlines-title">{_("Deadlines")}</h2>\n'
            f"{render.deadlines(context['deadlines'], paris, local)}\n</section>\n"
        )
    panel, unanswered, elsewhere = context["panel"], context["unanswered"], context["elsewhere"]
    summary = render.page_summary(
        actions=bool(panel or unanswered or elsewhere), task_a=bool(context["show_task_a"])
    )
    out.append(
        '<nav class="fr-summary fr-mb-4w vigie-side-block" role="navigation"'
        ' aria-labelledby="summary-title">\n'
        f'<p class="fr-summary__title" id="summary-title">{_("On this page")}</p>\n'
        f'<ol class="fr-summary__list">\n{summary}\n</ol>\n</nav>\n'
        '<section class="fr-mb-4w" id="timeline" aria-labelledby="timeline-title">\n'
        f'<h2 class="fr-h5" id="timeline-title">{_("Timeline")}</h2>\n'
        '<ol class="vigie-timeline fr-raw-list" data-testid="timeline">\n'
        f"{render.timeline(context['timeline'], paris, local)}\n</ol>\n</section>\n"
        "</div>\n</div>\n"
    )
    return "".join(out)
