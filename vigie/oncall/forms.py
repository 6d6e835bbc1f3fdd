"""The rota form: dates typed in Paris time (the cell's), like the page shows them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from vigie.directory.models import User
from vigie.oncall.models import OnCallKind
from vigie.oncall.selectors import eligible_people

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
INPUT_FORMATS = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


def _datetime_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=_("Paris time"),
        input_formats=INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


class ShiftForm(DsfrBaseForm):
    kind = forms.ChoiceField(label=_("Rota"), widget=forms.RadioSelect)
    person = PersonChoice(label=_("Person on call"), queryset=User.objects.none())
    starts_at = _datetime_field(_("From"))
    ends_at = _datetime_field(_("Until"))

    def __init__(self, *args: Any, kinds: list[OnCallKind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0].value
            self.fields["kind"].widget = forms.HiddenInput()
        people = User.objects.none()
        for kind in kinds:
            people = people | eligible_people(kind)
        self.fields["person"].queryset = people.distinct().order_by(
            "last_name", "first_name", "email"
        )
        self.fields["person"].empty_label = _("Choose a person")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end must come after the start."))
        return data
