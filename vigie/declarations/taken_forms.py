"""Forms of a declaration taken by the cell: finding the structure, then the quick facts
heard on the phone or read in the e-mail. Dates are typed in the structure's local time
(the view activates its time zone), like everywhere a declaration is edited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm
from dsfr.utils import dsfr_input_class_attr

from vigie.declarations import selectors
from vigie.declarations.forms import care_impact_field, incident_type_field, one_line_field
from vigie.declarations.models import Declaration, DeclarationSource
from vigie.declarations.taken import TAKE_FIELDS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class StructureSearchForm(DsfrBaseForm):
    q = forms.CharField(
        label=_("Structure"),
        help_text=_("Name, town or FINESS number (at least 2 characters)."),
        min_length=2,
        max_length=100,
    )


class TakeForm(DsfrBaseForm):
    channel = forms.ChoiceField(
        label=_("Declaration received"),
        choices=[
            (DeclarationSource.PHONE, _("By phone")),
            (DeclarationSource.EMAIL, _("By e-mail")),
        ],
        widget=forms.RadioSelect,
        initial=DeclarationSource.PHONE,
        error_messages={"required": _("Say how the declaration was received.")},
    )
    declarant_name = forms.CharField(
        label=_("First and last name"),
        max_length=150,
        error_messages={"required": _("Give the name of the person who called or wrote.")},
    )
    declarant_function = forms.CharField(label=_("Their function"), max_length=150, required=False)
    declarant_phone = forms.CharField(
        label=_("Number to call them back"),
        max_length=30,
        required=False,
        help_text=_("Required for a call; a number that works without the structure's network."),
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    declarant_email = forms.EmailField(
        label=_("Their e-mail address"),
        required=False,
        help_text=_("They receive the acknowledgement there."),
    )
    incident_type = incident_type_field(_("Incident type"))
    description = one_line_field()
    care_impact = care_impact_field()
    urgent_help = forms.TypedChoiceField(
        label=_("Urgent help needed now?"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="0",
        error_messages={"required": _("Say whether urgent help is needed now.")},
    )
    detected_at = forms.DateTimeField(
        label=_("Detected at"),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        error_messages={"required": _("Give the date and time of detection.")},
    )

    def __init__(self, *args: Any, user: Any, zone_hint: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["incident_type"]
        field.queryset = selectors.incident_types_for(user, Declaration())
        self.fields["detected_at"].help_text = _(
            "Now by default; in the structure's local time (%(zone)s)."
        ) % {"zone": zone_hint}
        # The bound fields were built (and styled) before the help text was set.
        self._bound_fields_cache.clear()
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel = data.get("channel")
        if channel == DeclarationSource.PHONE and not data.get("declarant_phone"):
            self.add_error("declarant_phone", _("Give a phone number to call them back."))
        elif (
            channel == DeclarationSource.EMAIL
            and not data.get("declarant_phone")
            and not data.get("declarant_email")
            and "declarant_email" not in self.errors
        ):
            self.add_error(
                "declarant_email", _("Give an e-mail address or a number to answer them.")
            )
        return data

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in TAKE_FIELDS}
