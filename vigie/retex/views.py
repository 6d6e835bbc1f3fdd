"""Lessons-learned pages (thin: forms validate, services write, selectors read)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from vigie.cases.models import Case
from vigie.core.forms import form_add_service_errors
from vigie.core.scoping import scope_for
from vigie.directory.models import User
from vigie.retex import selectors, services
from vigie.retex.forms import RetexForm, ReviewForm, SharingBaseFilterForm
from vigie.retex.models import RETEX_FIELDS, AnonymisedRetex, Retex, sections


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _require_sharing_base(request: HttpRequest) -> None:
    scope = scope_for(request.user)
    if not (scope.has("acss_analyst", "hfds") or scope.ars_region_ids):
        raise PermissionDenied(_("The RETEX sharing base is for the ACSS, the HFDS and the ARS."))


@login_required
@require_safe
def retex_list(request: HttpRequest) -> HttpResponse:
    _require_sharing_base(request)
    form = SharingBaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    items = selectors.sharing_base(
        request.user, query=filters.get("q", ""), incident_type=filters.get("incident_type", "")
    )
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "retex/list.html",
        {
            "form": form,
            "page": page,
            "to_review": selectors.publications_to_review(request.user)
            if services.can_publish(request.user)
            else [],
        },
    )


@login_required
@require_safe
def retex_detail(request: HttpRequest, pk: int) -> HttpResponse:
    retex = get_object_or_404(
        Retex.objects.visible_to(request.user).select_related(
            "case__structure", "case__declaration__incident_type", "author"
        ),
        pk=pk,
    )
    return render(
        request,
        "retex/detail.html",
        {
            "retex": retex,
            "sections": sections(retex),
            "similar": Case.objects.visible_to(request.user).filter(
                pk__in=retex.similar_cases.values("pk")
            ),
            "can_write": services.can_write_retex(request.user, retex.case),
            "can_publish": services.can_publish(request.user),
            "publication": AnonymisedRetex.objects.visible_to(request.user)
            .filter(retex=retex)
            .first(),
        },
    )


@login_required
def retex_edit(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = get_object_or_404(
        Case.objects.visible_to(request.user).select_related("declaration", "structure"),
        pk=case_pk,
    )
    if not services.can_write_retex(request.user, case):
        raise PermissionDenied(
            _("Only the ACSS, the HFDS/FSSI or the case's ARS write its lessons learned.")
        )
    retex = selectors.retex_for_case(request.user, case)
    candidates = selectors.similar_cases_suggest(request.user, case)
    linked = retex.similar_cases.all() if retex else Case.objects.none()
    form = RetexForm(
        request.POST or None,
        initial=RetexForm.initial_for(retex),
        user=request.user,
        candidate_ids=[
            *candidates.values_list("pk", flat=True),
            *linked.values_list("pk", flat=True),
        ],
    )
    if request.method == "POST" and form.is_valid():
        try:
            retex = services.retex_write(case=case, by=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The lessons learned have been saved."))
            return redirect("retex:detail", retex.pk)
    return render(request, "retex/form.html", {"case": case, "retex": retex, "form": form})


@login_required
@require_POST
def retex_share(request: HttpRequest, pk: int) -> HttpResponse:
    retex = get_object_or_404(Retex.objects.visible_to(request.user), pk=pk)
    try:
        services.retex_share(retex=retex, by=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The lessons learned are now in the ACSS–ARS sharing base."))
    return redirect("retex:detail", retex.pk)


@login_required
@require_POST
def retex_anonymise(request: HttpRequest, pk: int) -> HttpResponse:
    retex = get_object_or_404(Retex.objects.visible_to(request.user), pk=pk)
    try:
        publication = services.anonymised_retex_prepare(retex=retex, by=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("retex:detail", retex.pk)
    return redirect("retex:review", publication.pk)


@login_required
def publication_review(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.can_publish(request.user):
        raise PermissionDenied(_("Only the ACSS or the HFDS/FSSI publish lessons learned."))
    publication = get_object_or_404(
        AnonymisedRetex.objects.visible_to(request.user).select_related("retex__case"), pk=pk
    )
    if publication.is_published:
        raise Http404
    form = ReviewForm(request.POST or None, initial=ReviewForm.initial_for(publication))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.anonymised_retex_publish(
                publication=publication,
                by=_user(request),
                reviewed=data.pop("reviewed"),
                title=data.pop("title"),
                **data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The anonymised lessons learned are published."))
            return redirect("portal:retex_detail", publication.slug)
    rows = [(form[name], getattr(publication.retex, name)) for name in RETEX_FIELDS]
    return render(
        request,
        "retex/review.html",
        {"publication": publication, "form": form, "rows": rows},
    )
