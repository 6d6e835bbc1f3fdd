"""Forms of the editorial space (DSFR). They check the shape of what the analyst typed;
the services check the rules."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from vigie.declarations.models import IncidentType
from vigie.directory.models import StructureKind, Vendor
from vigie.portal.models import CompetenceLevel, GuideKind, Severity

CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")


def _text(label: Any, *, required: bool = True, rows: int = 8, **kwargs: Any) -> Any:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


def split_list(value: str) -> list[str]:
    """Items typed one per line or separated by commas, without blanks or repeats."""
    items: list[str] = []
    for part in re.split(r"[,;\n]", value or ""):
        item = part.strip()
        if item and item not in items:
            items.append(item)
    return items


class EditorialForm(DsfrBaseForm):
    """Every form carries the revision's ``seq`` it was shown with (optimistic lock)."""

    seq = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class BulletinForm(EditorialForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", _("Choose the severity")), *Severity.choices]
    )
    cve_ids = forms.CharField(
        label=_("CVE identifiers"),
        required=False,
        help_text=_("Separated by commas, for example CVE-2024-21762, CVE-2023-4966."),
    )
    products = forms.CharField(
        label=_("Products"),
        required=False,
        help_text=_("Separated by commas, for example FortiOS, FortiProxy."),
    )
    vendors = forms.ModelMultipleChoiceField(
        label=_("Vendors"),
        queryset=Vendor.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = _text(_("Summary"), help_text=_("What the vulnerability allows, who exploits it."))
    remediation = _text(_("Remediation"), required=False)

    def clean_cve_ids(self) -> list[str]:
        ids = [item.upper() for item in split_list(self.cleaned_data.get("cve_ids", ""))]
        wrong = [item for item in ids if not CVE.match(item)]
        if wrong:
            raise forms.ValidationError(
                _("Not a CVE identifier (CVE-year-number): %(ids)s") % {"ids": ", ".join(wrong)}
            )
        return ids

    def clean_products(self) -> list[str]:
        return split_list(self.cleaned_data.get("products", ""))


class ReflexSheetForm(EditorialForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    incident_type = forms.ModelChoiceField(
        label=_("Incident type"),
        queryset=IncidentType.objects.filter(is_active=True),
        empty_label=_("Choose the incident type"),
    )
    audience = forms.ChoiceField(
        label=_("Competence level of the reader"),
        choices=CompetenceLevel.choices,
        widget=forms.RadioSelect,
    )
    structure_kind = forms.ChoiceField(
        label=_("Structure type"),
        choices=[("", _("Every type of structure")), *StructureKind.choices],
        required=False,
    )
    body = _text(_("Text"), rows=14, help_text=_("One action per line, in the order to follow."))


class GuideForm(EditorialForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=GuideKind.choices, widget=forms.RadioSelect)
    summary = _text(_("Summary"), required=False, rows=3)
    body = _text(_("Text"), rows=14)


class ProviderEntryForm(EditorialForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    website = forms.URLField(
        label=_("Website"), required=False, assume_scheme="https", max_length=200
    )
    services = _text(_("Services offered"), rows=3)
    qualification = forms.CharField(
        label=_("Qualification"),
        max_length=120,
        required=False,
        help_text=_("For example PRIS, PASSI."),
    )
    regions = forms.CharField(
        label=_("Area served"),
        max_length=200,
        required=False,
        help_text=_("For example France entière, Auvergne-Rhône-Alpes."),
    )


class SeqForm(EditorialForm):
    """A button that changes a revision's state (submit, approve, abandon)."""


class SendBackForm(EditorialForm):
    comment = _text(
        _("What must change"),
        rows=4,
        error_messages={"required": _("Say what the author must change.")},
    )


class WithdrawForm(DsfrBaseForm):
    reason = _text(
        _("Reason for withdrawing"),
        rows=3,
        error_messages={"required": _("Give the reason for withdrawing the document.")},
    )
