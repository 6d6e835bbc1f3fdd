from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from vigie.directory.finess import finess_error, normalize_finess
from vigie.directory.models import Region, StructureKind

# Eight to ten characters, digits but for Corsica's A/B: somebody typed a FINESS number.
LOOKS_LIKE_FINESS = re.compile(r"^[0-9][0-9AB][0-9]{6,8}$")


class StructureFilterForm(DsfrBaseForm):
    q = forms.CharField(label=_("Name, town or FINESS number"), required=False, max_length=100)
    region = forms.ChoiceField(label=_("Region"), required=False)
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types")), *StructureKind.choices],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [
            ("", _("All regions")),
            *Region.objects.values_list("code", "name"),
        ]

    def clean_q(self) -> str:
        """A query that looks like a FINESS number is checked, so a typo is explained."""
        query: str = self.cleaned_data.get("q", "").strip()
        if LOOKS_LIKE_FINESS.match(normalize_finess(query)):
            message = finess_error(query)
            if message:
                raise forms.ValidationError(message, code="invalid_finess")
        return query


class DesignateDeclarantForm(DsfrBaseForm):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    job_title = forms.CharField(label=_("Function"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)


class RevokeForm(DsfrBaseForm):
    reason = forms.CharField(
        label=_("Reason for the revocation"),
        max_length=255,
        widget=forms.TextInput,
        error_messages={"required": _("Please give the reason for the revocation.")},
    )


class InvitationSignupForm(DsfrBaseForm):
    """The designated person has no account yet: they open one on accepting."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters, not only digits, not a common password."),
    )
    password_again = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        first, again = cleaned.get("password"), cleaned.get("password_again")
        if first and again and first != again:
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned
