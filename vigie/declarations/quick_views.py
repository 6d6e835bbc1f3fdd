"""The quick declaration (a phone, in the middle of an attack) and the completion of a
declaration submitted with its first facts.

The quick pages are light on purpose: one style sheet cut down to the DSFR components
they use (quick.css, built by scripts/quick_css.py), no script, so that they load on a
degraded mobile link.
"""

from __future__ import annotations

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
from django.views.decorators.http import require_http_methods, require_safe

from vigie.core.forms import form_add_service_errors
from vigie.declarations import selectors
from vigie.declarations.forms import STEP_FORMS, QuickForm
from vigie.declarations.models import Declaration
from vigie.declarations.selectors import field_label
from vigie.declarations.services import (
    DeclarationIncomplete,
    completable,
    declaration_complete_step,
    declaration_quick_submit,
    may_complete,
)
from vigie.declarations.steps import STEP_BY_SLUG, STEPS, declaration_problems, problems_by_step
from vigie.directory.models import User


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def declaration_quick(request: HttpRequest) -> HttpResponse:
    structures = selectors.structures_to_declare_for(request.user)
    if not structures:
        raise PermissionDenied
    user = _user(request)
    form = QuickForm(
        request.POST or None,
        structures=structures,
        user=user,
        initial={"declarant_name": user.get_full_name(), "urgent_help": "0"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            declaration = declaration_quick_submit(
                structure=form.cleaned_data["structure"], by=user, values=form.values()
            )
        except DeclarationIncomplete as incomplete:
            for name, message in incomplete.problems.items():
                form.add_error(name if name in form.fields else None, message)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return redirect("declarations:quick_done", pk=declaration.pk)
    return render(
        request,
        "declarations/quick.html",
        {"form": form, "structures": structures},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_safe
def declaration_quick_done(request: HttpRequest, pk: int) -> HttpResponse:
    """What the declarant needs to read right after: the reference, who was alerted,
    who will call back, and that the rest can wait."""
    declaration = selectors.declaration_get(request.user, pk)
    if declaration is None or declaration.is_draft:
        raise Http404
    return render(
        request,
        "declarations/quick_done.html",
        {
            "declaration": declaration,
            # A phone number never breaks across lines.
            "phone": declaration.declarant_phone.replace(" ", "\u00a0"),
            "recipients": selectors.recipients_of(request.user, declaration),
            "can_complete": completable(declaration) and may_complete(request.user, declaration),
        },
    )


def _completable_or_404(request: HttpRequest, pk: int) -> Declaration:
    declaration = selectors.declaration_with_content(request.user, pk)
    if declaration is None or declaration.is_draft:
        raise Http404
    if not may_complete(request.user, declaration):
        raise PermissionDenied
    return declaration


def _missing(declaration: Declaration) -> list[dict[str, Any]]:
    """Each step with the fields still missing, for the completion overview."""
    grouped = problems_by_step(declaration_problems(declaration))
    rows = []
    for number, step in enumerate(STEPS, start=1):
        names = grouped.get(step.slug, {})
        labels = [field_label(name) for name in names if not name.startswith("step:")]
        rows.append(
            {
                "step": step,
                "number": number,
                "missing": labels,
                "url": reverse("declarations:complete_step", args=[declaration.pk, step.slug]),
            }
        )
    return rows


@login_required
@require_safe
def declaration_complete(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _completable_or_404(request, pk)
    return render(
        request,
        "declarations/complete.html",
        {
            "declaration": declaration,
            "structure": declaration.structure,
            "steps": _missing(declaration),
            "open": completable(declaration),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def declaration_complete_step_view(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    declaration = _completable_or_404(request, pk)
    step = STEP_BY_SLUG.get(slug)
    if step is None:
        raise Http404
    if not completable(declaration):
        messages.info(request, _("This declaration is complete: it can no longer be changed."))
        return redirect("declarations:detail", pk=pk)
    form_class = STEP_FORMS[step.slug]
    with timezone.override(selectors.structure_timezone(declaration.structure)):
        form = form_class(
            request.POST if request.method == "POST" else None,
            declaration=declaration,
            user=request.user,
        )
        if request.method == "POST" and form.is_valid():
            try:
                declaration = declaration_complete_step(
                    declaration=declaration,
                    by=_user(request),
                    step=step.slug,
                    values=form.valid_values(),
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                if declaration.completed_at is not None and not declaration.awaits_confirmation:
                    messages.success(request, _("The declaration is now complete. Thank you."))
                    return redirect("declarations:detail", pk=pk)
                messages.success(request, _("Saved."))
                following = _next_missing(declaration, step)
                if following is None:
                    return redirect("declarations:complete", pk=pk)
                return redirect("declarations:complete_step", pk=pk, slug=following)
        return render(
            request,
            "declarations/complete_step.html",
            {
                "declaration": declaration,
                "structure": declaration.structure,
                "step": step,
                "form": form,
                "steps": _missing(declaration),
            },
            status=400 if form.is_bound and form.errors else 200,
        )


def _next_missing(declaration: Declaration, after: Any) -> str | None:
    """The next step (after ``after``, then from the start) that still misses a field."""
    grouped = problems_by_step(declaration_problems(declaration))
    index = STEPS.index(after)
    for step in [*STEPS[index + 1 :], *STEPS[: index + 1]]:
        if grouped.get(step.slug):
            return step.slug
    return None
