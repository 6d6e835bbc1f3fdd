"""Alert and vendor request pages (thin: forms validate, services write, selectors read)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from vigie.alerts import selectors, services
from vigie.alerts.forms import (
    AlertForm,
    RecipientFilterForm,
    VendorRequestForm,
    VendorRequestUpdateForm,
)
from vigie.alerts.models import Alert, AlertRecipient, VendorRequest
from vigie.alerts.scopes import ALERT_SENDERS, VENDOR_STAFF
from vigie.core.forms import form_add_service_errors
from vigie.core.scoping import Scope, scope_for
from vigie.directory.models import User


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def can_read_alerts(scope: Scope) -> bool:
    return bool(scope.structure_ids or scope.ars_region_ids) or scope.has(*ALERT_SENDERS)


def can_read_vendor_requests(scope: Scope) -> bool:
    return bool(scope.vendor_ids) or scope.has(*VENDOR_STAFF)


# --- alerts ----------------------------------------------------------------------------


@login_required
@require_safe
def alert_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not can_read_alerts(scope):
        raise PermissionDenied
    page = Paginator(selectors.alert_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "alerts/list.html",
        {"page_obj": page, "can_send": scope.has(*ALERT_SENDERS)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_create(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).has(*ALERT_SENDERS):
        raise PermissionDenied
    form = AlertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            alert = services.alert_send(
                by=_user(request),
                title=data["title"],
                body=data["body"],
                severity=data["severity"],
                regions=data["regions"],
                structure_kinds=data["structure_kinds"],
                software=data["software"],
                vendors=data["vendors"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            count = selectors.alert_recipients(alert=alert, user=request.user).count()
            messages.success(
                request,
                ngettext(
                    "The alert is sent to %(count)d structure.",
                    "The alert is sent to %(count)d structures.",
                    count,
                )
                % {"count": count},
            )
            return redirect("alerts:detail", pk=alert.pk)
    return render(request, "alerts/form.html", {"form": form})


@login_required
@require_safe
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    alert = get_object_or_404(Alert.objects.visible_to(request.user), pk=pk)
    staff = bool(scope.ars_region_ids) or scope.has(*ALERT_SENDERS)
    context: dict[str, object] = {"alert": alert, "staff": staff}
    own = selectors.alert_recipients(alert=alert, user=request.user).filter(
        structure_id__in=scope.structure_ids
    )
    context["own_rows"] = own
    if staff:
        regions = selectors.alert_regions(alert=alert, user=request.user)
        form = RecipientFilterForm(request.GET or None, regions=regions)
        region = form.cleaned_data.get("region") if form.is_valid() else None
        rows = selectors.alert_recipients(alert=alert, user=request.user, region=region)
        context.update(
            filter_form=form,
            total=rows.count(),
            acknowledged=rows.filter(acknowledged_at__isnull=False).count(),
            pending=rows.filter(acknowledged_at__isnull=True),
        )
    return render(request, "alerts/detail.html", context)


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int, recipient_id: int) -> HttpResponse:
    recipient = get_object_or_404(
        AlertRecipient.objects.visible_to(request.user), pk=recipient_id, alert_id=pk
    )
    services.alert_acknowledge(recipient=recipient, by=_user(request))
    messages.success(request, _("Acknowledgement recorded. Thank you."))
    return redirect("alerts:detail", pk=pk)


# --- vendor requests -------------------------------------------------------------------


@login_required
@require_safe
def vendor_request_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not can_read_vendor_requests(scope):
        raise PermissionDenied
    page = Paginator(selectors.vendor_request_list(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "vendors/list.html",
        {"page_obj": page, "can_create": scope.has(*VENDOR_STAFF)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def vendor_request_create(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).has(*VENDOR_STAFF):
        raise PermissionDenied
    form = VendorRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.vendor_request_create(by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The request is sent to the vendor."))
            return redirect("vendors:detail", pk=created.pk)
    return render(request, "vendors/form.html", {"form": form})


def _render_request(
    request: HttpRequest,
    vendor_request: VendorRequest,
    form: VendorRequestUpdateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    statuses = services.allowed_statuses(vendor_request, _user(request))
    return render(
        request,
        "vendors/detail.html",
        {
            "vendor_request": vendor_request,
            "timeline": selectors.vendor_request_timeline(
                request=vendor_request, user=request.user
            ),
            "form": form or VendorRequestUpdateForm(statuses=statuses),
        },
        status=status,
    )


@login_required
@require_safe
def vendor_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vendor_request = get_object_or_404(VendorRequest.objects.visible_to(request.user), pk=pk)
    return _render_request(request, vendor_request)


@login_required
@require_POST
def vendor_request_update(request: HttpRequest, pk: int) -> HttpResponse:
    vendor_request = get_object_or_404(VendorRequest.objects.visible_to(request.user), pk=pk)
    statuses = services.allowed_statuses(vendor_request, _user(request))
    form = VendorRequestUpdateForm(request.POST, statuses=statuses)
    if form.is_valid():
        try:
            services.vendor_request_update(
                request=vendor_request,
                by=_user(request),
                to_status=form.cleaned_data["to_status"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The request is updated."))
            return redirect("vendors:detail", pk=pk)
    return _render_request(request, vendor_request, form, status=400)
