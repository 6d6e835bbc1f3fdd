"""Case pages (thin: forms validate, services write, selectors read).

Each action form posts to its own URL with the case version the user saw. When the
service refuses, the case page is shown again with the message at the top and the
user's input still in the form: nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST, require_safe

from vigie.cases import header, page, selectors, services, workflow
from vigie.cases.display import timeline_rows
from vigie.cases.forms import (
    AgreeForm,
    AnswerForm,
    ArsUpdateForm,
    AskForm,
    CaseActionForm,
    CloseForm,
    CrisisForm,
    EndSupportForm,
    QualifyForm,
    QueueFilterForm,
    ResumeSupportForm,
    ShareForm,
    SignificantForm,
    SupportModeForm,
    TakeForm,
    TrackForm,
)
from vigie.cases.models import Case, CaseStatus, Outcome, Party, Question, TrackingKind
from vigie.cases.queue_rows import queue_rows
from vigie.cases.scopes import Level, case_level
from vigie.core.dsfr_render import LEAN_RENDERER
from vigie.core.forms import form_add_service_errors
from vigie.core.scoping import Scope, scope_for
from vigie.declarations import selectors as declaration_selectors
from vigie.declarations.services import may_complete
from vigie.directory.models import User

PARIS = "Europe/Paris"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- the queue -------------------------------------------------------------------------


@login_required
@require_safe
def case_queue(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    staff = scope.is_national or bool(scope.ars_region_ids)
    if not staff and not scope.structure_ids:
        raise Http404  # a vendor contact, an administrator: no case is ever theirs
    # An ARS officer's desk: every open case (a fresh urgent declaration awaiting
    # qualification included), urgent ones first, then the most pressing weekly update.
    # Closed cases owe no update: that tab lists them newest first.
    ars_desk = bool(scope.ars_region_ids) and not scope.is_national
    default_status = selectors.OPEN if staff else selectors.ALL
    closed_tab = request.GET.get("status") == CaseStatus.CLOSED
    default_sort = "ars_update_due_at" if ars_desk and not closed_tab else "-opened_at"
    data = request.GET.copy() if request.GET else None
    if data is not None and not data.get("sort"):
        data["sort"] = default_sort
    form = QueueFilterForm(
        data,
        initial={"sort": default_sort},
        user=request.user,
        with_region=scope.is_national or len(scope.ars_region_ids) > 1,
        staff=staff,
        renderer=LEAN_RENDERER,
    )
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = form.cleaned_data
    status = filters.get("status") or default_status
    sort = filters.get("sort") or default_sort
    queue = selectors.case_queue(
        request.user,
        status=None if status == selectors.ALL else status,
        region=filters.get("region") or None,
        structure_kind=filters.get("structure_kind") or None,
        incident_type=filters.get("incident_type") or None,
        overdue=bool(filters.get("overdue")),
        significant=True if filters.get("significant") else None,
        q=filters.get("q") or None,
        sort=sort,
        mine=bool(filters.get("mine")),
        unhandled=bool(filters.get("unhandled")),
    )
    count = queue.counts[status]
    if form.is_bound and not form.is_valid():
        queue.cases = queue.cases.none()
        count = 0
    page = CountedPaginator(queue.cases, 25, count=count).get_page(request.GET.get("page"))
    # The page's cases, read with what their rows show (one statement), when there are any.
    cases = cast("QuerySet[Case]", page.object_list)
    page.object_list = queue_rows(cases, with_handlers=staff) if count else []
    tabs = []
    for value in selectors.QUEUE_STATUSES:
        params = request.GET.copy()
        params.pop("page", None)
        params["status"] = value
        tabs.append(
            {
                "value": value,
                "label": _tab_label(value),
                "count": queue.counts[value],
                "capped": value in queue.capped,
                "url": f"?{params.urlencode()}",
                "current": value == status,
            }
        )
    filtered = any(
        filters.get(name) for name in ("q", "region", "structure_kind", "incident_type")
    ) or any(filters.get(name) for name in ("overdue", "significant", "mine", "unhandled"))
    return render(
        request,
        "cases/queue.html",
        {
            "form": form,
            "page_obj": page,
            "tabs": tabs,
            "status": status,
            "sort": sort,
            "staff": staff,
            "filtered": filtered,
            "total": queue.counts[selectors.ALL],
            "capped": status in queue.capped,
        },
    )


class CountedPaginator(Paginator):
    """A paginator told how many objects there are (the queue has just counted each tab,
    capping the closed cases at COUNT_CAP): no second count, no paging past the cap."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @property
    def count(self) -> int:
        return self.known_count


def _tab_label(value: str) -> str:
    if value == selectors.OPEN:
        return pgettext("cases in the queue", "Open")
    if value == selectors.ALL:
        return pgettext("cases in the queue", "All")
    return str(CaseStatus(value).label)


# --- the case page ---------------------------------------------------------------------


def _case_or_404(request: HttpRequest, pk: int) -> Case:
    case = selectors.case_detail(request.user, pk)
    if case is None:
        raise Http404
    return case


def _page(
    request: HttpRequest,
    case: Case,
    *,
    bound: CaseActionForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    scope = scope_for(request.user)
    if case_level(scope, case) < Level.FULL:
        # The ARS of a military hospital whose care is affected: the case summary (SPEC
        # section 1), never the declaration, the exchanges or the action plan.
        return render(
            request,
            "cases/summary.html",
            {"case": case, "declaration": case.declaration, "structure": case.structure},
            status=status,
        )
    # What this person may do on this case now: the action table, nothing restated.
    actions = workflow.available_actions(scope, case)
    kinds = workflow.tracking_kinds(scope, case)
    available = actions | {"track"} if kinds else actions
    initial = {"version": case.version}

    def form(key: str, form_class: type[CaseActionForm], **kwargs: Any) -> CaseActionForm | None:
        if bound is not None and bound.key == key:
            return bound
        if key not in available:
            return None
        return form_class(initial={**initial, **kwargs.pop("initial", {})}, key=key, **kwargs)

    # Task A (similar incidents in progress): for the staff who may ask, on open cases.
    show_task_a = "ask" in available
    similar = _similar(request, case) if show_task_a else []
    forms: dict[str, CaseActionForm | None] = {
        "qualify": form("qualify", QualifyForm),
        "ask": form("ask", AskForm),
        "support": form("support", SupportModeForm, initial={"mode": case.support_mode or None}),
        "track": form("track", TrackForm, kinds=kinds, case=case),
        "report": form("report", ArsUpdateForm),
        "significant": form(
            "significant",
            SignificantForm,
            similar=similar,
            initial={"related": [item.case.pk for item in similar]},
        ),
        "crisis": form("crisis", CrisisForm, initial={"on": "0" if case.crisis_mode else "1"}),
        "share": form("share", ShareForm),
        "end_support": form("end_support", EndSupportForm),
        "resume_support": form("resume_support", ResumeSupportForm),
        "close": form("close", CloseForm),
    }
    questions = []
    for question in case.questions.all():
        key = f"answer{question.pk}"
        answer_form = None
        if bound is not None and bound.key == key:
            answer_form = bound
        elif "answer" in available and question.answered_at is None:
            answer_form = AnswerForm(initial=initial, key=key)
        questions.append({"question": question, "form": answer_form})
    agreements = list(case.agreements.all())
    given = {a.party for a in agreements}
    agree_forms = []
    if "agree" in available:
        for party in workflow.parties_of(scope, case):
            key = f"agree_{party}"
            if bound is not None and bound.key == key:
                agree_forms.append(bound)
            elif party not in given:
                agree_forms.append(AgreeForm(initial=initial, key=key, party=party))
    # The prefetch holds every agreement of the case (case_detail): no second read.
    missing = [] if case.is_closed else workflow.missing_agreements(case, given)
    # Who is on the case: the page offers to take it, or to step back from it.
    held = {h.party for h in case.handlers.all() if h.user_id == request.user.pk}
    staff_parties = set(workflow.staff_parties(scope, case))
    take_form = release_form = None
    if "take" in available and not staff_parties <= held:
        take_form = form("take", TakeForm)
    if "release" in available and held:
        release_form = form("release", TakeForm)
    declaration = case.declaration
    structure_tz = declaration_selectors.structure_timezone(case.structure).key
    panel = _panel(case, forms, agree_forms)
    # A quick declaration: what is still missing, and whether this person completes it.
    missing_fields = (
        declaration_selectors.missing_labels(declaration) if declaration.is_incomplete else []
    )
    # Actions whose forms live in their own section of the page (later apps' blocks).
    deadlines = header.case_deadlines(request.user, case)
    elsewhere = []
    if "obligation" in available and any(d.anchor == "obligations" for d in deadlines):
        elsewhere.append({"anchor": "obligations", "label": _("Record a notification made")})
    if "indicator" in available:
        elsewhere.append({"anchor": "indicators", "label": _("Add an indicator")})
    if "retex" in available:
        elsewhere.append({"anchor": "retex", "label": _("Lessons learned (RETEX)")})
    context = {
        "case": case,
        # What this person may do now, for the blocks of later apps (insights_tags).
        "case_actions": actions,
        "declaration": declaration,
        # Not every reader of the case reads the declaration's own page (the DGS).
        "declaration_readable": _declaration_readable(request, case),
        "structure": case.structure,
        "forms": forms,
        "outcome_labels": [Outcome(o).label for o in case.outcomes],
        "questions": questions,
        "agreements": agreements,
        "agree_forms": agree_forms,
        "missing_parties": [Party(p).label for p in missing],
        # Whoever closes sees what the closure still waits for.
        "closer": case.status == CaseStatus.TO_CLOSE and workflow.may("close", scope, case),
        "required_parties": [Party(p).label for p in workflow.required_parties(case)],
        "similar": similar,
        "show_task_a": show_task_a,
        "timeline": timeline_rows(case, request.user),
        "sections": declaration_selectors.declaration_sections(declaration),
        "structure_tz": structure_tz,
        "paris_tz": PARIS,
        "bound": bound,
        "action_error": error,
        "deadlines": deadlines,
        "on_the_case": header.on_the_case(case),
        "take_form": take_form,
        "release_form": release_form,
        "panel": panel,
        "missing_fields": missing_fields,
        "can_complete": bool(missing_fields) and may_complete(request.user, declaration),
        "elsewhere": elsewhere,
        # The form just posted stays open; otherwise the most pressing one.
        "open_action": bound.key
        if bound is not None and any(item.key == bound.key for item in panel)
        else (panel[0].key if panel else ""),
        "unanswered": sum(1 for row in questions if row["form"] is not None),
    }
    # The page's own markup, written in Python around the later apps' blocks; one CSRF
    # token for its forms and the layout's (each masking costs).
    context["csrf_token"] = get_token(request)
    context["parts"] = page.parts(request, context, context["csrf_token"])
    return render(request, "cases/detail.html", context, status=status)


def _declaration_readable(request: HttpRequest, case: Case) -> bool:
    """Whether the reader reads the case's declaration: asked with the case on a GET."""
    readable = getattr(case, selectors.DECLARATION_READABLE, None)
    if readable is None:
        return declaration_selectors.declaration_readable(request.user, case.declaration)
    return bool(readable)


@dataclass
class PanelItem:
    """One action of the case page's "your actions" panel: an accordion with its form."""

    key: str
    title: str
    form: CaseActionForm
    url: str
    submit: str
    hint: str = ""
    primary: bool = False


def _panel(
    case: Case, forms: dict[str, CaseActionForm | None], agree_forms: list[Any]
) -> list[PanelItem]:
    """The forms of the actions this person may take now, the most pressing first."""

    def url(name: str, *args: Any) -> str:
        return reverse(f"cases:{name}", args=[case.pk, *args])

    crisis_submit = _("End crisis mode") if case.crisis_mode else _("Switch to crisis mode")
    table: list[tuple[str, str, str, str, bool]] = [
        # key, title, submit, hint, primary
        ("qualify", _("Qualify the incident"), _("Qualify the incident"), "", True),
        ("close", _("Closure report"), _("Close the case"), "", True),
        (
            "report",
            _("Weekly progress report to the ARS"),
            _("Send the progress report"),
            _("The ARS must be informed of progress at least once a week."),
            False,
        ),
        ("track", _("Add an entry to the tracking sheet"), _("Add the entry"), "", False),
        ("ask", _("Ask the declarant a question"), _("Send the question"), "", False),
        ("support", _("Support mode chosen by the ARS"), _("Record the support mode"), "", True),
        (
            "significant",
            _("Propose switching this incident to significant"),
            _("Switch to significant (piloted by the HFDS)"),
            _(
                "The similar incidents ticked are linked to the switch; explain why this "
                "incident is significant."
            ),
            False,
        ),
        ("crisis", _("Crisis mode (significant incident)"), crisis_submit, "", False),
        (
            "share",
            _("Share this military hospital's case with the support cell"),
            _("Share with the support cell"),
            "",
            False,
        ),
        (
            "end_support",
            _("End of support: the parties will be asked to agree to close"),
            _("End support"),
            "",
            False,
        ),
        (
            "resume_support",
            _("Resume support (agreements already given will be asked again)"),
            _("Resume support"),
            "",
            False,
        ),
    ]
    items = [
        PanelItem(
            key=agree.key,
            title=_("Agree that support has ended, on behalf of: %(party)s")
            % {"party": agree.party.label},
            form=agree,
            url=url("agree", agree.party),
            submit=_("Give my agreement"),
            primary=True,
        )
        for agree in agree_forms
    ]
    for key, title, submit, hint, primary in table:
        form = forms.get(key)
        if form is not None:
            items.append(PanelItem(key, title, form, url(key), submit, hint, primary))
    # What must be done first comes first (qualifying, closing, agreeing).
    return sorted(items, key=lambda item: not item.primary)


def _similar(request: HttpRequest, case: Case) -> list[selectors.SimilarCase]:
    return selectors.similar_open_cases(case, request.user)


@login_required
@require_safe
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_detail(request.user, pk, declaration_readable=True)
    if case is None:
        raise Http404
    return _page(request, case)


# --- actions ---------------------------------------------------------------------------

Run = Callable[[Case, User, dict[str, Any]], object]


def _act(
    request: HttpRequest,
    case: Case,
    form: CaseActionForm,
    *,
    action: str,
    run: Run,
    done: str,
    anchor: str,
) -> HttpResponse:
    """Validate, call the service, and either redirect or show the page again.

    A person who may never take ``action`` on this case gets 403; one whose page was
    stale (the case moved on) sees why, with what it typed kept."""
    if not workflow.may(action, scope_for(request.user), case):
        raise PermissionDenied
    if not form.is_valid():
        return _page(request, case, bound=form)
    try:
        run(case, _user(request), form.cleaned_data)
    except ValidationError as error:
        form_add_service_errors(form, error)
        return _page(request, case, bound=form)
    except workflow.ConcurrentEdit as error:
        # Resubmitting after a look at the case as it is now must work: new version.
        data = form.data.copy()
        data["version"] = str(case.version)
        form.data = data
        return _page(request, case, bound=form, error=str(error), status=409)
    except workflow.TransitionRefused as error:
        return _page(request, case, bound=form, error=str(error))
    messages.success(request, done)
    return redirect(reverse("cases:detail", args=[case.pk]) + f"#{anchor}")


def _version(data: dict[str, Any]) -> int:
    return int(data["version"])


def _setup(request: HttpRequest, pk: int) -> tuple[Case, Scope]:
    return _case_or_404(request, pk), scope_for(request.user)


@login_required
@require_POST
def case_take(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        TakeForm(request.POST, key="take"),
        action="take",
        run=lambda c, by, d: services.case_take(case=c, by=by),
        done=_("You are now on this case: the others know whom to call."),
        anchor="handlers",
    )


@login_required
@require_POST
def case_release(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        TakeForm(request.POST, key="release"),
        action="release",
        run=lambda c, by, d: services.case_release(case=c, by=by),
        done=_("You are no longer shown as on this case."),
        anchor="handlers",
    )


@login_required
@require_POST
def case_qualify(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        QualifyForm(request.POST, key="qualify"),
        action="qualify",
        run=lambda c, by, d: services.case_qualify(
            case=c,
            by=by,
            version=_version(d),
            criticity=d["criticity"],
            outcomes=d["outcomes"],
            note=d["note"],
        ),
        done=_("The case is qualified."),
        anchor="qualification",
    )


@login_required
@require_POST
def case_ask(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        AskForm(request.POST, key="ask"),
        action="ask",
        run=lambda c, by, d: services.case_ask(
            case=c, by=by, text=d["text"], preserve_evidence=d["preserve_evidence"]
        ),
        done=_("Your question was sent to the declarant."),
        anchor="questions",
    )


@login_required
@require_POST
def case_answer(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    question: Question = get_object_or_404(
        Question.objects.visible_to(request.user), pk=question_id, case=case
    )
    return _act(
        request,
        case,
        AnswerForm(request.POST, key=f"answer{question.pk}"),
        action="answer",
        run=lambda c, by, d: services.case_answer(question=question, by=by, answer=d["answer"]),
        done=_("Your answer was sent."),
        anchor=f"question-{question.pk}",
    )


@login_required
@require_POST
def case_choose_support(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        SupportModeForm(request.POST, key="support"),
        action="support",
        run=lambda c, by, d: services.case_choose_support(
            case=c, by=by, version=_version(d), mode=d["mode"], reason=d["reason"]
        ),
        done=_("The support mode is recorded."),
        anchor="support",
    )


@login_required
@require_POST
def case_track(request: HttpRequest, pk: int) -> HttpResponse:
    case, scope = _setup(request, pk)
    # The kinds this person may ever record here (the state is the service's to check).
    kinds = workflow.tracking_kinds(scope, case, now=False)
    posted = request.POST.get("kind", "")
    if not kinds or posted in set(TrackingKind.values) - set(kinds):
        raise PermissionDenied  # e.g. a structure recording the cell's analysis
    action = workflow.tracking_action(posted if posted in kinds else kinds[0])
    return _act(
        request,
        case,
        TrackForm(request.POST, key="track", kinds=kinds, case=case),
        action=action,
        run=lambda c, by, d: services.case_track(
            case=c, by=by, kind=d["kind"], text=d["text"], document=d.get("document") or ""
        ),
        done=_("The entry was added to the tracking sheet."),
        anchor="tracking",
    )


@login_required
@require_POST
def case_report_to_ars(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        ArsUpdateForm(request.POST, key="report"),
        action="report",
        run=lambda c, by, d: services.case_report_to_ars(case=c, by=by, text=d["text"]),
        done=_("The progress report was sent to the ARS."),
        anchor="tracking",
    )


@login_required
@require_POST
def case_switch_significant(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        SignificantForm(request.POST, key="significant", similar=_similar(request, case)),
        action="significant",
        run=lambda c, by, d: services.case_switch_significant(
            case=c,
            by=by,
            version=_version(d),
            reason=d["reason"],
            related_case_ids=d.get("related") or [],
        ),
        done=_("The incident is now significant: the HFDS pilots it."),
        anchor="task-a",
    )


@login_required
@require_POST
def case_set_crisis(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        CrisisForm(request.POST, key="crisis"),
        action="crisis",
        run=lambda c, by, d: services.case_set_crisis(
            case=c, by=by, version=_version(d), on=d["on"], reason=d["reason"]
        ),
        done=_("Crisis mode is updated."),
        anchor="support",
    )


@login_required
@require_POST
def case_share_with_cell(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        ShareForm(request.POST, key="share"),
        action="share",
        run=lambda c, by, d: services.case_share_with_cell(
            case=c, by=by, version=_version(d), reason=d["reason"]
        ),
        done=_("The case is shared with the support cell."),
        anchor="support",
    )


@login_required
@require_POST
def case_end_support(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        EndSupportForm(request.POST, key="end_support"),
        action="end_support",
        run=lambda c, by, d: services.case_end_support(
            case=c, by=by, version=_version(d), reason=d["reason"]
        ),
        done=_("Support has ended: the parties are asked to agree to close."),
        anchor="closure",
    )


@login_required
@require_POST
def case_resume_support(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        ResumeSupportForm(request.POST, key="resume_support"),
        action="resume_support",
        run=lambda c, by, d: services.case_resume_support(
            case=c, by=by, version=_version(d), reason=d["reason"]
        ),
        done=_("Support has resumed."),
        anchor="support",
    )


@login_required
@require_POST
def case_agree(request: HttpRequest, pk: int, party: str) -> HttpResponse:
    case = _case_or_404(request, pk)
    if party not in Party.values:
        raise Http404
    return _act(
        request,
        case,
        AgreeForm(request.POST, key=f"agree_{party}", party=party),
        action="agree",
        run=lambda c, by, d: services.case_agree(
            case=c,
            by=by,
            party=party,
            comment=d["comment"],
            opinion=d.get("opinion", ""),
            opinion_comment=d.get("opinion_comment", ""),
        ),
        done=_("Your agreement to close is recorded."),
        anchor="closure",
    )


@login_required
@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _act(
        request,
        case,
        CloseForm(request.POST, key="close"),
        action="close",
        run=lambda c, by, d: services.case_close(
            case=c,
            by=by,
            version=_version(d),
            synthesis=d["synthesis"],
            residual_vulnerabilities=d["residual_vulnerabilities"],
            residual_risks=d["residual_risks"],
        ),
        done=_("The case is closed."),
        anchor="closure",
    )
