"""Writes on cases. Each function: one transaction, the optimistic version check, the
action table's check on the locked case (cases.workflow.action_check), one timeline event,
notifications through the audience rule (cases.notify)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.cases import documents, notify, workflow
from vigie.cases.models import (
    Case,
    CaseHandler,
    CaseStatus,
    ClosureAgreement,
    Criticity,
    EventKind,
    Outcome,
    Party,
    Question,
    StructureOpinion,
    SupportMode,
    TimelineEvent,
    TrackingEntry,
    TrackingKind,
)
from vigie.core.batch import insert_together
from vigie.core.scoping import scope_for
from vigie.declarations.models import Declaration, DeclarationRecipient, RecipientKind
from vigie.directory.models import User

WEEKLY = timedelta(days=7)


# --- helpers ---------------------------------------------------------------------------


def ars_update_due(moment: datetime, case: Case) -> datetime:
    """One week later on the ARS's wall clock (a DST change does not shift the hour)."""
    tz = ZoneInfo(case.region.timezone)
    return moment.astimezone(tz) + WEEKLY


def case_lock(case: Case, version: int | None = None) -> Case:
    """The case, locked for the rest of the transaction; with ``version``, refused when
    it changed since the user loaded it (every write on a case starts here)."""
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related(
            "region", "structure__departement__region", "structure__director", "declaration"
        )
        .get(pk=case.pk)
    )
    if version is not None and locked.version != version:
        last = locked.timeline.select_related("actor").order_by("-at", "-pk").first()
        who = last.actor.get_full_name() if last and last.actor else _("someone else")
        when = timezone.localtime(last.at).strftime("%H:%M") if last else ""
        raise workflow.ConcurrentEdit(
            _(
                "This case was changed by %(who)s at %(when)s while you were editing it. "
                "Your input is kept below: check the case as it is now, then submit again."
            )
            % {"who": who, "when": when}
        )
    return locked


def _save(case: Case) -> None:
    case.version += 1
    case.save()


def _event(case: Case, by: User | None, kind: str, **fields: Any) -> TimelineEvent:
    """The event ``_event_row`` builds, written."""
    event = _event_row(case, by, kind, **fields)
    event.save(force_insert=True)
    return event


def _event_row(
    case: Case,
    by: User | None,
    kind: str,
    *,
    reason: str = "",
    from_status: str = "",
    to_status: str = "",
    at: datetime | None = None,
    **data: Any,
) -> TimelineEvent:
    """The event ``_event`` writes, not saved yet."""
    return TimelineEvent(
        case=case,
        at=at or timezone.now(),
        actor=by,
        kind=kind,
        reason=reason,
        from_status=from_status,
        to_status=to_status,
        data=data,
    )


def _transition(
    case: Case, to: str, by: User | None, reason: str = "", *, at: datetime | None = None
) -> TimelineEvent:
    workflow.check_transition(case, to)
    previous = case.status
    case.status = to
    return _event(
        case,
        by,
        EventKind.TRANSITION,
        reason=reason or str(workflow.TRANSITIONS[(previous, to)]),
        from_status=previous,
        to_status=to,
        at=at,
    )


# --- phase 2: opening ------------------------------------------------------------------


def case_open(
    *, declaration: Declaration, recipients: Iterable[DeclarationRecipient] | None = None
) -> Case:
    """Open the case of a submitted declaration (called inside declaration_submit, which
    passes the recipients it has just written)."""
    if recipients is None:
        recipients = declaration.recipients.all()
    by_kind = {r.kind: r for r in recipients}
    ars = by_kind.get(RecipientKind.ARS)
    case = Case(
        declaration=declaration,
        reference=declaration.reference or "",
        structure=declaration.structure,
        region_id=declaration.structure.departement.region_id,
        is_military=declaration.structure.is_military,
        structure_kind=declaration.structure.kind,
        care_affected=bool(ars and not ars.notice_only and declaration.structure.is_military)
        or declaration.affects_care,
        urgent_help=declaration.urgent_help,
        involves_health_products=RecipientKind.ANSM in by_kind,
        opened_at=declaration.submitted_at or timezone.now(),
        detected_at=declaration.detected_at,
        submitted_at=declaration.submitted_at,
        incident_type_id=declaration.incident_type_id,
        malicious=declaration.malicious,
    )
    # Each row written by a statement prepared once (in every submission's transaction,
    # compiling the two INSERTs cost more than running them).
    insert_together([case])
    # Opened when the declaration was submitted (a declaration filed afterwards, by the
    # portal or the demo, carries its own submission time).
    event = _event_row(
        case,
        None,
        EventKind.OPENED,
        to_status=case.status,
        at=case.opened_at,
        at_declaration=declaration.pk,
    )
    insert_together([event])
    return case


def case_open_on_submission(
    declaration: Declaration, recipients: list[DeclarationRecipient]
) -> Case:
    """Registered with declarations.services.on_submitted (cases.apps)."""
    return case_open(declaration=declaration, recipients=recipients)


def case_follow_declaration(
    declaration: Declaration, by: User, step: str, changed: list[str], completed: bool
) -> Case | None:
    """Registered with declarations.services.on_completed (cases.apps): the case records
    what was completed, and follows the facts it derives from the declaration (care
    affected, health products involved: who reads the case depends on them)."""
    case = Case.objects.filter(declaration=declaration).first()
    if case is None:
        return None
    case = case_lock(case)
    recipients = {r.kind: r for r in declaration.recipients.all()}
    ars = recipients.get(RecipientKind.ARS)
    case.care_affected = (
        case.care_affected
        or declaration.affects_care
        or bool(ars and not ars.notice_only and case.is_military)
    )
    case.urgent_help = declaration.urgent_help
    case.detected_at = declaration.detected_at
    case.submitted_at = declaration.submitted_at
    case.incident_type_id = declaration.incident_type_id
    case.malicious = declaration.malicious
    case.involves_health_products = RecipientKind.ANSM in recipients
    _event(case, by, EventKind.DECLARATION, step=step, fields=changed, completed=completed)
    _save(case)
    handlers = [h.user for h in case.handlers.select_related("user") if h.user_id != by.pk]
    if handlers:
        notify.notify(
            case,
            purpose="declaration_completed",
            subject=_("The declaration was completed")
            if completed
            else _("The declaration was updated"),
            message=_("%(who)s updated the declaration.") % {"who": by.get_full_name() or by.email},
            to=notify.people(handlers),
        )
    return case


# --- phase 3: qualification ------------------------------------------------------------


def _check(name: str, by: User, case: Case) -> None:
    workflow.action_check(name, scope_for(by), case)


@transaction.atomic
def case_qualify(
    *,
    case: Case,
    by: User,
    version: int | None,
    criticity: str,
    outcomes: list[str],
    note: str = "",
    at: datetime | None = None,
) -> Case:
    """``at``: when the qualification was made, for one recorded afterwards (the demo's
    history); now by default."""
    case = case_lock(case, version)
    _check("qualify", by, case)
    outcomes = sorted(set(outcomes))
    if criticity == Criticity.NOT_INCIDENT:
        if outcomes != [Outcome.B1]:
            raise ValidationError(
                {"outcomes": _("An event that is not a security incident has outcome B1 only.")}
            )
    else:
        if Outcome.B1 in outcomes or Outcome.B2 not in outcomes:
            raise ValidationError(
                {
                    "outcomes": _(
                        "A serious or significant incident has outcome B2 (and B3 when a "
                        "sanitary impact is possible), never B1."
                    )
                }
            )
    now = at or timezone.now()
    case.criticity = criticity
    case.outcomes = outcomes
    case.qualification_note = note
    case.qualified_at = now
    case.qualified_by = by
    _event(
        case, by, EventKind.QUALIFIED, reason=note, at=now, criticity=criticity, outcomes=outcomes
    )
    if criticity == Criticity.NOT_INCIDENT:
        _transition(case, CaseStatus.CLOSED, by, note, at=now)
        case.closed_at = now
        case.closed_by = by
    else:
        _transition(case, CaseStatus.TO_PROCESS, by, note, at=now)
        case.piloted_by_hfds = criticity == Criticity.SIGNIFICANT
        # The weekly update is owed to an ARS that follows the case (not to the ARS of a
        # military hospital whose care is not affected: it knows only that it exists).
        if workflow.ars_informed(case):
            case.ars_update_due_at = ars_update_due(now, case)
    _save(case)
    notify.notify_qualification(case)
    return case


# --- questions and evidence ------------------------------------------------------------


@transaction.atomic
def case_take(*, case: Case, by: User) -> list[CaseHandler]:
    """``by`` is now the one on the case for each party it acts for (the cell, its ARS,
    the HFDS, the defence chain). Taking over from a colleague tells them. Who is on the
    case is not its content: the case's version does not change, so nobody's form in
    progress is refused for it."""
    case = case_lock(case)
    _check("take", by, case)
    parties = workflow.staff_parties(scope_for(by), case)
    current = {h.party: h for h in case.handlers.select_related("user").filter(party__in=parties)}
    taken: list[CaseHandler] = []
    for party in parties:
        handler = current.get(party)
        if handler is not None and handler.user_id == by.pk:
            continue
        previous = handler.user if handler is not None else None
        if handler is None:
            handler = CaseHandler(case=case, party=party)
        handler.user = by
        handler.since = timezone.now()
        handler.save()
        taken.append(handler)
        _event(
            case,
            by,
            EventKind.TAKEN,
            party=party,
            previous=previous.pk if previous is not None else None,
        )
        if previous is not None:
            notify.notify(
                case,
                purpose="taken",
                subject=_("A colleague took over the case"),
                message=_("%(who)s is now on the case for: %(party)s.")
                % {"who": by.get_full_name() or by.email, "party": Party(party).label},
                to=notify.person(previous),
            )
    return taken


@transaction.atomic
def case_release(*, case: Case, by: User) -> int:
    """``by`` is no longer on the case (for every party it held it for)."""
    case = case_lock(case)
    _check("release", by, case)
    held = list(case.handlers.filter(user=by))
    for handler in held:
        _event(case, by, EventKind.RELEASED, party=handler.party)
        handler.delete()
    return len(held)


@transaction.atomic
def case_ask(*, case: Case, by: User, text: str, preserve_evidence: bool = False) -> Question:
    case = case_lock(case, None)
    _check("ask", by, case)
    if not text.strip():
        raise ValidationError({"text": _("Write the question.")})
    question = Question.objects.create(
        case=case, text=text.strip(), preserve_evidence=preserve_evidence, asked_by=by
    )
    kind = EventKind.EVIDENCE if preserve_evidence else EventKind.QUESTION
    _event(case, by, kind, reason=question.text, question=question.pk)
    _save(case)
    notify.notify(
        case,
        purpose="question",
        subject=(
            _("Request to preserve evidence")
            if preserve_evidence
            else _("A question about your declaration")
        ),
        message=question.text,
        to=notify.structure(case),
    )
    return question


@transaction.atomic
def case_answer(*, question: Question, by: User, answer: str) -> Question:
    case = case_lock(question.case, None)
    _check("answer", by, case)
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.case_id != case.pk:
        raise PermissionDenied
    if question.answered_at is not None:
        raise workflow.TransitionRefused(_("This question has already been answered."))
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer.")})
    question.answer = answer.strip()
    question.answered_by = by
    question.answered_at = timezone.now()
    question.save()
    _event(case, by, EventKind.ANSWER, reason=question.answer, question=question.pk)
    _save(case)
    notify.notify(
        case,
        purpose="answer",
        subject=_("The declarant answered"),
        message=question.answer,
        to=notify.person(question.asked_by),
    )
    return question


# --- phase 4: support --------------------------------------------------------------------


@transaction.atomic
def case_choose_support(
    *, case: Case, by: User, version: int | None, mode: str, reason: str = ""
) -> Case:
    case = case_lock(case, version)
    _check("support", by, case)
    mode = SupportMode(mode)
    case.support_mode = mode
    _event(case, by, EventKind.SUPPORT_MODE, reason=reason, mode=mode)
    _save(case)
    notify.notify(
        case,
        purpose="support_mode",
        subject=_("Support mode: %(mode)s") % {"mode": mode.label},
        message=reason,
        to=notify.national("acss"),
    )
    return case


@transaction.atomic
def case_track(*, case: Case, by: User, kind: str, text: str, document: str = "") -> TrackingEntry:
    """Add a tracking-sheet entry. A structure's declarants report its own actions; the
    staff in charge record the rest. Any entry by the ARS itself counts as the weekly
    update. "Reflex sheet sent" and "Referenced providers list sent" carry the exact
    version sent (``document``: the option chosen, vigie/cases/documents.py)."""
    case = case_lock(case, None)
    scope = scope_for(by)
    kind = TrackingKind(kind)
    workflow.tracking_check(scope, case, kind)
    attached = documents.attach(kind, case, document)
    if not text.strip() and attached is None:
        raise ValidationError({"text": _("Describe the entry.")})
    entry = TrackingEntry.objects.create(
        case=case, kind=kind, text=text.strip(), by=by, document=attached
    )
    _event(
        case,
        by,
        EventKind.TRACKING,
        reason=entry.text or str(attached),
        entry=entry.pk,
        tracking=kind,
    )
    if workflow.own_ars(scope, case) and workflow.ars_informed(case):
        _mark_ars_informed(case, entry.at)
    _save(case)
    if kind != TrackingKind.STRUCTURE_ACTION and not case.is_military:
        to = notify.structure(case, mailboxes=False)
        if kind in workflow.DGS_KINDS:
            # The DGS's recommendations reach those who support the case.
            to += [*notify.national("acss"), *notify.ars(case)]
        message = entry.text
        if attached is not None:
            url = getattr(attached, "get_absolute_url", lambda: "")()
            link = f"{attached}: {settings.SITE_URL}{url}"
            message = f"{message}\n\n{link}" if message else link
        notify.notify(
            case, purpose=f"tracking:{kind}", subject=str(kind.label), message=message, to=to
        )
    return entry


def _mark_ars_informed(case: Case, at: datetime) -> None:
    case.last_ars_update_at = at
    if case.status == CaseStatus.TO_PROCESS:
        case.ars_update_due_at = ars_update_due(at, case)


@transaction.atomic
def case_report_to_ars(*, case: Case, by: User, text: str) -> Case:
    """The weekly progress report to the ARS (SPEC: at least once a week)."""
    case = case_lock(case, None)
    _check("report", by, case)
    if not text.strip():
        raise ValidationError({"text": _("Summarise the progress for the ARS.")})
    now = timezone.now()
    _event(case, by, EventKind.ARS_UPDATE, reason=text.strip())
    _mark_ars_informed(case, now)
    _save(case)
    notify.notify(
        case,
        purpose="ars_update",
        subject=_("Weekly progress report"),
        message=text.strip(),
        to=notify.ars(case),
    )
    return case


@transaction.atomic
def case_switch_significant(
    *,
    case: Case,
    by: User,
    version: int | None,
    reason: str,
    related_case_ids: Iterable[int] = (),
) -> Case:
    """Task A of phase 4: several incidents of the same kind → significant (phase 4 bis).

    The other incidents are stored as ids (``related``), never as text: each reader of
    the timeline or of a message sees only the references it may read."""
    case = case_lock(case, version)
    _check("significant", by, case)
    if not reason.strip():
        raise ValidationError({"reason": _("Explain why the incident is significant.")})
    wanted = set(related_case_ids) - {case.pk}
    related = sorted(Case.objects.visible_to(by).filter(pk__in=wanted).values_list("pk", flat=True))
    if len(related) != len(wanted):
        raise ValidationError({"related": _("Choose among the cases listed.")})
    case.criticity = Criticity.SIGNIFICANT
    case.piloted_by_hfds = True
    _event(case, by, EventKind.SIGNIFICANT, reason=reason.strip(), related=related)
    _save(case)
    notify.notify(
        case,
        purpose="significant",
        subject=_("Incident now significant: piloted by the HFDS (phase 4 bis)"),
        message=reason.strip(),
        to=[*notify.national("fssi"), *notify.ars(case)],
        related_case_ids=related,
    )
    return case


@transaction.atomic
def case_set_crisis(*, case: Case, by: User, version: int | None, on: bool, reason: str) -> Case:
    case = case_lock(case, version)
    _check("crisis", by, case)
    case.crisis_mode = on
    _event(case, by, EventKind.CRISIS, reason=reason, on=on)
    _save(case)
    return case


@transaction.atomic
def case_share_with_cell(*, case: Case, by: User, version: int | None, reason: str = "") -> Case:
    case = case_lock(case, version)
    _check("share", by, case)
    case.shared_with_cell = True
    _event(case, by, EventKind.SHARED, reason=reason)
    _save(case)
    notify.notify(
        case,
        purpose="shared",
        subject=_("Military hospital case shared with the support cell"),
        message=reason,
        to=notify.national("acss"),
    )
    return case


@transaction.atomic
def case_end_support(*, case: Case, by: User, version: int | None, reason: str = "") -> Case:
    case = case_lock(case, version)
    _check("end_support", by, case)
    _transition(case, CaseStatus.TO_CLOSE, by, reason)
    case.support_ended_at = timezone.now()
    _save(case)
    notify.notify(
        case,
        purpose="to_close",
        subject=_("Support ended: your agreement to close is requested"),
        message=reason,
        to=[*notify.structure(case), *notify.people(notify.ars_officers(case))],
    )
    return case


@transaction.atomic
def case_resume_support(*, case: Case, by: User, version: int | None, reason: str) -> Case:
    case = case_lock(case, version)
    _check("resume_support", by, case)
    if not reason.strip():
        raise ValidationError({"reason": _("Explain why support resumes.")})
    _transition(case, CaseStatus.TO_PROCESS, by, reason)
    case.support_ended_at = None
    if workflow.ars_informed(case):
        case.ars_update_due_at = ars_update_due(timezone.now(), case)
    # Agreements given for the previous end of support no longer hold.
    case.agreements.all().delete()
    _save(case)
    return case


# --- phase 5: closure ------------------------------------------------------------------


@transaction.atomic
def case_agree(
    *,
    case: Case,
    by: User,
    party: str,
    comment: str = "",
    opinion: str = "",
    opinion_comment: str = "",
) -> ClosureAgreement:
    case = case_lock(case, None)
    scope = scope_for(by)
    workflow.action_check("agree", scope, case)
    party = Party(party)
    if party not in workflow.parties_of(scope, case):
        raise PermissionDenied(_("You cannot agree on behalf of this party."))
    if case.agreements.filter(party=party).exists():
        raise workflow.TransitionRefused(_("This party has already agreed."))
    if party == Party.STRUCTURE:
        if opinion not in StructureOpinion.values:
            raise ValidationError(
                {"opinion": _("Give the structure's opinion of the help received.")}
            )
        case.structure_opinion = opinion
        case.structure_opinion_comment = opinion_comment.strip()
    agreement = ClosureAgreement.objects.create(case=case, party=party, by=by, comment=comment)
    _event(case, by, EventKind.AGREEMENT, reason=comment, party=party, opinion=opinion)
    _save(case)
    return agreement


missing_agreements = workflow.missing_agreements


@transaction.atomic
def case_close(
    *,
    case: Case,
    by: User,
    version: int | None,
    synthesis: str,
    residual_vulnerabilities: str = "",
    residual_risks: str = "",
) -> Case:
    case = case_lock(case, version)
    _check("close", by, case)
    if not synthesis.strip():
        raise ValidationError({"synthesis": _("Write the synthesis of actions and results.")})
    case.closure_synthesis = synthesis.strip()
    case.residual_vulnerabilities = residual_vulnerabilities.strip()
    case.residual_risks = residual_risks.strip()
    case.closed_at = timezone.now()
    case.closed_by = by
    _event(case, by, EventKind.CLOSED, reason=case.closure_synthesis)
    if case.crisis_mode:
        # A closed case is no longer in crisis: the queue and the header stop saying so.
        case.crisis_mode = False
        _event(case, by, EventKind.CRISIS, reason=_("Ended with the closure."), on=False)
    _transition(case, CaseStatus.CLOSED, by)
    _save(case)
    notify.notify(
        case,
        purpose="closed",
        subject=_("Case closed"),
        message=case.closure_synthesis,
        to=[*notify.structure(case), *notify.ars(case)],
    )
    return case


# --- a structure that moved to another region --------------------------------------------


def cases_follow_structures() -> int:
    """Move the open cases of structures now in another region (a FINESS import or the
    operator changed their département) to that region's ARS; returns how many moved."""
    moved = 0
    stale = (
        Case.objects.exclude(status=CaseStatus.CLOSED)
        .exclude(region_id=F("structure__departement__region_id"))
        .values_list("pk", flat=True)
    )
    for case_id in list(stale):
        with transaction.atomic():
            case = case_lock(Case(pk=case_id), None)
            if case_follow_structure(case=case):
                moved += 1
    return moved


def case_follow_structure(*, case: Case) -> bool:
    """Move one open case (locked by the caller) to its structure's current region: a
    timeline event, and a notice to both ARS (the former one loses access)."""
    new_region = case.structure.departement.region
    if case.is_closed or case.region_id == new_region.pk:
        return False
    old_region = case.region
    notify.notify(
        case,
        purpose="region:from",
        subject=_("Case transferred to %(ars)s") % {"ars": new_region.ars_name},
        message=_(
            "The structure now belongs to another region: the case is followed by "
            "%(ars)s. You no longer have access to it."
        )
        % {"ars": new_region.ars_name},
        to=notify.ars(case),
    )
    case.region = new_region
    _event(
        case,
        None,
        EventKind.REGION,
        reason=_("Structure moved from %(old)s to %(new)s.")
        % {"old": old_region.name, "new": new_region.name},
        from_region=old_region.pk,
        to_region=new_region.pk,
    )
    if case.status == CaseStatus.TO_PROCESS and workflow.ars_informed(case):
        case.ars_update_due_at = ars_update_due(timezone.now(), case)
    _save(case)
    notify.notify(
        case,
        purpose="region:to",
        subject=_("Case transferred to your ARS"),
        message=_("The structure now belongs to your region: you follow this case from now."),
        to=notify.ars(case),
    )
    return True


# --- weekly reminder -------------------------------------------------------------------


def case_remind_overdue(*, now: datetime | None = None) -> int:
    """Remind whoever supports each overdue case; at most one reminder a day per case."""
    now = now or timezone.now()
    reminded = 0
    due = Case.objects.overdue(now).exclude(last_reminder_at__gt=now - timedelta(days=1))
    for case_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            case = case_lock(Case(pk=case_id), None)
            still_due = case.ars_update_due_at is not None and case.ars_update_due_at < now
            if case.status != CaseStatus.TO_PROCESS or not still_due:
                continue  # updated or moved on since the list was read
            case.last_reminder_at = now
            days = (now - (case.last_ars_update_at or case.qualified_at or case.opened_at)).days
            _event(case, None, EventKind.REMINDER, days=days)
            case.save(update_fields=["last_reminder_at", "updated_at"])
            if case.support_mode == SupportMode.ARS:
                to = notify.ars(case)
            elif case.is_military:
                to = notify.national("defence")
            else:
                to = [*notify.national("acss"), *notify.ars(case)]
            notify.notify(
                case,
                purpose="reminder",
                subject=_("Weekly update to the ARS overdue"),
                message=_("No progress reported to the ARS for %(days)s days.") % {"days": days},
                to=to,
            )
            reminded += 1
    return reminded
