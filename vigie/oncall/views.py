"""The rota page (thin: the form validates, services write, selectors read)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vigie.core.forms import form_add_service_errors
from vigie.core.scoping import scope_for
from vigie.directory.models import User
from vigie.notifications.calendar import is_business_hours
from vigie.oncall import selectors, services
from vigie.oncall.forms import ShiftForm
from vigie.oncall.scopes import ROTA_ROLES


def _require_rota(request: HttpRequest) -> User:
    if not scope_for(request.user).has(*ROTA_ROLES):
        raise PermissionDenied(_("The on-call rota is kept by the support cell and the FSSI."))
    return cast(User, request.user)


@login_required
@require_http_methods(["GET", "POST"])
def rota(request: HttpRequest) -> HttpResponse:
    user = _require_rota(request)
    kinds = services.recordable_kinds(user)
    form = ShiftForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.shift_record(
                by=user,
                kind=data["kind"],
                person=data["person"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The shift was added to the rota."))
            return redirect("oncall:rota")
    now = timezone.now()
    return render(
        request,
        "oncall/rota.html",
        {
            "form": form,
            "boards": selectors.rota_board(user, now),
            "shifts": selectors.rota_shifts(user, now),
            "recordable": {kind.value for kind in kinds},
            "now": now,
            "business_hours": is_business_hours(now),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def shift_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_rota(request)
    shift = selectors.shift_get(user, pk)
    if shift is None:
        raise Http404
    try:
        kept = services.shift_withdraw(shift=shift, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The shift was removed from the rota.") if kept is None else _("The shift ends now."),
        )
    return redirect("oncall:rota")
