"""The "à trier" queue, a received message, its files. Thin: rules live in services,
scopes and selectors."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from vigie.core.forms import form_add_service_errors
from vigie.core.scoping import scope_for
from vigie.core.timezones import zone_label
from vigie.declarations.models import DeclarationSource
from vigie.declarations.selectors import structure_timezone
from vigie.declarations.services import DeclarationIncomplete
from vigie.declarations.taken import structures_to_take_for
from vigie.declarations.taken_forms import TakeForm
from vigie.declarations.taken_views import structure_search
from vigie.directory.models import User
from vigie.inbox import selectors
from vigie.inbox.forms import AttachForm, DismissForm
from vigie.inbox.models import InboundMessage, MessageStatus
from vigie.inbox.scopes import may_sort
from vigie.inbox.services import (
    case_for_reference,
    message_attach,
    message_declare,
    message_dismiss,
)

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
            "mailboxes": selectors.mailbox_states(request.user),
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
        context["declare_url"] = reverse("inbox:declare", args=[message.pk])
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


# --- turning a message into a declaration taken by the cell -----------------------------


def _to_sort_or_404(request: HttpRequest, pk: int) -> InboundMessage:
    message = _message_or_404(request, pk)
    _sorter(request)
    if message.status != MessageStatus.TO_SORT:
        raise Http404
    return message


@login_required
@require_safe
def declare_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Which structure the message is about: those writing from the sender's domain, or
    a search by name, town or FINESS number."""
    message = _to_sort_or_404(request, pk)
    search = structure_search(
        request, lambda s: reverse("inbox:declare_for", args=[message.pk, s.finess])
    )
    return render(
        request,
        "inbox/declare_search.html",
        {
            "message": message,
            "suggested": selectors.structures_of_sender(request.user, message),
            **search,
        },
    )


def _initial(message: InboundMessage, zone: Any) -> dict[str, Any]:
    """What the message already says, for the person to check and complete."""
    name = parseaddr(message.sender)[0].strip() if message.sender else ""
    text = " ".join(message.body.split())
    description = message.subject if not text else f"{message.subject} — {text}".strip(" —")
    moment = message.sent_at or message.received_at
    return {
        "channel": DeclarationSource.EMAIL,
        "declarant_name": name,
        "declarant_email": message.sender_address,
        "description": description[:500],
        "detected_at": timezone.localtime(moment, zone).replace(
            second=0, microsecond=0, tzinfo=None
        ),
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest, pk: int, finess: str) -> HttpResponse:
    message = _to_sort_or_404(request, pk)
    user = cast(User, request.user)
    structure = structures_to_take_for(user).filter(finess=finess).first()
    if structure is None:
        raise Http404
    zone = structure_timezone(structure)
    with timezone.override(zone):
        form = TakeForm(
            request.POST or None,
            user=user,
            zone_hint=zone_label(zone),
            initial=_initial(message, zone),
        )
        if request.method == "POST" and form.is_valid():
            try:
                declaration = message_declare(
                    message=message, structure=structure, by=user, values=form.values()
                )
            except DeclarationIncomplete as incomplete:
                for name, problem in incomplete.problems.items():
                    form.add_error(name if name in form.fields else None, problem)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Declaration %(reference)s recorded on behalf of %(structure)s from "
                        "the e-mail: it is routed, its case is open and holds the e-mail."
                    )
                    % {"reference": declaration.reference, "structure": structure.name},
                )
                return redirect("declarations:detail", pk=declaration.pk)
        return render(
            request,
            "inbox/declare.html",
            {"message": message, "form": form, "structure": structure},
            status=400 if form.is_bound and form.errors else 200,
        )
