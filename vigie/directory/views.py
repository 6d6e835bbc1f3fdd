from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from vigie.core.forms import form_add_service_errors
from vigie.core.scoping import scope_for
from vigie.directory import selectors, services
from vigie.directory.finess import normalize_finess
from vigie.directory.forms import (
    DesignateDeclarantForm,
    InvitationSignupForm,
    RevokeForm,
    StructureFilterForm,
)
from vigie.directory.models import Membership, Structure, User
from vigie.directory.scopes import sees_people_emails


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
            "show_emails": sees_people_emails(scope, structure),
            "delegations": selectors.delegations_of(request.user, structure) if can_manage else [],
            "invitations": (
                selectors.invitations_waiting(request.user, structure) if can_manage else []
            ),
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
            "show_emails": True,  # the director's own delegations
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
        services.declarant_invite(
            structure=structure, by=cast(User, request.user), **form.cleaned_data
        )
        # The same words whether or not the address has an account: nothing to enumerate.
        messages.success(
            request,
            _(
                "An invitation was e-mailed to this address. The delegation takes effect "
                "once the person accepts it from that address."
            ),
        )
        return redirect("directory:structure_detail", finess=structure.finess)
    return render(request, "directory/declarant_form.html", {"structure": structure, "form": form})


def _refusal_text(exc: PermissionDenied | ValidationError) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def _accepted(request: HttpRequest, structure: Structure, text: str) -> HttpResponse:
    messages.success(request, text % {"name": structure.name})
    return redirect("directory:structure_detail", finess=structure.finess)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The designated person follows the link of their invitation, signed in or not."""

    def page(state: str, status: int = 200, **extra: object) -> HttpResponse:
        context = {"state": state, "invitation": invitation, **extra}
        return render(request, "directory/invitation.html", context, status=status)

    invitation = selectors.invitation_from_token(token)
    if invitation is None:
        return page("closed", 404, message=_("This invitation link is not valid."))
    refusal = services.invitation_refusal(invitation)
    if refusal:
        return page("closed", 410, message=refusal)
    structure = invitation.structure

    if request.user.is_authenticated:
        account = cast(User, request.user)
        if not services.owns_address(account, invitation.email):
            return page("wrong_account", 403, message=str(services.WRONG_ACCOUNT_MESSAGE))
        if request.method != "POST":
            return page("confirm")
        try:
            services.invitation_accept(invitation=invitation, user=account)
        except (PermissionDenied, ValidationError) as exc:
            status = 403 if isinstance(exc, PermissionDenied) else 410
            return page("closed", status, message=_refusal_text(exc))
        return _accepted(request, structure, _("You can now declare incidents for %(name)s."))

    if services.address_account(invitation.email) is not None:
        login_url = f"{reverse('account_login')}?{urlencode({'next': request.path})}"
        return page("sign_in", login_url=login_url)
    form = InvitationSignupForm(
        request.POST or None,
        initial={"first_name": invitation.first_name, "last_name": invitation.last_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            account = services.invitation_accept_new_account(
                invitation=invitation,
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except PermissionDenied as exc:
            return page("closed", 403, message=_refusal_text(exc))
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            login(request, account, backend="vigie.core.backends.AuthenticationBackend")
            return _accepted(
                request,
                structure,
                _("Your account is open: you can now declare incidents for %(name)s."),
            )
    return page("sign_up", form=form)


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
