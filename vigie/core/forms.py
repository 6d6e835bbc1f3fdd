"""The one way a service's refusal reaches a form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def form_add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on ``form``: errors naming a field of the form
    go under that field, everything else (a plain message, or a field the form does not
    show) goes to the non-field errors. Never raises: a plain ValidationError has no
    ``message_dict``, and reading it would turn a clear refusal into a 500."""
    if hasattr(error, "error_dict"):
        for field, problems in error.error_dict.items():
            target = field if field in form.fields else None
            for problem in problems:
                for message in problem.messages:
                    form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
