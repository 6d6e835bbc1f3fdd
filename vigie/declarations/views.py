"""Declaration pages (thin: forms validate, services write, selectors read).

Every save goes through ``declaration_save``: the fields that validated are stored, and
when some did not the whole input is kept in the draft, so nothing typed is ever lost.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from vigie.core.storage import stored_file_response
from vigie.declarations import selectors
from vigie.declarations.attachments import allowed_extensions
from vigie.declarations.forms import STEP_FORMS, StartForm, StepForm, raw_to_data
from vigie.declarations.models import Declaration
from vigie.declarations.services import (
    DeclarationIncomplete,
    attachment_add,
    attachment_remove,
    declaration_discard,
    declaration_save,
    declaration_start,
    declaration_submit,
    may_complete,
)
from vigie.declarations.steps import STEP_BY_SLUG, STEPS, Step, declaration_problems
from vigie.directory.models import User

ATTACHMENT_STEP = "description"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _step_or_404(slug: str) -> Step:
    step = STEP_BY_SLUG.get(slug)
    if step is None:
        raise Http404
    return step


def _draft_or_404(request: HttpRequest, pk: int) -> Declaration:
    draft = selectors.draft_for_edit(request.user, pk)
    if draft is None:
        raise Http404
    return draft


def _submitted_redirect(request: HttpRequest, pk: int) -> HttpResponse | None:
    """A declaration that can no longer be edited but can be read: go to its page."""
    declaration = selectors.declaration_get(request.user, pk)
    if declaration is not None and not declaration.is_draft:
        return redirect("declarations:detail", pk=pk)
    return None


def _step_url(declaration: Declaration, step: Step) -> str:
    return reverse("declarations:step", args=[declaration.pk, step.slug])


def _neighbours(step: Step) -> tuple[Step | None, Step | None]:
    index = STEPS.index(step)
    previous = STEPS[index - 1] if index > 0 else None
    following = STEPS[index + 1] if index + 1 < len(STEPS) else None
    return previous, following


def _save_step(form: StepForm, user: User) -> Declaration:
    valid = form.is_valid()
    return declaration_save(
        declaration=form.declaration,
        by=user,
        step=form.step_slug,
        values=form.valid_values(),
        raw=None if valid else form.raw_input(),
    )


# --- list, start, discard ------------------------------------------------------------


@login_required
@require_safe
def declaration_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.submitted_visible(request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "declarations/list.html",
        {
            "drafts": selectors.drafts_of(request.user),
            "page_obj": page,
            "can_declare": selectors.can_declare(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def declaration_new(request: HttpRequest) -> HttpResponse:
    structures = selectors.structures_to_declare_for(request.user)
    if not structures:
        raise PermissionDenied
    form = StartForm(request.POST or None, structures=structures)
    if request.method == "POST" and form.is_valid():
        draft = declaration_start(structure=form.cleaned_data["structure"], by=_user(request))
        return redirect(_step_url(draft, STEPS[0]))
    return render(
        request,
        "declarations/start.html",
        {
            "form": form,
            "structures": structures,
            "drafts": selectors.drafts_of(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def declaration_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _draft_or_404(request, pk)
    if request.method == "POST":
        declaration_discard(declaration=draft, by=_user(request))
        messages.success(request, _("The draft was deleted."))
        return redirect("declarations:list")
    return render(request, "declarations/discard.html", {"declaration": draft})


# --- the steps -----------------------------------------------------------------------


def _stepper(declaration: Declaration, current: Step | None) -> list[dict[str, Any]]:
    return [
        {
            "number": number,
            "title": step.title,
            "url": _step_url(declaration, step),
            "current": step == current,
            "unsaved_input": step.slug in declaration.draft_data,
        }
        for number, step in enumerate(STEPS, start=1)
    ]


def _render_step(
    request: HttpRequest,
    draft: Declaration,
    step: Step,
    form: StepForm,
    upload_errors: list[str] | None = None,
) -> HttpResponse:
    previous, following = _neighbours(step)
    step_url = _step_url(draft, step)
    context = {
        "declaration": draft,
        "structure": draft.structure,
        "step": step,
        "step_number": STEPS.index(step) + 1,
        # The review page is the last step of the stepper: "Step 1 of 6" beside 6 items.
        "steps_total": len(STEPS) + 1,
        "stepper": _stepper(draft, step),
        "previous": previous,
        "following": following,
        "form": form,
        "step_url": step_url,
        "autosave_url": reverse("declarations:autosave", args=[draft.pk, step.slug]),
        "saved_at": draft.updated_at.isoformat(),
        "storage_key": f"vigie:declaration:{draft.pk}:{step.slug}",
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "login_url": f"{reverse('account_login')}?next={step_url}",
        "timezone_name": selectors.structure_timezone(draft.structure).key,
    }
    if step.slug == ATTACHMENT_STEP:
        context.update(
            attachments=selectors.attachments_of(request.user, draft),
            accepted_types=allowed_extensions(),
            max_size=settings.VIGIE_ATTACHMENT_MAX_BYTES,
            max_count=settings.VIGIE_ATTACHMENT_MAX_COUNT,
            upload_errors=upload_errors or [],
        )
    return render(request, "declarations/step.html", context)


def _form_as_left(request: HttpRequest, draft: Declaration, step: Step) -> StepForm:
    """The step's form as the declarant left it: input that did not validate last time
    is shown again, with its errors."""
    raw = draft.draft_data.get(step.slug)
    form = STEP_FORMS[step.slug](
        raw_to_data(raw) if raw else None, declaration=draft, user=request.user
    )
    if form.is_bound:
        form.is_valid()
    return form


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def declaration_step(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    step = _step_or_404(slug)
    draft = selectors.draft_for_edit(request.user, pk)
    if draft is None:
        return _submitted_redirect(request, pk) or _not_found()
    form_class = STEP_FORMS[step.slug]
    # Dates are typed and shown in the structure's local time (Réunion, Antilles…).
    with timezone.override(selectors.structure_timezone(draft.structure)):
        if request.method == "POST":
            form = form_class(request.POST, declaration=draft, user=request.user)
            try:
                draft = _save_step(form, _user(request))
            except ValidationError:
                return redirect("declarations:detail", pk=pk)
            if form.is_valid():
                previous, following = _neighbours(step)
                action = request.POST.get("action", "save")
                if action == "previous" and previous is not None:
                    return redirect(_step_url(draft, previous))
                if action == "continue":
                    if following is None:
                        return redirect("declarations:summary", pk=draft.pk)
                    return redirect(_step_url(draft, following))
                messages.success(request, _("Your draft was saved."))
                return redirect(_step_url(draft, step))
            return _render_step(request, draft, step, form)
        return _render_step(request, draft, step, _form_as_left(request, draft, step))


def _not_found() -> HttpResponse:
    raise Http404


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


@never_cache
@require_POST
def declaration_autosave(request: HttpRequest, pk: int, slug: str) -> JsonResponse:
    """Background save of a step (autosave.js). Answers JSON, never a login redirect."""
    if not request.user.is_authenticated:
        return _json_error(_("Your session has expired. Please sign in again."), 403)
    step = STEP_BY_SLUG.get(slug)
    if step is None:
        return _json_error(_("Unknown step."), 404)
    draft = selectors.draft_for_edit(request.user, pk)
    if draft is None:
        return _json_error(_("You cannot edit this declaration."), 403)
    with timezone.override(selectors.structure_timezone(draft.structure)):
        form = STEP_FORMS[step.slug](request.POST, declaration=draft, user=request.user)
        try:
            draft = _save_step(form, _user(request))
        except PermissionDenied:
            return _json_error(_("You cannot edit this declaration."), 403)
        except ValidationError:
            return _json_error(_("This declaration has already been submitted."), 409)
        errors = {
            name: [str(message) for message in messages_] for name, messages_ in form.errors.items()
        }
    return JsonResponse({"saved_at": draft.updated_at.isoformat(), "errors": errors})


# --- summary, submission, detail ------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def declaration_summary(request: HttpRequest, pk: int) -> HttpResponse:
    draft = selectors.draft_for_edit(request.user, pk)
    if draft is None:
        return _submitted_redirect(request, pk) or _not_found()
    refused = False
    if request.method == "POST":
        try:
            declaration = declaration_submit(declaration=draft, by=_user(request))
        except DeclarationIncomplete as incomplete:
            problems = incomplete.problems
            refused = True
        except ValidationError:
            return redirect("declarations:detail", pk=pk)
        else:
            messages.success(
                request,
                _(
                    "Your declaration was submitted under reference %(reference)s. "
                    "An acknowledgement was sent to you by e-mail."
                )
                % {"reference": declaration.reference},
            )
            return redirect("declarations:detail", pk=declaration.pk)
    else:
        problems = declaration_problems(draft)
    draft = selectors.declaration_with_content(request.user, pk) or draft
    return render(
        request,
        "declarations/summary.html",
        {
            "declaration": draft,
            "structure": draft.structure,
            "sections": selectors.declaration_sections(draft, problems),
            "problems": problems,
            "refused": refused,
            "attachments": selectors.attachments_of(request.user, draft),
            "stepper": _stepper(draft, None),
            "step_number": len(STEPS) + 1,
            "steps_total": len(STEPS) + 1,
            "timezone_name": selectors.structure_timezone(draft.structure).key,
        },
        status=200,
    )


@login_required
@require_safe
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.declaration_with_content(request.user, pk)
    if declaration is None:
        raise Http404
    if declaration.is_draft:
        # Only its author sees a draft: the summary is where it is reviewed.
        return redirect("declarations:summary", pk=pk)
    missing = selectors.missing_labels(declaration) if declaration.is_incomplete else []
    return render(
        request,
        "declarations/detail.html",
        {
            "declaration": declaration,
            "structure": declaration.structure,
            "sections": selectors.declaration_sections(declaration),
            "attachments": selectors.attachments_of(request.user, declaration),
            "recipients": selectors.recipients_of(request.user, declaration),
            "timezone_name": selectors.structure_timezone(declaration.structure).key,
            "missing": missing,
            "can_complete": bool(missing) and may_complete(request.user, declaration),
        },
    )


# --- attachments ---------------------------------------------------------------------


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _draft_or_404(request, pk)
    uploads = request.FILES.getlist("files")
    errors: list[str] = [] if uploads else [_("Choose at least one file to add.")]
    for upload in uploads:
        try:
            attachment = attachment_add(declaration=draft, by=_user(request), upload=upload)
        except ValidationError as error:
            errors.extend(error.messages)
        else:
            messages.success(
                request, _("“%(name)s” was added.") % {"name": attachment.original_name}
            )
    step = STEP_BY_SLUG[ATTACHMENT_STEP]
    if errors:
        # Shown next to the file field, where the declarant is looking.
        with timezone.override(selectors.structure_timezone(draft.structure)):
            form = _form_as_left(request, draft, step)
            return _render_step(request, draft, step, form, upload_errors=errors)
    return redirect(_step_url(draft, step) + "#attachments")


@login_required
@require_safe
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    attachment = selectors.attachment_get(request.user, attachment_id)
    if attachment is None:
        raise Http404
    return stored_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )


@login_required
@require_POST
def attachment_delete(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = selectors.attachment_get(request.user, attachment_id)
    if attachment is None:
        raise Http404
    draft = selectors.draft_for_edit(request.user, attachment.declaration_id)
    if draft is None:
        raise Http404
    attachment_remove(attachment=attachment, by=_user(request))
    messages.success(request, _("“%(name)s” was removed.") % {"name": attachment.original_name})
    return redirect(_step_url(draft, STEP_BY_SLUG[ATTACHMENT_STEP]) + "#attachments")
