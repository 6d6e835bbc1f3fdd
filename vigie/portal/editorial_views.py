"""The ACSS's editorial space (/portail/redaction/): thin views; the forms check the
input, ``rules`` who may act, ``services`` write."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from vigie.core.forms import form_add_service_errors
from vigie.core.scoping import Scope, scope_for
from vigie.directory.models import User
from vigie.portal import editorial, selectors, services
from vigie.portal.editorial import BY_SLUG, DOCUMENT_KINDS, PROVIDERS, Kind
from vigie.portal.forms import (
    EditorialForm,
    ProviderEntryForm,
    SendBackForm,
    SeqForm,
    WithdrawForm,
)
from vigie.portal.models import DocumentKind, Published, Revision, RevisionState
from vigie.portal.rules import Action, allowed, refusal, revision_actions


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _reader(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not allowed(Action.READ, scope):
        raise PermissionDenied
    return scope


def _writer(request: HttpRequest, action: Action = Action.CREATE) -> Scope:
    scope = _reader(request)
    refused = refusal(action, scope)
    if refused is not None and refused.forbidden:
        raise PermissionDenied
    return scope


def _kind(kind_slug: str, *, document: bool = True) -> Kind:
    spec = BY_SLUG.get(kind_slug)
    if spec is None or (document and spec.model is None):
        raise Http404
    return spec


def _revision(request: HttpRequest, pk: int) -> Revision:
    return get_object_or_404(selectors.revisions(request.user), pk=pk)


def _error_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _revision_url(revision: Revision, anchor: str = "") -> str:
    url = reverse("portal:editorial_revision", args=[revision.pk])
    return f"{url}#{anchor}" if anchor else url


def document_url(revision: Revision) -> str | None:
    """The editorial page of the revision's document (None: a new document)."""
    if revision.kind == DocumentKind.PROVIDERS:
        return reverse("portal:editorial_providers")
    document = revision.document
    if document is None:
        return None
    spec = editorial.kind_of(revision.kind)
    return reverse("portal:editorial_document", args=[spec.slug, document.pk])


# --- the dashboard --------------------------------------------------------------------


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _reader(request)
    spec = BY_SLUG.get(request.GET.get("type", ""), DOCUMENT_KINDS[0])
    if spec.model is None:
        spec = DOCUMENT_KINDS[0]
    open_revisions = list(selectors.open_revisions(request.user))
    page = Paginator(selectors.documents(request.user, spec.kind), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/editorial/dashboard.html",
        {
            "can_write": allowed(Action.CREATE, scope),
            "to_review": [r for r in open_revisions if r.state == RevisionState.IN_REVIEW],
            "drafts": [r for r in open_revisions if r.state == RevisionState.DRAFT],
            "kinds": DOCUMENT_KINDS,
            "spec": spec,
            "page_obj": page,
            "providers_version": selectors.document_versions(
                request.user, DocumentKind.PROVIDERS, None
            ).first(),
            "providers_draft": next(
                (r for r in open_revisions if r.kind == DocumentKind.PROVIDERS), None
            ),
            "user_id": scope.user_id,
        },
    )


# --- a document and its versions ------------------------------------------------------


def _document_page(
    request: HttpRequest,
    spec: Kind,
    document: Published | None,
    *,
    withdraw_form: WithdrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    scope = scope_for(request.user)
    versions = list(selectors.document_versions(request.user, spec.kind, document))
    draft = selectors.open_revisions(request.user).filter(kind=spec.kind)
    if spec.field is not None:
        draft = draft.filter(**{spec.field: document})
    current_draft = draft.first()
    all_ids = list(
        selectors.revisions(request.user)
        .filter(kind=spec.kind, **({spec.field: document} if spec.field else {}))
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "portal/editorial/document.html",
        {
            "spec": spec,
            "document": document,
            "versions": versions,
            "draft": current_draft,
            "can_start": allowed(Action.START, scope, has_open_draft=current_draft is not None),
            "can_withdraw": document is not None
            and allowed(Action.WITHDRAW, scope, document_state=document.state),
            "withdraw_form": withdraw_form or WithdrawForm(),
            "journal": selectors.journal(request.user, all_ids)[:50],
        },
        status=status,
    )


def _document(request: HttpRequest, spec: Kind, pk: int) -> Published:
    assert spec.model is not None
    return get_object_or_404(spec.model.objects.visible_to(request.user), pk=pk)


@login_required
@require_safe
def document(request: HttpRequest, kind_slug: str, pk: int) -> HttpResponse:
    _reader(request)
    spec = _kind(kind_slug)
    return _document_page(request, spec, _document(request, spec, pk))


@login_required
@require_safe
def providers(request: HttpRequest) -> HttpResponse:
    _reader(request)
    return _document_page(request, PROVIDERS, None)


@login_required
@require_POST
def start(request: HttpRequest, kind_slug: str, pk: int | None = None) -> HttpResponse:
    _writer(request, Action.START)
    spec = _kind(kind_slug, document=False)
    if (spec.model is None) != (pk is None):
        raise Http404
    document = _document(request, spec, pk) if pk is not None else None
    try:
        revision = services.revision_start(kind=spec.kind, by=_user(request), document=document)
    except ValidationError as error:
        _error_messages(request, error)
        if document is None:
            return redirect("portal:editorial_providers")
        return redirect("portal:editorial_document", spec.slug, document.pk)
    messages.success(
        request, _("A new draft starts from the published version; the public keeps reading it.")
    )
    if spec.model is None:
        return redirect(_revision_url(revision))
    return redirect("portal:editorial_edit", revision.pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, kind_slug: str, pk: int) -> HttpResponse:
    _writer(request, Action.WITHDRAW)
    spec = _kind(kind_slug)
    document = _document(request, spec, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.document_withdraw(
                kind=spec.kind,
                document=document,
                by=_user(request),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The document is withdrawn from the portal."))
            return redirect("portal:editorial_document", spec.slug, document.pk)
    return _document_page(request, spec, document, withdraw_form=form, status=400)


# --- writing --------------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    form: EditorialForm,
    *,
    title: str,
    spec: Kind,
    revision: Revision | None,
    cancel: str,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "portal/editorial/form.html",
        {"form": form, "title": title, "spec": spec, "revision": revision, "cancel": cancel},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, kind_slug: str) -> HttpResponse:
    _writer(request)
    spec = _kind(kind_slug)
    form = spec.form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.revision_create(
                kind=spec.kind, by=_user(request), values=form.cleaned_data
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect(_revision_url(revision))
    return _form_page(
        request,
        form,
        title=str(spec.new_label),
        spec=spec,
        revision=None,
        cancel=reverse("portal:editorial") + f"?type={spec.slug}",
        status=400 if form.is_bound else 200,
    )


def _editable(request: HttpRequest, pk: int) -> Revision | HttpResponse:
    """The revision, if this person may edit it now; else where to go instead."""
    _writer(request, Action.EDIT)
    revision = _revision(request, pk)
    refused = refusal(Action.EDIT, scope_for(request.user), revision=revision)
    if refused is not None:
        messages.error(request, str(refused.message))
        return redirect(_revision_url(revision))
    return revision


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    revision = _editable(request, pk)
    if isinstance(revision, HttpResponse):
        return revision
    spec = editorial.kind_of(revision.kind)
    if spec.model is None:
        return redirect(_revision_url(revision, "entries"))
    form = spec.form(
        request.POST or None, initial={**spec.initial(revision.data), "seq": revision.seq}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.revision_save(
                revision=revision,
                by=_user(request),
                values=form.cleaned_data,
                seq=form.cleaned_data["seq"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect(_revision_url(revision))
    return _form_page(
        request,
        form,
        title=_("Edit the draft"),
        spec=spec,
        revision=revision,
        cancel=_revision_url(revision),
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, pk: int, key: str = "") -> HttpResponse:
    """Add a provider to the list's draft (no ``key``) or change one."""
    revision = _editable(request, pk)
    if isinstance(revision, HttpResponse):
        return revision
    if revision.kind != DocumentKind.PROVIDERS:
        raise Http404
    current: dict[str, Any] = {}
    if key:
        current = next((e for e in editorial.entries(revision.data) if e["key"] == key), {})
        if not current:
            raise Http404
    form = ProviderEntryForm(request.POST or None, initial={**current, "seq": revision.seq})
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_entry_save(
                revision=revision,
                by=_user(request),
                values=form.cleaned_data,
                seq=form.cleaned_data["seq"],
                key=key or None,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The draft of the list is saved."))
            return redirect(_revision_url(revision, "entries"))
    return _form_page(
        request,
        form,
        title=_("Change a provider") if key else _("Add a provider"),
        spec=PROVIDERS,
        revision=revision,
        cancel=_revision_url(revision, "entries"),
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def entry_remove(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    revision = _editable(request, pk)
    if isinstance(revision, HttpResponse):
        return revision
    form = SeqForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("The page was out of date: try again."))
        services.provider_entry_remove(
            revision=revision, by=_user(request), key=key, seq=form.cleaned_data["seq"]
        )
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The provider is removed from the draft."))
    return redirect(_revision_url(revision, "entries"))


# --- a revision: read, review, publish ------------------------------------------------


def _revision_page(
    request: HttpRequest,
    revision: Revision,
    *,
    send_back_form: SendBackForm | None = None,
    status: int = 200,
) -> HttpResponse:
    scope = scope_for(request.user)
    spec = editorial.kind_of(revision.kind)
    before = revision.based_on.data if revision.based_on else None
    context: dict[str, Any] = {
        "revision": revision,
        "spec": spec,
        "actions": {action.value for action in revision_actions(scope, revision)},
        "four_eyes": (
            revision.state == RevisionState.IN_REVIEW
            and revision.edited_by_id == scope.user_id
            and allowed(Action.CREATE, scope)
        ),
        "send_back_form": send_back_form or SendBackForm(initial={"seq": revision.seq}),
        "seq_form": SeqForm(initial={"seq": revision.seq}),
        "problems": services.publication_problems(revision) if revision.is_open else [],
        "journal": selectors.journal(request.user, [revision.pk]),
        "document_url": document_url(revision),
    }
    context["can_edit"] = "edit" in context["actions"]
    if spec.model is None:
        context["entries"] = editorial.sorted_entries(revision.data)
        context["entry_changes"] = (
            editorial.entry_changes(before, revision.data) if revision.based_on else None
        )
    else:
        context["doc"] = spec.display(revision.data)
        context["changes"] = spec.changes(before, revision.data)
    return render(request, "portal/editorial/revision.html", context, status=status)


@login_required
@require_safe
def revision(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    return _revision_page(request, _revision(request, pk))


def _transition(request: HttpRequest, pk: int, action: Action, run: Any, done: str) -> HttpResponse:
    _writer(request, action)
    revision = _revision(request, pk)
    form = SeqForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("The page was out of date: try again."))
        run(revision=revision, by=_user(request), seq=form.cleaned_data["seq"])
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, done)
    return redirect(_revision_url(revision))


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        Action.SUBMIT,
        services.revision_submit,
        _("The draft is submitted for review: another analyst must approve it."),
    )


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        Action.APPROVE,
        services.revision_publish,
        _("Approved: this version is now the one the public reads."),
    )


@login_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request, pk, Action.DISCARD, services.revision_discard, _("The draft is abandoned.")
    )


@login_required
@require_POST
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    _writer(request, Action.SEND_BACK)
    revision = _revision(request, pk)
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            services.revision_send_back(
                revision=revision,
                by=_user(request),
                comment=form.cleaned_data["comment"],
                seq=form.cleaned_data["seq"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The draft is sent back to its author."))
            return redirect(_revision_url(revision))
    return _revision_page(request, revision, send_back_form=form, status=400)
