from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from vigie.cases.models import Case
from vigie.declarations.models import IncidentType
from vigie.retex.models import RETEX_FIELDS, AnonymisedRetex, Retex


def _text(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class RetexForm(DsfrBaseForm):
    causes = _text(_("Causes of the incident"))
    aggravating_factors = _text(_("Factors that increased the impact"))
    difficulties = _text(_("Difficulties met during handling"))
    measures_taken = _text(_("Measures taken"))
    recommendations = _text(_("Recommendations"))
    similar_cases = forms.ModelMultipleChoiceField(
        label=_("Similar earlier cases"),
        help_text=_("Closed cases of the same incident type or with a common vendor."),
        queryset=Case.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, user: Any, candidate_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["similar_cases"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        # Only cases the user reads: a link another writer made to a case the user may
        # not read is neither shown (its reference) nor offered.
        field.queryset = (
            Case.objects.visible_to(user)
            .filter(pk__in=list(candidate_ids))
            .select_related("declaration__incident_type")
        )
        field.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            f"{obj.reference} — {obj.declaration.incident_type or '—'}"
        )

    @staticmethod
    def initial_for(retex: Retex | None) -> dict[str, Any]:
        if retex is None:
            return {}
        initial: dict[str, Any] = {name: getattr(retex, name) for name in RETEX_FIELDS}
        initial["similar_cases"] = list(retex.similar_cases.values_list("pk", flat=True))
        return initial


class SharingBaseFilterForm(DsfrBaseForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    incident_type = forms.ChoiceField(label=_("Incident type"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incident_type"].choices = [
            ("", _("All incident types")),
            *IncidentType.objects.filter(is_active=True).values_list("code", "label"),
        ]


class ReviewForm(DsfrBaseForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    causes = _text(_("Causes of the incident"))
    aggravating_factors = _text(_("Factors that increased the impact"))
    difficulties = _text(_("Difficulties met during handling"))
    measures_taken = _text(_("Measures taken"))
    recommendations = _text(_("Recommendations"))
    reviewed = forms.BooleanField(
        label=_("I have read the anonymised text against the original: it identifies nobody."),
        required=False,
    )

    @staticmethod
    def initial_for(publication: AnonymisedRetex) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(publication, name) for name in RETEX_FIELDS}
        initial["title"] = publication.title
        return initial
