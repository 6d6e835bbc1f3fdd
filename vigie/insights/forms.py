"""Forms of the insights pages (thin: services validate the rest)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from vigie.core.dsfr_render import LEAN_RENDERER
from vigie.declarations.models import Tlp
from vigie.directory.models import Region
from vigie.insights.models import IndicatorKind


class StatsFilterForm(DsfrBaseForm):
    start = forms.DateField(
        label=_("Opened from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("Opened until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All regions"),
    )

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if regions is None:
            del self.fields["region"]
        else:
            self.fields["region"].queryset = regions

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data


class IndicatorForm(DsfrBaseForm):
    default_renderer = LEAN_RENDERER  # shown on the case page
    kind = forms.ChoiceField(label=_("Kind"), choices=IndicatorKind.choices)
    value = forms.CharField(label=_("Value"), max_length=2048)
    tlp = forms.ChoiceField(
        label=_("TLP marking"),
        choices=[("", _("Same as the declaration")), *Tlp.choices],
        required=False,
    )
    comment = forms.CharField(label=_("Comment"), max_length=255, required=False)


class ObligationForm(DsfrBaseForm):
    default_renderer = LEAN_RENDERER  # shown on the case page
    done_at = forms.DateTimeField(
        label=_("Made at (structure's local time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        self.zone = zone
        super().__init__(*args, **kwargs)

    def clean_done_at(self) -> Any:
        value = self.cleaned_data["done_at"]
        # Typed in the structure's time zone, whatever the active one.
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return naive.replace(tzinfo=self.zone)
