from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from vigie.actionplan.models import AssessmentStatus, ReportFormat


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AssessmentForm(DsfrBaseForm):
    """Parses the input; the rules (reason, date) live in services.assessment_update."""

    status = forms.ChoiceField(
        label=_("Status"), choices=AssessmentStatus.choices, widget=forms.RadioSelect
    )
    achieved_on = forms.DateField(
        label=_("Date achieved"),
        required=False,
        widget=DateInput(),
        help_text=_("Required when the measure is done."),
    )
    not_applicable_reason = forms.CharField(
        label=_("Reason it does not apply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the measure does not apply."),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = MultipleFileField(label=_("Evidence files"), required=False)


class StartDateForm(DsfrBaseForm):
    start_date = forms.DateField(label=_("Start date of the plan"), widget=DateInput())


class ReportRequestForm(DsfrBaseForm):
    scope = forms.ChoiceField(label=_("Scope"))
    year = forms.IntegerField(label=_("Year"), min_value=2016, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=[(1, _("Q1")), (2, _("Q2")), (3, _("Q3")), (4, _("Q4"))],
    )
    formats = forms.MultipleChoiceField(
        label=_("Formats"),
        choices=ReportFormat.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes
