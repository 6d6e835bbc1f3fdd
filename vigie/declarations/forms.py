"""The declaration form, one ModelForm per step (see steps.py), in the DSFR style.

Nothing is required to save a draft: the fields a submission needs are marked with an
asterisk and checked on the summary page. Dates are typed and shown in the structure's
local time; the view activates that time zone around the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm, DsfrBoundField
from dsfr.utils import dsfr_input_class_attr

from vigie.core.timezones import zone_label
from vigie.declarations import selectors
from vigie.declarations.models import (
    AffectedSystem,
    CareImpact,
    Declaration,
    HealthProduct,
    IncidentType,
    NotifiedBody,
    Tlp,
    TriState,
)
from vigie.declarations.steps import REQUIRED_FIELDS, STEP_BY_SLUG, check_dates
from vigie.directory.models import Structure

DATETIME_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
# Above this many vendors a checkbox list becomes unwieldy: use a multiple select.
VENDOR_CHECKBOXES_MAX = 20


class StepBoundField(DsfrBoundField):
    """Marks the fields a submission needs with an asterisk (explained above the form)."""

    def __init__(self, form: forms.BaseForm, field: forms.Field, name: str) -> None:
        super().__init__(form, field, name)
        if name in REQUIRED_FIELDS:
            label: str = str(field.label or "")
            self.label = format_html('{}<span class="fr-required-marker"> *</span>', label)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_INPUT_FORMAT)


def _choices_field(choices: list[tuple[str, Any]], label: Any, help_text: Any = "") -> Any:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


def _radio_field(
    choices: list[tuple[str, Any]], label: Any, help_text: Any = "", required: bool = False
) -> Any:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect,
        help_text=help_text,
    )


@dataclass(frozen=True)
class Group:
    """Fields shown together, in a fieldset when there is a legend."""

    fields: tuple[str, ...]
    legend: Any = None
    hint: Any = None


class StepForm(DsfrBaseForm, forms.ModelForm):
    """Base of the step forms: bound to a draft, rendered group by group."""

    bound_field_class = StepBoundField
    step_slug: ClassVar[str]
    groups: ClassVar[tuple[Group, ...]]
    intro: ClassVar[Any] = ""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        declaration: Declaration,
        user: Any,
        **kwargs: Any,
    ) -> None:
        self.declaration = declaration
        self.user = user
        super().__init__(data, instance=declaration, **kwargs)
        self.setup_fields()
        # Bound fields were built (and styled) before setup_fields changed texts and
        # widgets: build them again.
        self._bound_fields_cache.clear()
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)

    def setup_fields(self) -> None:
        """Hook for querysets and texts that depend on the declaration."""

    @property
    def step(self) -> Any:
        return STEP_BY_SLUG[self.step_slug]

    def group_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "legend": group.legend,
                "hint": group.hint,
                "fields": [self[name] for name in group.fields if name in self.fields],
            }
            for group in self.groups
        ]

    def valid_values(self) -> dict[str, Any]:
        """The fields that validated (all of them when the form is valid)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name in self.fields}

    def raw_input(self) -> dict[str, Any]:
        """What was typed, field by field (lists for multiple choices), for the draft."""
        if not self.is_bound:
            return {}
        raw: dict[str, Any] = {}
        for name, form_field in self.fields.items():
            if isinstance(self.data, MultiValueDict):
                values = self.data.getlist(name)
            else:
                value = self.data.get(name)
                values = value if isinstance(value, list) else ([] if value is None else [value])
            # Without NUL bytes: PostgreSQL refuses them in JSON (the field itself is
            # refused by its validation; what else was typed is kept).
            if isinstance(form_field, forms.MultipleChoiceField):
                raw[name] = [str(v).replace("\x00", "") for v in values]
            elif values:
                raw[name] = str(values[-1]).replace("\x00", "")
        return raw

    def error_links(self) -> list[dict[str, str]]:
        """Errors for the summary at the top of the form, each linking to its field."""
        links = []
        for name, errors in self.errors.items():
            if name == "__all__":
                continue
            bound = self[name]
            anchor = bound.auto_id
            if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                anchor = f"{bound.auto_id}_0"
            links.append(
                {
                    "anchor": anchor,
                    "label": str(bound.field.label),
                    "message": "; ".join(str(e) for e in errors),
                }
            )
        return links


def raw_to_data(raw: Mapping[str, Any]) -> MultiValueDict[str, Any]:
    """Rebuild form data from what a draft kept of unvalidated input."""
    data: MultiValueDict[str, Any] = MultiValueDict()
    for key, value in raw.items():
        data.setlist(key, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return data


class IdentityForm(StepForm):
    step_slug = "identite"
    groups = (
        Group(
            ("declarant_name", "declarant_function", "declarant_email", "declarant_phone"),
            legend=_("Who is declaring"),
            hint=_(
                "The person the support cell and the regional health agency will call back. "
                "Filled in from your account: change it if someone else should be contacted."
            ),
        ),
        Group(("detected_at", "started_at"), legend=_("When")),
        Group(("incident_type",)),
    )

    class Meta:
        model = Declaration
        fields = STEP_BY_SLUG["identite"].fields
        widgets: ClassVar = {
            "detected_at": LocalDateTimeInput,
            "started_at": LocalDateTimeInput,
            "declarant_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "declarant_phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "declarant_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "declarant_function": forms.TextInput(attrs={"autocomplete": "organization-title"}),
        }
        help_texts: ClassVar = {
            "declarant_phone": _("A number where you can be reached in the coming hours."),
            "declarant_email": _("The acknowledgement of receipt is sent to this address."),
        }

    def setup_fields(self) -> None:
        structure: Structure = self.declaration.structure
        tz = selectors.structure_timezone(structure)
        place = {"region": structure.departement.region.name, "tz": zone_label(tz)}
        self.fields["detected_at"].help_text = (
            _(
                "When the incident was noticed, in the structure's local time "
                "(%(region)s, %(tz)s). An approximate time is fine."
            )
            % place
        )
        self.fields["started_at"].help_text = (
            _(
                "Only if you know when it actually began (for example from logs), "
                "in the structure's local time (%(region)s, %(tz)s). Leave empty otherwise."
            )
            % place
        )
        incident_type = self.fields["incident_type"]
        incident_type.queryset = selectors.incident_types_for(  # type: ignore[attr-defined]
            self.user, self.declaration
        )
        incident_type.empty_label = _("Choose the closest type")  # type: ignore[attr-defined]
        incident_type.help_text = _(
            "Your best guess is enough: the support cell will qualify the incident with you. "
            "Choose “Other” if nothing fits."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        problems = check_dates(cleaned.get("detected_at"), cleaned.get("started_at"))
        for name, message in problems.items():
            if name in cleaned:
                self.add_error(name, message)
        return cleaned


class PerimeterForm(StepForm):
    step_slug = "perimetre"
    groups = (
        Group(("systems_affected",)),
        Group(("health_products",)),
        Group(
            ("software", "vendors", "other_vendors", "hosting_provider"),
            legend=_("Software, vendors and hosting"),
        ),
        Group(("sites_affected",)),
    )

    systems_affected = _choices_field(
        AffectedSystem.choices,
        _("Systems affected"),
        _("Tick everything that is affected or suspected to be."),
    )
    health_products = _choices_field(
        HealthProduct.choices,
        _("Health products involved"),
        _(
            "Medical devices and prescription or dispensing software are followed by ANSM, "
            "which will be informed."
        ),
    )

    class Meta:
        model = Declaration
        fields = STEP_BY_SLUG["perimetre"].fields
        widgets: ClassVar = {
            "software": forms.Textarea(attrs={"rows": 3}),
            "sites_affected": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts: ClassVar = {
            "software": _("Names and versions if you know them, one per line."),
            "other_vendors": _("Vendors that are not in the list above."),
            "hosting_provider": _("If the affected systems are hosted outside the structure."),
            "sites_affected": _("Which sites, buildings or departments are affected."),
        }

    def setup_fields(self) -> None:
        vendors = self.fields["vendors"]
        queryset = selectors.vendors_for(self.user)
        if not queryset.exists():
            del self.fields["vendors"]  # nothing to choose from: "other vendors" remains
            return
        vendors.queryset = queryset  # type: ignore[attr-defined]
        vendors.help_text = _("Vendors of the software or equipment concerned, if any.")
        if queryset.count() <= VENDOR_CHECKBOXES_MAX:
            vendors.widget = forms.CheckboxSelectMultiple(choices=vendors.choices)  # type: ignore[attr-defined]
        else:
            vendors.widget = forms.SelectMultiple(
                choices=vendors.choices,  # type: ignore[attr-defined]
                attrs={"size": 8},
            )
            vendors.help_text = _(
                "Hold Ctrl (or Cmd) to select several. Vendors of the software or equipment "
                "concerned, if any."
            )


class ImpactsForm(StepForm):
    step_slug = "impacts"
    groups = (
        Group(("care_impact",)),
        Group(
            ("data_availability", "data_integrity", "data_confidentiality"),
            legend=_("Impact on health data"),
            hint=_("Tick what is affected, even if only suspected."),
        ),
        Group(
            ("degraded_mode", "service_downtime", "patients_transferred", "plan_blanc"),
            legend=_("Impact on normal functioning"),
        ),
        Group(
            ("estimated_patients", "estimated_records"),
            legend=_("Estimates"),
            hint=_("Rough numbers are enough; leave empty if unknown."),
        ),
    )

    care_impact = _radio_field(
        CareImpact.choices,
        _("Impact on care safety"),
        _(
            "“Potential”: care could be affected if the incident lasts or spreads. "
            "“Actual”: patients' care is already affected."
        ),
    )

    class Meta:
        model = Declaration
        fields = STEP_BY_SLUG["impacts"].fields
        help_texts: ClassVar = {
            "data_availability": _("Data cannot be reached (for example encrypted or offline)."),
            "data_integrity": _("Data may have been altered or deleted."),
            "data_confidentiality": _("Data may have been seen or taken by someone not allowed."),
            "degraded_mode": _("Departments work in degraded mode (paper, manual procedures)."),
            "plan_blanc": _("The hospital's crisis plan was triggered."),
        }


class OriginForm(StepForm):
    step_slug = "origine"
    groups = (
        Group(("malicious",)),
        Group(("can_handle_alone",)),
        Group(
            ("help_needed", "urgent_help"),
            legend=_("Help"),
            hint=_("Ask for help without hesitation: it is what the support cell is for."),
        ),
        Group(
            ("containment_done", "isolation_done", "complaint_filed"),
            legend=_("What has already been done"),
        ),
        Group(("bodies_notified",)),
        Group(("actions_taken",)),
    )

    malicious = _radio_field(
        TriState.choices,
        _("Malicious origin"),
        _("Is this an attack? Answer “Unknown” if you cannot tell yet."),
    )
    can_handle_alone = _radio_field(
        TriState.choices,
        _("Able to handle it alone"),
        _("Can your teams and usual providers deal with the incident without outside help?"),
    )
    bodies_notified = _choices_field(
        NotifiedBody.choices,
        _("Bodies already notified"),
        _("Who else you have already told about this incident."),
    )

    class Meta:
        model = Declaration
        fields = STEP_BY_SLUG["origine"].fields
        widgets: ClassVar = {"actions_taken": forms.Textarea(attrs={"rows": 4})}
        help_texts: ClassVar = {
            "urgent_help": _(
                "Tick if you need someone to call you back now, day or night. Outside "
                "business hours the ministry's security officer is alerted as well."
            ),
            "containment_done": _("For example: accounts disabled, flows blocked."),
            "isolation_done": _("Affected machines disconnected from the network."),
            "complaint_filed": _("A complaint was filed with the police or gendarmerie."),
            "actions_taken": _("Anything else already done, in a few words."),
        }


class DescriptionForm(StepForm):
    step_slug = "description"
    groups = (Group(("description",)), Group(("tlp",)))

    tlp = _radio_field(
        Tlp.choices,
        _("TLP marking"),
        _(
            "How widely this declaration may be shared. TLP:AMBER (the default) limits it to "
            "the people who need it to help you; TLP:RED to the named recipients only; "
            "TLP:GREEN and TLP:CLEAR allow wider, anonymised sharing."
        ),
        required=True,
    )

    class Meta:
        model = Declaration
        fields = STEP_BY_SLUG["description"].fields
        widgets: ClassVar = {"description": forms.Textarea(attrs={"rows": 10})}
        help_texts: ClassVar = {
            "description": _(
                "What happened, in your own words: what you saw, when, what is affected, what "
                "is being done. Do not include passwords or patients' personal data."
            ),
        }


STEP_FORMS: dict[str, type[StepForm]] = {
    form.step_slug: form
    for form in (IdentityForm, PerimeterForm, ImpactsForm, OriginForm, DescriptionForm)
}


class StartForm(DsfrBaseForm):
    structure = forms.ModelChoiceField(
        label=_("Structure concerned by the incident"),
        queryset=Structure.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the structure concerned by the incident.")},
    )

    def __init__(self, *args: Any, structures: list[Structure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["structure"]
        field.queryset = Structure.objects.filter(pk__in=[s.pk for s in structures]).order_by(
            "name"
        )
        if len(structures) == 1:
            field.widget = forms.HiddenInput()
            field.initial = structures[0].pk


# The first facts of an incident, asked the same way by the quick declaration (the
# structure, on a phone) and by the cell taking a declaration for it (taken_forms.py).
def incident_type_field(label: Any) -> Any:
    """The incident type; its queryset is set by the form (incident_types_for)."""
    return forms.ModelChoiceField(
        label=label,
        queryset=IncidentType.objects.none(),
        empty_label=_("Choose the closest"),
        error_messages={"required": _("Choose the kind of incident (the closest one).")},
    )


def one_line_field(help_text: Any = "") -> Any:
    return forms.CharField(
        label=_("What is happening, in one line"),
        max_length=500,
        help_text=help_text,
        error_messages={"required": _("Say in one line what is happening.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def care_impact_field() -> Any:
    return forms.ChoiceField(
        label=_("Is patient care affected?"),
        choices=[
            (CareImpact.ACTUAL, _("Yes, care is affected")),
            (CareImpact.POTENTIAL, _("Not yet, but it could be")),
            (CareImpact.NONE, _("No")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether patient care is affected.")},
    )


class QuickForm(DsfrBaseForm):
    """The first minute of a declaration, on a phone: who calls back and how, what is
    happening, whether care is affected, whether help is needed now. Everything else
    (tasks A-D) is completed afterwards."""

    structure = forms.ModelChoiceField(
        label=_("Structure concerned"),
        queryset=Structure.objects.none(),
        empty_label=None,
        error_messages={"required": _("Choose the structure concerned by the incident.")},
    )
    declarant_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        error_messages={"required": _("Give the name of the person to call back.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    declarant_phone = forms.CharField(
        label=_("Phone number to call you back"),
        max_length=30,
        help_text=_("A number that works without the hospital's network (a mobile)."),
        error_messages={"required": _("Give a phone number to call you back.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    incident_type = incident_type_field(_("What kind of incident"))
    description = one_line_field(_("For example: servers encrypted, ransom note on the screens."))
    care_impact = care_impact_field()
    urgent_help = forms.TypedChoiceField(
        label=_("Do you need help now?"),
        choices=[("1", _("Yes, urgently")), ("0", _("No, not right now"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="0",
        error_messages={"required": _("Say whether you need help now.")},
    )

    def __init__(self, *args: Any, structures: list[Structure], user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["structure"]
        # The structure chosen comes with its region, which routing reads.
        field.queryset = (
            Structure.objects.filter(pk__in=[s.pk for s in structures])
            .select_related("departement__region")
            .order_by("name")
        )
        if len(structures) == 1:
            field.widget = forms.HiddenInput()
            field.initial = structures[0].pk
        kinds: Any = self.fields["incident_type"]
        kinds.queryset = selectors.incident_types_for(user, Declaration())

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in self.fields if name != "structure"}
