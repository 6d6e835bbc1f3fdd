"""Action plan pages (thin: forms parse, services write, selectors read)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from vigie.actionplan import selectors
from vigie.actionplan.charts import legend_labels, stacked_bars
from vigie.actionplan.deadlines import quarter_of
from vigie.actionplan.figures import progress_figures, tables
from vigie.actionplan.forms import AssessmentForm, ReportRequestForm, StartDateForm
from vigie.actionplan.models import Plan
from vigie.actionplan.scopes import NATIONAL_READERS, can_read_region
from vigie.actionplan.services import (
    assessment_update,
    can_assess,
    evidence_add,
    evidence_remove,
    report_request,
    structure_plan_start,
    structure_today,
)
from vigie.core.forms import form_add_service_errors
from vigie.core.scoping import scope_for
from vigie.core.storage import stored_file_response
from vigie.directory.models import Region, Structure, User


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _name(value: str) -> str:
    """A code from the address: one with a NUL byte names nothing (and PostgreSQL would
    refuse to compare it)."""
    if "\x00" in value:
        raise Http404
    return value


def _plan(request: HttpRequest) -> Plan:
    plan = selectors.plan_current(request.user, _name(request.GET.get("plan", "")))
    if plan is None:
        raise Http404
    return plan


def _structure(request: HttpRequest, finess: str) -> Structure:
    structure = selectors.structure_for_plan(request.user, _name(finess))
    if structure is None:
        raise Http404
    return structure


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """Send each role to its page."""
    scope = scope_for(request.user)
    if scope.has(*NATIONAL_READERS):
        return redirect("actionplan:national")
    if scope.ars_region_ids:
        region = Region.objects.filter(pk__in=scope.ars_region_ids).order_by("code").first()
        if region is not None:
            return redirect("actionplan:region", region.code)
    structures = list(selectors.structures_for_plan(request.user).order_by("name"))
    if len(structures) == 1:
        return redirect("actionplan:structure", structures[0].finess)
    if not structures:
        raise PermissionDenied
    return render(request, "actionplan/index.html", {"structures": structures})


@login_required
@require_safe
def structure_detail(request: HttpRequest, finess: str) -> HttpResponse:
    structure = _structure(request, finess)
    plan = _plan(request)
    today = structure_today(structure)
    rows = selectors.measure_rows(request.user, structure, plan, today)
    groups: dict[int, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.measure.priority, []).append(row)
    editable = can_assess(request.user, structure)
    start = selectors.start_date_of(structure, plan)
    return render(
        request,
        "actionplan/structure.html",
        {
            "structure": structure,
            "plan": plan,
            "plans": selectors.plans_list(request.user),
            "groups": sorted(groups.items()),
            "overdue_count": sum(row.overdue for row in rows),
            "done_count": sum(row.status == "done" for row in rows),
            "total": len(rows),
            "start_date": start,
            "can_edit": editable,
            "start_form": StartDateForm(initial={"start_date": start}) if editable else None,
        },
    )


@login_required
@require_POST
def structure_start(request: HttpRequest, finess: str) -> HttpResponse:
    structure = _structure(request, finess)
    plan = _plan(request)
    form = StartDateForm(request.POST)
    if form.is_valid():
        try:
            structure_plan_start(
                structure=structure,
                plan=plan,
                start_date=form.cleaned_data["start_date"],
                by=_user(request),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The start date was saved; deadlines run from it."))
    else:
        messages.error(request, _("Give a valid start date."))
    return redirect(reverse("actionplan:structure", args=[structure.finess]) + f"?plan={plan.code}")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def measure_edit(request: HttpRequest, finess: str, number: int) -> HttpResponse:
    structure = _structure(request, finess)
    plan = _plan(request)
    measure = selectors.measure_get(request.user, plan, number)
    if measure is None:
        raise Http404
    today = structure_today(structure)
    row = next(
        r
        for r in selectors.measure_rows(request.user, structure, plan, today)
        if r.measure.pk == measure.pk
    )
    editable = can_assess(request.user, structure)
    form = None
    if editable:
        initial: dict[str, Any] = {"status": row.status}
        if row.assessment is not None:
            initial |= {
                "achieved_on": row.assessment.achieved_on,
                "not_applicable_reason": row.assessment.not_applicable_reason,
                "comment": row.assessment.comment,
            }
        form = AssessmentForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST":
            if not form.is_valid():
                pass
            else:
                data = form.cleaned_data
                try:
                    assessment = assessment_update(
                        structure=structure,
                        measure=measure,
                        by=_user(request),
                        status=data["status"],
                        achieved_on=data["achieved_on"],
                        not_applicable_reason=data["not_applicable_reason"],
                        comment=data["comment"],
                    )
                except ValidationError as error:
                    form_add_service_errors(form, error)
                else:
                    failed = False
                    for upload in data["files"]:
                        try:
                            evidence_add(assessment=assessment, by=_user(request), upload=upload)
                        except ValidationError as error:
                            failed = True
                            for message in error.messages:
                                messages.error(request, message)
                    if not failed:
                        messages.success(request, _("The measure's status was saved."))
                        url = reverse("actionplan:structure", args=[structure.finess])
                        return redirect(f"{url}?plan={plan.code}#measure-{measure.number}")
                    return redirect(request.get_full_path())
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "actionplan/measure.html",
        {
            "structure": structure,
            "plan": plan,
            "measure": measure,
            "row": row,
            "form": form,
            "history": selectors.assessment_history(request.user, structure, measure)[:50],
        },
    )


@login_required
@require_safe
def evidence_download(request: HttpRequest, evidence_id: int) -> HttpResponseBase:
    evidence = selectors.evidence_get(request.user, evidence_id)
    if evidence is None:
        raise Http404
    return stored_file_response(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )


@login_required
@require_POST
def evidence_delete(request: HttpRequest, evidence_id: int) -> HttpResponse:
    evidence = selectors.evidence_get(request.user, evidence_id)
    if evidence is None:
        raise Http404
    assessment = evidence.assessment
    evidence_remove(evidence=evidence, by=_user(request))
    messages.success(request, _("“%(name)s” was removed.") % {"name": evidence.original_name})
    url = reverse(
        "actionplan:measure", args=[assessment.structure.finess, assessment.measure.number]
    )
    return redirect(f"{url}?plan={assessment.measure.plan.code}")


# --- regional and national views -----------------------------------------------------

STRUCTURES_PER_PAGE = 50
QUERY_MAX_LENGTH = 100


def _progress_page(request: HttpRequest, region: Region | None) -> HttpResponse:
    plan = _plan(request)
    now = timezone.now()
    today = timezone.localdate()
    # A region holds thousands of structures: the table shows a page of them (a bad page
    # number gives the first or the last page), searched among the figures' own rows;
    # without a search, the page is read with the figures.
    query = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    figures, structures = progress_figures(
        user=request.user,
        plan=plan,
        region=region,
        today=today,
        now=now,
        page=None if query else request.GET.get("page"),
        per_page=STRUCTURES_PER_PAGE,
    )
    year, quarter = quarter_of(today)
    previous = selectors.snapshot_before(request.user, plan, region, year, quarter)
    data = tables(figures, previous.figures if previous else None, structures)
    found = structures.matching(query) if query else structures
    page = Paginator(found, STRUCTURES_PER_PAGE).get_page(request.GET.get("page"))
    page.pages_list = list(page.paginator.get_elided_page_range(page.number))  # type: ignore[attr-defined]
    legend = legend_labels()
    return render(
        request,
        "actionplan/progress.html",
        {
            "region": region,
            "plan": plan,
            "plans": selectors.plans_list(request.user),
            "figures": figures,
            "tables": data,
            "query": query,
            "page_obj": page,
            "previous": previous,
            "legend": legend,
            "charts": {
                "priority": stacked_bars(
                    data["by_priority"], title=_("Progress by priority"), legend=legend
                ),
                "theme": stacked_bars(
                    data["by_theme"], title=_("Progress by theme"), legend=legend
                ),
                "kind": stacked_bars(
                    data["by_kind"], title=_("Progress by structure type"), legend=legend
                ),
            },
        },
    )


@login_required
@require_safe
def region_view(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.region_for_view(request.user, _name(code))
    if region is None:
        raise Http404
    if not can_read_region(scope_for(request.user), region.pk):
        raise PermissionDenied
    return _progress_page(request, region)


@login_required
@require_safe
def national_view(request: HttpRequest) -> HttpResponse:
    if not can_read_region(scope_for(request.user), None):
        raise PermissionDenied
    return _progress_page(request, None)


# --- quarterly reports ---------------------------------------------------------------


def _report_scopes(request: HttpRequest) -> list[tuple[str, str]]:
    scope = scope_for(request.user)
    if scope.has(*NATIONAL_READERS):
        regions = Region.objects.visible_to(request.user)
        return [("national", _("National")), *((r.code, r.name) for r in regions)]
    regions = Region.objects.visible_to(request.user).filter(pk__in=scope.ars_region_ids)
    return [(r.code, r.name) for r in regions]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    scopes = _report_scopes(request)
    if not scopes:
        raise PermissionDenied
    plan = _plan(request)
    year, quarter = quarter_of(date.today())
    form = ReportRequestForm(
        request.POST or None,
        scopes=scopes,
        initial={
            "scope": scopes[0][0],
            "year": year,
            "quarter": quarter,
            "formats": ["pdf", "xlsx"],
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = None if data["scope"] == "national" else Region.objects.get(code=data["scope"])
        runs = report_request(
            plan=plan,
            region=region,
            year=data["year"],
            quarter=data["quarter"],
            formats=data["formats"],
            by=_user(request),
        )
        messages.success(request, _("The report is being produced."))
        return redirect("actionplan:report", runs[0].pk)
    return render(
        request,
        "actionplan/reports.html",
        {"form": form, "reports": selectors.reports_list(request.user)[:50], "plan": plan},
    )


@login_required
@require_safe
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(request.user, report_id)
    if report is None:
        raise Http404
    siblings = selectors.reports_list(request.user).filter(
        requested_by=report.requested_by,
        requested_at__gte=report.requested_at,
        plan=report.plan,
        region=report.region,
        year=report.year,
        quarter=report.quarter,
    )[:4]
    running = any(not r.is_finished for r in siblings)
    return render(
        request,
        "actionplan/report.html",
        {"report": report, "siblings": siblings, "running": running},
    )


@login_required
@require_safe
def report_download(request: HttpRequest, report_id: int) -> HttpResponseBase:
    report = selectors.report_get(request.user, report_id)
    if report is None or not report.file:
        raise Http404
    content_type = (
        "application/pdf"
        if report.format == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return stored_file_response(report.file, filename=report.filename, content_type=content_type)
