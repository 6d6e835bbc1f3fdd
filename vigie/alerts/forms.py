from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from vigie.alerts.models import RequestKind, RequestStatus, Severity
from vigie.directory.models import Region, StructureKind, Vendor


class AlertForm(DsfrBaseForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}))
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.WARNING
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"),
        queryset=Region.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every region."),
    )
    structure_kinds = forms.MultipleChoiceField(
        label=_("Structure types"),
        choices=StructureKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every type except military hospitals."),
    )
    software = forms.CharField(
        label=_("Software in use"),
        max_length=200,
        required=False,
        help_text=_("Structures whose declarations name this software."),
    )
    vendors = forms.ModelMultipleChoiceField(
        label=_("Vendors"),
        queryset=Vendor.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Structures whose declarations name one of these vendors."),
    )


class RecipientFilterForm(DsfrBaseForm):
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All regions"),
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class VendorRequestForm(DsfrBaseForm):
    vendor = forms.ModelChoiceField(
        label=_("Vendor"), queryset=Vendor.objects.all(), empty_label=_("Choose a vendor")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    product = forms.CharField(label=_("Product"), max_length=200)
    affected_versions = forms.CharField(
        label=_("Affected versions"), max_length=200, required=False
    )
    cve = forms.CharField(label=_("CVE identifier"), max_length=32, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 8}))
    involves_health_product = forms.BooleanField(
        label=_(
            "The product is a medical device (DM, DMDIV) or prescription/dispensing "
            "software (LAP, LAD)"
        ),
        required=False,
    )


class VendorRequestUpdateForm(DsfrBaseForm):
    to_status = forms.ChoiceField(label=_("New status"), required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, statuses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(RequestStatus.choices)
        self.fields["to_status"].choices = [
            ("", _("Unchanged")),
            *((status, labels[status]) for status in statuses),
        ]
