"""Home page per role and account page: they gather what every app shows a person."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from vigie.cases import selectors as case_selectors
from vigie.core.scoping import scope_for
from vigie.directory import selectors as directory
from vigie.insights import selectors as insights_selectors


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.is_authenticated:
        return render(request, "core/home_public.html")
    staff = scope.is_national or bool(scope.ars_region_ids)
    context = {
        "scope": scope,
        # Handlers land on what needs them now, not on a count of structures.
        "work": case_selectors.work_now(request.user) if staff else None,
        "deadlines": insights_selectors.deadlines_due(request.user) if staff else [],
        "declarant_structures": directory.declarant_structures(request.user),
        "member_structures": directory.member_structures(request.user),
        "ars_regions": directory.ars_regions(request.user),
        "structure_counts": directory.structure_counts_by_region(request.user)
        if scope.is_administrator
        else [],
        "roles": directory.role_labels(request.user),
    }
    return render(request, "core/home.html", context)


@login_required
@require_safe
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/account.html",
        {
            "roles_held": directory.roles_held(request.user),
            # Read with this request's scope (the MFA middleware's): no query of its own.
            "has_totp": scope_for(request.user).has_totp,
        },
    )
