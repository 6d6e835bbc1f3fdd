"""Pages of a declaration taken by the cell for a structure (thin: forms validate,
services write, selectors read): find the structure, record what was heard or read,
and, for the structure, confirm it."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from vigie.core.forms import form_add_service_errors
from vigie.core.timezones import zone_label
from vigie.declarations import selectors
from vigie.declarations.services import DeclarationIncomplete
from vigie.declarations.taken import (
    declaration_confirm,
    declaration_take,
    may_confirm,
    may_take,
    structures_to_take_for,
)
from vigie.declarations.taken_forms import StructureSearchForm, TakeForm
from vigie.directory.models import User

RESULTS_SHOWN = 20


def _taker(request: HttpRequest) -> User:
    if not may_take(request.user):
        raise PermissionDenied(
            _("Declarations are taken for a structure by the support cell and the FSSI.")
        )
    return cast(User, request.user)


@login_required
@require_safe
def declaration_take_search(request: HttpRequest) -> HttpResponse:
    user = _taker(request)
    form = StructureSearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        results = list(structures_to_take_for(user, form.cleaned_data["q"])[: RESULTS_SHOWN + 1])
    return render(
        request,
        "declarations/take_search.html",
        {
            "form": form,
            "results": results[:RESULTS_SHOWN] if results is not None else None,
            "more": results is not None and len(results) > RESULTS_SHOWN,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def declaration_take_view(request: HttpRequest, finess: str) -> HttpResponse:
    user = _taker(request)
    # Only the structures offered: one the person may not read or not take for (a
    # military hospital for the cell) does not exist here.
    structure = structures_to_take_for(user).filter(finess=finess).first()
    if structure is None:
        raise Http404
    zone = selectors.structure_timezone(structure)
    with timezone.override(zone):
        form = TakeForm(
            request.POST or None,
            user=user,
            zone_hint=zone_label(zone),
            initial={
                "detected_at": timezone.localtime(timezone.now(), zone).replace(
                    second=0, microsecond=0, tzinfo=None
                )
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                declaration = declaration_take(
                    structure=structure,
                    by=user,
                    channel=form.cleaned_data["channel"],
                    values=form.values(),
                )
            except DeclarationIncomplete as incomplete:
                for name, message in incomplete.problems.items():
                    form.add_error(name if name in form.fields else None, message)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Declaration %(reference)s recorded on behalf of %(structure)s: it is "
                        "routed and its case is open. The structure is asked to confirm it."
                    )
                    % {"reference": declaration.reference, "structure": structure.name},
                )
                return redirect("declarations:detail", pk=declaration.pk)
        return render(
            request,
            "declarations/take.html",
            {"form": form, "structure": structure, "zone": zone},
            status=400 if form.is_bound and form.errors else 200,
        )


@login_required
@require_POST
def declaration_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.declaration_get(request.user, pk)
    if declaration is None or declaration.is_draft:
        raise Http404
    if not may_confirm(request.user, declaration):
        raise PermissionDenied(_("You cannot confirm this declaration."))
    try:
        declaration_confirm(declaration=declaration, by=cast(User, request.user))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you: the declaration is confirmed."))
    return redirect("declarations:detail", pk=pk)
