"""The sorting forms of a received message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm


class SortForm(DsfrBaseForm):
    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{key}_%s")
        super().__init__(*args, **kwargs)
        self.key = key
        self.html_id = f"form-{key}"


class AttachForm(SortForm):
    reference = forms.CharField(
        label=_("Case reference"),
        help_text=_("For example SSI-2025-00042. Only a case you may read can be chosen."),
        max_length=40,
        error_messages={"required": _("Type the reference of the case.")},
    )


class DismissForm(SortForm):
    reason = forms.CharField(
        label=_("Why set it aside"),
        help_text=_("Spam, off-topic, duplicate of another e-mail… The reason is kept."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Say why this e-mail is set aside.")},
    )
