"""Writes on cases. Each function: one transaction, the optimistic version check, one
timeline event, notifications on commit. Permissions come from cases.workflow."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.cases import notify, workflow
from vigie.cases.models import (
    Case,
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
from vigie.core.scoping import scope_for
from vigie.declarations.models import Declaration, DeclarationRecipient, RecipientKind
from vigie.directory.models import Role, User

WEEKLY = timedelta(days=7)


# --- helpers ---------------------------------------------------------------------------


def ars_update_due(moment: datetime, case: Case) -> datetime:
    """One week later on the ARS's wall clock (a DST change does not shift the hour)."""
    tz = ZoneInfo(case.structure.departement.region.timezone)
    return moment.astimezone(tz) + WEEKLY


def _deny(message: str | None = None) -> PermissionDenied:
    return PermissionDenied(message or _("You are not allowed to do this on this case."))


def _locked(case: Case, version: int | None) -> Case:
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("structure__departement__region", "declaration")
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


def _open_for_changes(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise workflow.TransitionRefused(_("This case is closed: it can no longer be changed."))


def _save(case: Case) -> None:
    case.version += 1
    case.save()


def _event(
    case: Case,
    by: User | None,
    kind: str,
    *,
    reason: str = "",
    from_status: str = "",
    to_status: str = "",
    **data: Any,
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        case=case,
        actor=by,
        kind=kind,
        reason=reason,
        from_status=from_status,
        to_status=to_status,
        data=data,
    )


def _transition(case: Case, to: str, by: User | None, reason: str = "") -> TimelineEvent:
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
    case = Case.objects.create(
        declaration=declaration,
        reference=declaration.reference or "",
        structure=declaration.structure,
        region_id=declaration.structure.departement.region_id,
        is_military=declaration.structure.is_military,
        care_affected=bool(ars and not ars.notice_only and declaration.structure.is_military)
        or declaration.affects_care,
        involves_health_products=RecipientKind.ANSM in by_kind,
        opened_at=declaration.submitted_at or timezone.now(),
    )
    _event(case, None, EventKind.OPENED, to_status=case.status, at_declaration=declaration.pk)
    return case


# --- phase 3: qualification ------------------------------------------------------------


@transaction.atomic
def case_qualify(
    *,
    case: Case,
    by: User,
    version: int | None,
    criticity: str,
    outcomes: list[str],
    note: str = "",
) -> Case:
    case = _locked(case, version)
    if not workflow.can_qualify(scope_for(by), case):
        raise _deny()
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
    now = timezone.now()
    case.criticity = criticity
    case.outcomes = outcomes
    case.qualification_note = note
    case.qualified_at = now
    case.qualified_by = by
    _event(case, by, EventKind.QUALIFIED, reason=note, criticity=criticity, outcomes=outcomes)
    if criticity == Criticity.NOT_INCIDENT:
        _transition(case, CaseStatus.CLOSED, by, note)
        case.closed_at = now
        case.closed_by = by
    else:
        _transition(case, CaseStatus.TO_PROCESS, by, note)
        case.piloted_by_hfds = criticity == Criticity.SIGNIFICANT
        case.ars_update_due_at = ars_update_due(now, case)
    _save(case)
    notify.notify_qualification(case)
    return case


# --- questions and evidence ------------------------------------------------------------


@transaction.atomic
def case_ask(*, case: Case, by: User, text: str, preserve_evidence: bool = False) -> Question:
    case = _locked(case, None)
    _open_for_changes(case)
    if not workflow.can_ask(scope_for(by), case):
        raise _deny()
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
        users=notify.structure_users(case),
        mailboxes=notify.declarant_mailboxes(case),
    )
    return question


@transaction.atomic
def case_answer(*, question: Question, by: User, answer: str) -> Question:
    case = _locked(question.case, None)
    _open_for_changes(case)
    if not workflow.can_answer(scope_for(by), case):
        raise _deny()
    question = Question.objects.select_for_update().get(pk=question.pk)
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
        users=[question.asked_by],
        mailboxes=[question.asked_by.email],
    )
    return question


# --- phase 4: support --------------------------------------------------------------------


@transaction.atomic
def case_choose_support(
    *, case: Case, by: User, version: int | None, mode: str, reason: str = ""
) -> Case:
    case = _locked(case, version)
    _open_for_changes(case)
    if not workflow.can_choose_support(scope_for(by), case):
        raise _deny(_("Only the ARS of the structure's region chooses the support mode."))
    mode = SupportMode(mode)
    case.support_mode = mode
    _event(case, by, EventKind.SUPPORT_MODE, reason=reason, mode=mode)
    _save(case)
    notify.notify(
        case,
        purpose="support_mode",
        subject=_("Support mode: %(mode)s") % {"mode": mode.label},
        message=reason,
        users=notify.users_with(Role.ACSS_ANALYST),
        mailboxes=[settings.VIGIE_MAILBOXES["acss"]],
    )
    return case


@transaction.atomic
def case_track(*, case: Case, by: User, kind: str, text: str) -> TrackingEntry:
    """Add a tracking-sheet entry. A structure reports its own actions; the staff in
    charge record the rest. Any entry by the ARS itself counts as the weekly update."""
    case = _locked(case, None)
    _open_for_changes(case)
    scope = scope_for(by)
    kind = TrackingKind(kind)
    if kind == TrackingKind.STRUCTURE_ACTION:
        allowed = workflow.can_report_structure_action(scope, case) or workflow.can_track(
            scope, case
        )
    else:
        allowed = workflow.can_track(scope, case)
    if not allowed:
        raise _deny()
    if not text.strip():
        raise ValidationError({"text": _("Describe the entry.")})
    entry = TrackingEntry.objects.create(case=case, kind=kind, text=text.strip(), by=by)
    _event(case, by, EventKind.TRACKING, reason=entry.text, entry=entry.pk, tracking=kind)
    if case.structure.departement.region_id in scope.ars_region_ids:
        _mark_ars_informed(case, entry.at)
    _save(case)
    if kind != TrackingKind.STRUCTURE_ACTION and not case.is_military:
        notify.notify(
            case,
            purpose=f"tracking:{kind}",
            subject=str(kind.label),
            message=entry.text,
            users=notify.structure_users(case),
        )
    return entry


def _mark_ars_informed(case: Case, at: datetime) -> None:
    case.last_ars_update_at = at
    if case.status == CaseStatus.TO_PROCESS:
        case.ars_update_due_at = ars_update_due(at, case)


@transaction.atomic
def case_report_to_ars(*, case: Case, by: User, text: str) -> Case:
    """The weekly progress report to the ARS (SPEC: at least once a week)."""
    case = _locked(case, None)
    _open_for_changes(case)
    if not workflow.can_track(scope_for(by), case):
        raise _deny()
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
        users=notify.ars_users(case),
        mailboxes=[notify.ars_mailbox(case)],
    )
    return case


@transaction.atomic
def case_switch_significant(*, case: Case, by: User, version: int | None, reason: str) -> Case:
    """Task A of phase 4: several incidents of the same kind → significant (phase 4 bis)."""
    case = _locked(case, version)
    _open_for_changes(case)
    if not workflow.can_switch_significant(scope_for(by), case):
        raise _deny()
    if case.status != CaseStatus.TO_PROCESS:
        raise workflow.TransitionRefused(_("Only a case in support can become significant."))
    if case.is_significant:
        raise workflow.TransitionRefused(_("This case is already significant."))
    if not reason.strip():
        raise ValidationError({"reason": _("Explain why the incident is significant.")})
    case.criticity = Criticity.SIGNIFICANT
    case.piloted_by_hfds = True
    _event(case, by, EventKind.SIGNIFICANT, reason=reason.strip())
    _save(case)
    notify.notify(
        case,
        purpose="significant",
        subject=_("Incident now significant: piloted by the HFDS (phase 4 bis)"),
        message=reason.strip(),
        users=notify.users_with(Role.HFDS) + notify.ars_users(case),
        mailboxes=[settings.VIGIE_MAILBOXES["fssi"], notify.ars_mailbox(case)],
    )
    return case


@transaction.atomic
def case_set_crisis(*, case: Case, by: User, version: int | None, on: bool, reason: str) -> Case:
    case = _locked(case, version)
    _open_for_changes(case)
    if not workflow.can_set_crisis(scope_for(by), case):
        raise _deny(_("Only the HFDS/FSSI sets crisis mode, on a significant incident."))
    case.crisis_mode = on
    _event(case, by, EventKind.CRISIS, reason=reason, on=on)
    _save(case)
    return case


@transaction.atomic
def case_share_with_cell(*, case: Case, by: User, version: int | None, reason: str = "") -> Case:
    case = _locked(case, version)
    _open_for_changes(case)
    if not workflow.can_share_with_cell(scope_for(by), case):
        raise _deny()
    case.shared_with_cell = True
    _event(case, by, EventKind.SHARED, reason=reason)
    _save(case)
    notify.notify(
        case,
        purpose="shared",
        subject=_("Military hospital case shared with the support cell"),
        message=reason,
        users=notify.users_with(Role.ACSS_ANALYST),
        mailboxes=[settings.VIGIE_MAILBOXES["acss"]],
    )
    return case


@transaction.atomic
def case_end_support(*, case: Case, by: User, version: int | None, reason: str = "") -> Case:
    case = _locked(case, version)
    if not workflow.can_end_support(scope_for(by), case):
        raise _deny()
    _transition(case, CaseStatus.TO_CLOSE, by, reason)
    case.support_ended_at = timezone.now()
    _save(case)
    notify.notify(
        case,
        purpose="to_close",
        subject=_("Support ended: your agreement to close is requested"),
        message=reason,
        users=notify.structure_users(case) + notify.ars_users(case),
        mailboxes=notify.declarant_mailboxes(case),
    )
    return case


@transaction.atomic
def case_resume_support(*, case: Case, by: User, version: int | None, reason: str) -> Case:
    case = _locked(case, version)
    if not workflow.can_end_support(scope_for(by), case):
        raise _deny()
    if not reason.strip():
        raise ValidationError({"reason": _("Explain why support resumes.")})
    _transition(case, CaseStatus.TO_PROCESS, by, reason)
    case.support_ended_at = None
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
    case = _locked(case, None)
    if case.status != CaseStatus.TO_CLOSE:
        raise workflow.TransitionRefused(
            _("Agreement to close is given once support has ended (case “To close”).")
        )
    party = Party(party)
    if party not in workflow.parties_of(scope_for(by), case):
        raise _deny(_("You cannot agree on behalf of this party."))
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


def missing_agreements(case: Case) -> list[str]:
    given = set(case.agreements.values_list("party", flat=True))
    return [party for party in workflow.required_parties(case) if party not in given]


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
    case = _locked(case, version)
    if not workflow.can_close(scope_for(by), case):
        raise _deny()
    workflow.check_transition(case, CaseStatus.CLOSED)
    missing = missing_agreements(case)
    if missing:
        raise workflow.TransitionRefused(
            _("Closure needs the agreement of: %(parties)s.")
            % {"parties": ", ".join(str(Party(p).label) for p in missing)}
        )
    if not synthesis.strip():
        raise ValidationError({"synthesis": _("Write the synthesis of actions and results.")})
    case.closure_synthesis = synthesis.strip()
    case.residual_vulnerabilities = residual_vulnerabilities.strip()
    case.residual_risks = residual_risks.strip()
    case.closed_at = timezone.now()
    case.closed_by = by
    _event(case, by, EventKind.CLOSED, reason=case.closure_synthesis)
    _transition(case, CaseStatus.CLOSED, by)
    _save(case)
    notify.notify(
        case,
        purpose="closed",
        subject=_("Case closed"),
        message=case.closure_synthesis,
        users=notify.structure_users(case) + notify.ars_users(case),
        mailboxes=[*notify.declarant_mailboxes(case), notify.ars_mailbox(case)],
    )
    return case


# --- weekly reminder -------------------------------------------------------------------


def case_remind_overdue(*, now: datetime | None = None) -> int:
    """Remind whoever supports each overdue case; at most one reminder a day per case."""
    now = now or timezone.now()
    reminded = 0
    due = Case.objects.overdue(now).exclude(last_reminder_at__gt=now - timedelta(days=1))
    for case_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            case = _locked(Case(pk=case_id), None)
            still_due = case.ars_update_due_at is not None and case.ars_update_due_at < now
            if case.status != CaseStatus.TO_PROCESS or not still_due:
                continue  # updated or moved on since the list was read
            case.last_reminder_at = now
            days = (now - (case.last_ars_update_at or case.qualified_at or case.opened_at)).days
            _event(case, None, EventKind.REMINDER, days=days)
            case.save(update_fields=["last_reminder_at", "updated_at"])
            if case.support_mode == SupportMode.ARS:
                users, boxes = notify.ars_users(case), [notify.ars_mailbox(case)]
            elif case.is_military:
                users, boxes = (
                    notify.users_with(Role.DEFENCE),
                    [settings.VIGIE_MAILBOXES["defence"]],
                )
            else:
                users = notify.users_with(Role.ACSS_ANALYST) + notify.ars_users(case)
                boxes = [settings.VIGIE_MAILBOXES["acss"], notify.ars_mailbox(case)]
            notify.notify(
                case,
                purpose="reminder",
                subject=_("Weekly update to the ARS overdue"),
                message=_("No progress reported to the ARS for %(days)s days.") % {"days": days},
                users=users,
                mailboxes=boxes,
            )
            reminded += 1
    return reminded
