"""Statistics, exports, weak signals and the case's regulatory clock (thin views)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from vigie.cases import selectors as case_selectors
from vigie.cases import workflow
from vigie.cases.models import Case
from vigie.cases.scopes import Level, case_level
from vigie.core.durations import duration_text
from vigie.core.forms import form_add_service_errors
from vigie.core.scoping import scope_for
from vigie.directory.models import Region, User
from vigie.insights import exports, selectors, services, stats
from vigie.insights.charts import bars
from vigie.insights.clock import structure_zone
from vigie.insights.correlation import find_clusters, min_cases, type_min_cases, window_days
from vigie.insights.forms import IndicatorForm, ObligationForm, StatsFilterForm
from vigie.insights.models import Cluster, ObligationKind
from vigie.insights.scopes import sees_clusters


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def may_see_statistics(user: Any) -> bool:
    scope = scope_for(user)
    return scope.has("acss_analyst", "hfds") or bool(scope.ars_region_ids)


def default_start() -> date:
    """The first day of the default period: the last twelve months, today included."""
    return timezone.localdate() - timedelta(days=364)


def _filters(request: HttpRequest) -> tuple[StatsFilterForm, stats.Filters]:
    if not may_see_statistics(request.user):
        raise PermissionDenied
    scope = scope_for(request.user)
    regions = None
    if scope.has("acss_analyst", "hfds"):
        regions = Region.objects.all()
    elif len(scope.ars_region_ids) > 1:
        regions = Region.objects.filter(pk__in=scope.ars_region_ids)
    data = request.GET.copy()
    if not data.get("start") and not data.get("end"):
        # A year by default: what an officer reports on, and a bounded amount to count
        # (a million cases over ten years nationally). Shown in the form, so it can widen.
        data["start"] = default_start().isoformat()
    form = StatsFilterForm(data, regions=regions)
    if form.is_valid():
        cleaned = form.cleaned_data
        return form, stats.Filters(cleaned.get("start"), cleaned.get("end"), cleaned.get("region"))
    # Invalid filters show nothing rather than everything.
    return form, stats.Filters(region=Region(pk=0))


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    figures = stats.dashboard(request.user, filters)
    for phase in figures["delays"]:
        phase["median_display"] = duration_text(phase["median"])
        phase["p90_display"] = duration_text(phase["p90"])
        phase["chart"] = bars(phase["buckets"], title=str(phase["label"]))
    charts = {
        "type": bars(figures["by_type"], title=_("Cases by incident type")),
        "region": bars(figures["by_region"], title=_("Cases by region")),
        "kind": bars(figures["by_kind"], title=_("Cases by structure type")),
        "month": bars(figures["by_month"], title=_("Cases by month")),
    }
    scope = scope_for(request.user)
    return render(
        request,
        "insights/dashboard.html",
        {
            "form": form,
            "figures": figures,
            "charts": charts,
            "query": request.GET.urlencode(),
            "national": scope.has("acss_analyst", "hfds"),
            "regions": Region.objects.filter(pk__in=scope.ars_region_ids),
            "sees_clusters": sees_clusters(scope),
        },
    )


@login_required
@require_safe
def export_cases(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx", "pdf"):
        raise Http404
    _form, filters = _filters(request)
    stamp = timezone.localdate().isoformat()
    if fmt == "pdf":
        return _statistics_pdf(request, filters, stamp)
    cases = stats.cases_for(request.user, filters)
    zone = exports.export_zone(request.user, filters.region)
    if fmt == "csv":
        response = HttpResponse(
            exports.cases_csv(cases, zone=zone), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            exports.cases_xlsx(cases, zone=zone),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="vigie-dossiers-{stamp}.{fmt}"'
    return response


def _statistics_pdf(request: HttpRequest, filters: stats.Filters, stamp: str) -> HttpResponse:
    """The statistics page as a PDF: the same figures, filters and scope."""
    scope = scope_for(request.user)
    context = exports.statistics_context(stats.dashboard(request.user, filters))
    context.update(
        national=scope.has("acss_analyst", "hfds"),
        regions=Region.objects.filter(pk__in=scope.ars_region_ids),
        filters=filters,
        start=exports.long_date(filters.start),
        end=exports.long_date(filters.end or (timezone.localdate() if filters.start else None)),
        generated_at=timezone.now(),
    )
    response = HttpResponse(exports.statistics_pdf(context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="vigie-statistiques-{stamp}.pdf"'
    return response


@require_safe
def public(request: HttpRequest) -> HttpResponse:
    figures = stats.published()
    return render(request, "insights/public.html", {"figures": figures, "min": stats.SMALL_COUNT})


@login_required
@require_safe
def clusters(request: HttpRequest) -> HttpResponse:
    if not sees_clusters(scope_for(request.user)):
        raise PermissionDenied
    visible = Case.objects.visible_to(request.user)
    found = find_clusters(visible)
    recorded = {
        (c.key, c.region_id): c
        for c in Cluster.objects.visible_to(request.user).filter(
            last_seen_at__gte=timezone.now() - timedelta(days=window_days())
        )
    }
    case_ids = {pk for cluster in found for pk in cluster.case_ids}
    cases = {
        c.pk: c
        for c in visible.filter(pk__in=case_ids).select_related(
            "structure__departement", "declaration__incident_type"
        )
    }
    rows = [
        {
            "cluster": cluster,
            "recorded": recorded.get((cluster.key, cluster.region_id)),
            "cases": [cases[pk] for pk in cluster.case_ids if pk in cases],
        }
        for cluster in found
    ]
    return render(
        request,
        "insights/clusters.html",
        {
            "rows": rows,
            "window": window_days(),
            "minimum": min_cases(),
            "type_minimum": type_min_cases(),
        },
    )


@login_required
@require_safe
def cluster_stix(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = get_object_or_404(Cluster.objects.visible_to(request.user), pk=pk)
    indicators = selectors.indicators_visible(request.user).filter(
        case__in=Case.objects.visible_to(request.user).filter(clusters=cluster)
    )
    if cluster.basis == "indicator":
        _prefix, kind, value = cluster.key.split(":", 2)
        indicators = indicators.filter(kind=kind, normalised=value)
    return _stix_response(indicators, f"vigie-cluster-{cluster.pk}", cluster.label)


def _stix_response(indicators: Any, name: str, description: str) -> HttpResponse:
    response = HttpResponse(
        exports.stix_bundle(indicators.select_related("case"), description=description),
        content_type="application/stix+json;version=2.1",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


# --- case sub-pages --------------------------------------------------------------------


def _case(request: HttpRequest, pk: int) -> Case:
    case = case_selectors.case_detail(request.user, pk)
    if case is None:
        raise Http404
    return case


def _case_in_full(request: HttpRequest, pk: int) -> Case:
    """A case whose whole content the user reads (not the ARS's summary of a military
    hospital's case): its report and indicators are that content."""
    case = _case(request, pk)
    if case_level(scope_for(request.user), case) < Level.FULL:
        raise Http404
    return case


@login_required
@require_safe
def case_stix(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_in_full(request, pk)
    indicators = selectors.indicators_visible(request.user).filter(case=case)
    return _stix_response(indicators, f"vigie-{case.reference}", case.reference)


@login_required
@require_safe
def case_report(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_in_full(request, pk)
    context = selectors.case_report_context(request.user, case)
    response = HttpResponse(exports.case_pdf(context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="vigie-{case.reference}.pdf"'
    return response


@login_required
@require_POST
def indicator_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    if not workflow.may("indicator", scope_for(request.user), case):
        raise PermissionDenied
    form = IndicatorForm(request.POST)
    if form.is_valid():
        try:
            services.indicator_add(case=case, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        except workflow.TransitionRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Indicator recorded."))
            return redirect(reverse("cases:detail", args=[case.pk]) + "#indicators")
    return render(
        request,
        "insights/case_form.html",
        {"case": case, "form": form, "title": _("Add an indicator"), "action": request.path},
        status=400,
    )


@login_required
@require_POST
def obligation_record(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    case = _case(request, pk)
    if not workflow.may("obligation", scope_for(request.user), case):
        raise PermissionDenied
    if kind not in ObligationKind.values:
        raise Http404
    form = ObligationForm(request.POST, zone=structure_zone(case.structure))
    if form.is_valid():
        try:
            services.obligation_record(
                case=case, by=_user(request), kind=kind, done_at=form.cleaned_data["done_at"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        except workflow.TransitionRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Notification recorded as made."))
            return redirect(reverse("cases:detail", args=[case.pk]) + "#obligations")
    return render(
        request,
        "insights/case_form.html",
        {
            "case": case,
            "form": form,
            "title": ObligationKind(kind).label,
            "action": request.path,
        },
        status=400,
    )
