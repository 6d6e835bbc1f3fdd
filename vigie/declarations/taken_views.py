"""Pages of a declaration taken by the cell for a structure (thin: forms validate,
services write, selectors read): find the structure, record what was heard or read,
and, for the structure, confirm it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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
from vigie.directory.models import Structure, User

RESULTS_SHOWN = 20


def _taker(request: HttpRequest) -> User:
    if not may_take(request.user):
        raise PermissionDenied(
            _("Declarations are taken for a structure by the support cell and the FSSI.")
        )
    return cast(User, request.user)


def structure_search(request: HttpRequest, link: Callable[[Structure], str]) -> dict[str, Any]:
    """The search for the structure a declaration is taken for, shared by the cell's page
    and the mailbox's (``link``: where a result leads): the form, at most RESULTS_SHOWN
    results among the structures the person may take for, and whether there were more."""
    form = StructureSearchForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid():
        query = structures_to_take_for(request.user, form.cleaned_data["q"])
        found = list(query[: RESULTS_SHOWN + 1])
    return {
        "form": form,
        "results": None
        if found is None
        else [{"structure": s, "url": link(s)} for s in found[:RESULTS_SHOWN]],
        "more": found is not None and len(found) > RESULTS_SHOWN,
    }


@login_required
@require_safe
def declaration_take_search(request: HttpRequest) -> HttpResponse:
    _taker(request)
    return render(
        request,
        "declarations/take_search.html",
        structure_search(request, lambda s: reverse("declarations:take_for", args=[s.finess])),
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
