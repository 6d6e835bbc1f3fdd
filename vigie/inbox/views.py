"""The "à trier" queue, a received message, its files. Thin: rules live in services,
scopes and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from vigie.core.scoping import scope_for
from vigie.inbox import selectors
from vigie.inbox.forms import AttachForm, DismissForm
from vigie.inbox.models import InboundMessage, MessageStatus
from vigie.inbox.scopes import may_sort
from vigie.inbox.services import case_for_reference, message_attach, message_dismiss

PAGE_SIZE = 50


def _sorter(request: HttpRequest) -> None:
    if not may_sort(scope_for(request.user)):
        raise PermissionDenied(_("The e-mails to sort are the support cell's and the FSSI's."))


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    _sorter(request)
    sorted_tab = request.GET.get("vue") == "tries"
    rows = (
        selectors.messages_sorted(request.user)
        if sorted_tab
        else selectors.messages_to_sort(request.user)
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inbox/queue.html",
        {
            "page": page,
            "sorted_tab": sorted_tab,
            "to_sort_count": selectors.messages_to_sort(request.user).count(),
        },
    )


def _message_or_404(request: HttpRequest, pk: int) -> InboundMessage:
    message = selectors.message_get(request.user, pk)
    if message is None:
        raise Http404
    return message


def _render_detail(
    request: HttpRequest,
    message: InboundMessage,
    *,
    attach_form: AttachForm | None = None,
    dismiss_form: DismissForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sorting = message.status == MessageStatus.TO_SORT and may_sort(scope_for(request.user))
    context: dict[str, Any] = {"message": message, "sorting": sorting}
    if sorting:
        context["attach_form"] = attach_form or AttachForm(key="attach")
        context["dismiss_form"] = dismiss_form or DismissForm(key="dismiss")
    context["attachments"] = list(message.attachments.all())
    return render(request, "inbox/detail.html", context, status=status)


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _message_or_404(request, pk))


@login_required
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    _sorter(request)
    form = AttachForm(request.POST, key="attach")
    if form.is_valid():
        try:
            case = case_for_reference(request.user, form.cleaned_data["reference"])  # type: ignore[arg-type]
            message_attach(message=message, case=case, by=request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            form.add_error("reference", error)
        else:
            messages.success(
                request,
                _("The e-mail was added to case %(reference)s.") % {"reference": case.reference},
            )
            return redirect(reverse("cases:detail", args=[case.pk]) + "#emails")
    return _render_detail(request, message, attach_form=form, status=400)


@login_required
@require_POST
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    _sorter(request)
    form = DismissForm(request.POST, key="dismiss")
    if form.is_valid():
        try:
            message_dismiss(message=message, by=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The e-mail was set aside."))
            return redirect("inbox:queue")
    return _render_detail(request, message, dismiss_form=form, status=400)


def _file_response(handle: File, *, name: str, content_type: str) -> FileResponse:
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_safe
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    attachment = selectors.attachment_get(request.user, pk, attachment_id)
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return _file_response(
        handle, name=attachment.original_name, content_type=attachment.content_type
    )


@login_required
@require_safe
def original_download(request: HttpRequest, pk: int) -> FileResponse:
    """The message as received (.eml), when it passed the upload checks."""
    message = _message_or_404(request, pk)
    if message.raw_refused or not message.raw:
        raise Http404
    try:
        handle = message.raw.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return _file_response(handle, name=f"courriel-{message.pk}.eml", content_type="message/rfc822")
