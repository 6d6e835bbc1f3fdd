from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from vigie.core.scoping import scope_for
from vigie.directory import selectors, services
from vigie.directory.finess import normalize_finess
from vigie.directory.forms import DesignateDeclarantForm, RevokeForm, StructureFilterForm
from vigie.directory.models import Membership, Structure, User


@login_required
@require_safe
def structure_list(request: HttpRequest) -> HttpResponse:
    form = StructureFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # An invalid filter (a mistyped FINESS number) is explained, not silently ignored.
        structures = selectors.structures_visible(request.user).none()
    else:
        filters = form.cleaned_data if form.is_bound else {}
        structures = selectors.structure_search(
            request.user,
            query=filters.get("q", ""),
            region_code=filters.get("region", ""),
            kind=filters.get("kind", ""),
        )
    page = Paginator(structures, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/structure_list.html",
        {"form": form, "page_obj": page, "total": page.paginator.count},
    )


def _visible_structure(request: HttpRequest, finess: str) -> Structure:
    return get_object_or_404(
        selectors.structures_visible(request.user), finess=normalize_finess(finess)
    )


@login_required
@require_safe
def structure_detail(request: HttpRequest, finess: str) -> HttpResponse:
    structure = _visible_structure(request, finess)
    scope = scope_for(request.user)
    can_manage = scope.is_administrator or structure.pk in scope.directed_structure_ids
    return render(
        request,
        "directory/structure_detail.html",
        {
            "structure": structure,
            "can_manage": can_manage,
            "delegations": selectors.delegations_of(request.user, structure) if can_manage else [],
        },
    )


@login_required
@require_safe
def delegation_list(request: HttpRequest) -> HttpResponse:
    structures = selectors.directed_structures(request.user)
    if not structures.exists():
        raise PermissionDenied
    return render(
        request,
        "directory/delegation_list.html",
        {
            "rows": [(s, selectors.delegations_of(request.user, s)) for s in structures],
        },
    )


def _check_can_manage(request: HttpRequest, structure: Structure) -> None:
    scope = scope_for(request.user)
    if not (scope.is_administrator or structure.pk in scope.directed_structure_ids):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def declarant_designate(request: HttpRequest, finess: str) -> HttpResponse:
    structure = _visible_structure(request, finess)
    _check_can_manage(request, structure)
    form = DesignateDeclarantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership, created = services.declarant_designate_person(
            structure=structure, by=cast(User, request.user), request=request, **form.cleaned_data
        )
        if created:
            messages.success(
                request,
                _("%(person)s can now declare incidents. An invitation was e-mailed.")
                % {"person": membership.user},
            )
        else:
            messages.success(
                request,
                _("%(person)s can now declare incidents.") % {"person": membership.user},
            )
        return redirect("directory:structure_detail", finess=structure.finess)
    return render(request, "directory/declarant_form.html", {"structure": structure, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def declarant_revoke(request: HttpRequest, finess: str, membership_id: int) -> HttpResponse:
    structure = _visible_structure(request, finess)
    _check_can_manage(request, structure)
    membership = get_object_or_404(
        Membership.objects.visible_to(request.user).active(),
        pk=membership_id,
        structure=structure,
    )
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_revoke(
                membership=membership,
                by=cast(User, request.user),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error("reason", exc.messages[0])
        else:
            messages.success(
                request,
                _("The delegation of %(person)s was revoked.") % {"person": membership.user},
            )
            return redirect("directory:structure_detail", finess=structure.finess)
    return render(
        request,
        "directory/declarant_revoke.html",
        {"structure": structure, "membership": membership, "form": form},
    )
