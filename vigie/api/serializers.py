"""Input and output of the declarations API (HackSoft style: no ModelSerializer).

The fields are those of the web form (declarations.steps.STEPS) with the model's types
and choices; the submission rules themselves stay in declarations.services.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from vigie.api.selectors import structure_and_incident_type
from vigie.declarations.models import (
    AffectedSystem,
    CareImpact,
    Declaration,
    DeclarationRecipient,
    DeclarationStatus,
    HealthProduct,
    IncidentType,
    NotifiedBody,
    RecipientKind,
    Tlp,
    TriState,
)
from vigie.declarations.reference import typology_rows
from vigie.declarations.routing import reason_labels
from vigie.declarations.services import declaration_url
from vigie.declarations.steps import check_dates
from vigie.directory.finess import finess_error, normalize_finess
from vigie.directory.models import Structure, Vendor

# PostgreSQL integer columns stop there; a larger number must be a 400, not a 500.
MAX_INT = 2_147_483_647
MAX_VENDORS = 50


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with its UTC offset: a bare local time is ambiguous across time zones
    (overseas structures) and daylight-saving changes, so it is refused."""

    default_error_messages = {
        "naive": _(
            "Give the UTC offset of this date and time, for example "
            "2025-03-14T08:30:00+01:00 or 2025-03-14T07:30:00Z."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [ISO_8601])
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        return super().to_internal_value(value)


class IncidentTypeField(serializers.SlugRelatedField):
    """An active incident type, given by its code."""

    default_error_messages = {
        "does_not_exist": _("Unknown incident type “{value}”."),
        "invalid": _("Give the code of an incident type, as a string."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", IncidentType.objects.filter(is_active=True))
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        code = self.code_of(data)
        if code is None:
            self.fail("invalid")
        # Read with the structure when the declaration named one (DeclarationInput).
        known = getattr(self.parent, "incident_types_read", None)
        if known is not None and code in known:
            if known[code] is None:
                self.fail("does_not_exist", slug_name=self.slug_field, value=code)
            return known[code]
        return super().to_internal_value(code)

    @staticmethod
    def code_of(data: Any) -> str | None:
        """The code looked up for ``data``, None when refused before any query
        (PostgreSQL refuses NUL bytes with an error)."""
        if not isinstance(data, str) or "\x00" in data or len(data) > 40:
            return None
        return data.strip()


def _choices(enum: Any, **kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=enum.choices, **kwargs)


def _choice_list(enum: Any, **kwargs: Any) -> serializers.ListField:
    kwargs.setdefault("required", False)
    if not kwargs["required"]:
        kwargs.setdefault("default", list)
    return serializers.ListField(child=_choices(enum), max_length=len(enum.choices), **kwargs)


def _text(max_length: int | None = None, **kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("required", False)
    if not kwargs["required"]:
        kwargs.setdefault("default", "")
        kwargs.setdefault("allow_blank", True)
    if max_length is not None:
        kwargs["max_length"] = max_length
    return serializers.CharField(**kwargs)


def _flag(help_text: Any = None) -> serializers.BooleanField:
    return serializers.BooleanField(required=False, default=False, help_text=help_text)


def _count(help_text: Any) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=MAX_INT,
        help_text=help_text,
    )


INCIDENT_TYPE_CODES = ", ".join(row["code"] for row in typology_rows())


class DeclarationInput(serializers.Serializer):
    """A complete declaration, filed and submitted in one call."""

    structure_finess = serializers.CharField(
        max_length=13,
        help_text=_("FINESS ET number (9 characters) of the declaring structure."),
    )
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text=_(
            "The portal's own identifier. Sending the same identifier again from the same "
            "account returns the declaration it already filed (HTTP 200) instead of "
            "creating a duplicate; identifiers are not shared between accounts."
        ),
    )

    # Declarant, dates and type.
    declarant_name = _text(150, required=True)
    declarant_function = _text(150)
    declarant_email = serializers.EmailField(max_length=254)
    declarant_phone = _text(30, required=True)
    detected_at = AwareDateTimeField(help_text=_("When the incident was detected."))
    started_at = AwareDateTimeField(
        required=False, allow_null=True, default=None, help_text=_("When it started, if known.")
    )
    incident_type = IncidentTypeField(
        help_text=_("Code of the incident type. Shipped codes: %(codes)s.")
        % {"codes": INCIDENT_TYPE_CODES},
    )

    # Perimeter (task A).
    systems_affected = _choice_list(AffectedSystem, required=True, allow_empty=False)
    health_products = _choice_list(HealthProduct)
    software = _text()
    vendors = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        max_length=MAX_VENDORS,
        help_text=_("Names of vendors known to Vigie; put any other vendor in other_vendors."),
    )
    other_vendors = _text(255)
    hosting_provider = _text(255)
    sites_affected = _text()

    # Impacts (task B).
    care_impact = _choices(CareImpact)
    data_availability = _flag()
    data_integrity = _flag()
    data_confidentiality = _flag()
    degraded_mode = _flag()
    service_downtime = _flag()
    patients_transferred = _flag()
    plan_blanc = _flag()
    estimated_patients = _count(_("Estimated number of patients affected."))
    estimated_records = _count(_("Estimated number of records affected."))

    # Origin, help and actions (task C).
    malicious = _choices(TriState)
    can_handle_alone = _choices(TriState)
    help_needed = _flag()
    urgent_help = _flag(_("Urgent help needed now (implies help_needed)."))
    containment_done = _flag()
    isolation_done = _flag()
    complaint_filed = _flag()
    bodies_notified = _choice_list(NotifiedBody)
    actions_taken = _text()

    # Description and marking (task D).
    description = _text(required=True)
    tlp = _choices(Tlp, required=False, default=Tlp.AMBER)

    def get_fields(self) -> dict[str, serializers.Field]:
        """The declared fields, each copied for this serializer to bind, as DRF does, but
        shallowly: DRF's deep copy re-creates every field from its arguments, the most
        costly step of validating a declaration. These fields keep no state of their own
        while validating (their choices, validators and list items are only read)."""
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    def to_internal_value(self, data: Any) -> Any:
        """Also refuse unknown keys: a misspelt field must not be dropped silently."""
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, Mapping) else []
        errors: dict[str, Any] = {}
        value = None
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail = exc.detail
            errors = (
                dict(detail)
                if isinstance(detail, Mapping)
                else {api_settings.NON_FIELD_ERRORS_KEY: detail}
            )
        for name in unknown:
            errors[str(name)] = [_("Unknown field.")]
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def validate_structure_finess(self, value: str) -> Structure:
        message = finess_error(value)
        if message:
            raise serializers.ValidationError(message)
        number = normalize_finess(value)
        # The incident type named is read in the same statement, for its field to find.
        data = self.initial_data
        code = IncidentTypeField.code_of(
            data.get("incident_type") if isinstance(data, Mapping) else None
        )
        structure, incident_type = structure_and_incident_type(number, code)
        if code is not None:
            self.incident_types_read = {code: incident_type}
        if structure is None:
            raise serializers.ValidationError(
                _("No active structure has the FINESS number %(number)s.") % {"number": number}
            )
        return structure

    def validate_vendors(self, names: list[str]) -> list[Vendor]:
        wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
        if not wanted:
            return []
        matches = Q()
        for name in wanted:
            matches |= Q(name__iexact=name)
        # Exact spelling first, then any vendor whose name differs only by case.
        found: dict[str, Vendor] = {}
        for vendor in Vendor.objects.filter(matches).order_by("name"):
            found.setdefault(vendor.name.casefold(), vendor)
            found[vendor.name] = vendor
        unknown = [name for name in wanted if name.casefold() not in found]
        if unknown:
            raise serializers.ValidationError(
                [
                    _(
                        "Unknown vendor “%(name)s”: use a name of the Vigie vendor list, "
                        "or write it in other_vendors."
                    )
                    % {"name": name}
                    for name in unknown
                ]
            )
        return [found.get(name) or found[name.casefold()] for name in wanted]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        problems = check_dates(attrs.get("detected_at"), attrs.get("started_at"))
        if problems:
            raise serializers.ValidationError({name: [msg] for name, msg in problems.items()})
        for name in ("systems_affected", "health_products", "bodies_notified"):
            attrs[name] = list(dict.fromkeys(attrs.get(name, [])))
        return attrs


class RecipientOutput(serializers.Serializer):
    entity = serializers.ChoiceField(
        source="kind", choices=RecipientKind.choices, help_text=_("Entity alerted.")
    )
    # Declared fields are taken off the class, so these names do not shadow DRF's own.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text=_("Its name (the ARS of the region for an ARS).")
    )
    reasons = serializers.SerializerMethodField(help_text=_("Why it was alerted."))
    notice_only = serializers.BooleanField(
        help_text=_("Military hospital: the ARS only received a notice of existence.")
    )

    def get_reasons(self, recipient: DeclarationRecipient) -> list[str]:
        return reason_labels(recipient.reasons)


class DeclarationOutput(serializers.Serializer):
    reference = serializers.CharField(help_text=_("Vigie reference, SSI-YYYY-NNNNN."))
    status = serializers.ChoiceField(choices=DeclarationStatus.choices)
    submitted_at = serializers.DateTimeField()
    structure_finess = serializers.CharField(source="structure.finess")
    external_id = serializers.CharField(allow_null=True)
    recipients = RecipientOutput(many=True)
    url = serializers.SerializerMethodField(help_text=_("The declaration in Vigie."))

    def get_url(self, declaration: Declaration) -> str:
        return declaration_url(declaration)


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in one sentence."))
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Validation errors only: the messages of each bad field."),
    )


_DATETIME = serializers.DateTimeField()
_STATUS = serializers.ChoiceField(choices=DeclarationStatus.choices)
_ENTITY = serializers.ChoiceField(choices=RecipientKind.choices)
_KIND_LABELS = dict(RecipientKind.choices)


def declaration_output(declaration: Declaration, *, just_filed: bool = False) -> dict[str, Any]:
    """DeclarationOutput's body (the schema stays DeclarationOutput's), built by hand:
    DRF copied every declared field of both serializers for each declaration it answered.
    The recipients come from api.selectors.recipient_rows, or, ``just_filed``, from those
    the submission just wrote (carried with the declaration); the same values, field by
    field, as DeclarationOutput gives (tests/api/test_declaration_output.py compares them)."""
    from vigie.api.selectors import recipient_rows

    external_id = declaration.external_id
    rows = _written_rows(declaration) if just_filed else recipient_rows(declaration)
    return {
        "reference": str(declaration.reference),
        "status": _STATUS.to_representation(declaration.status),
        "submitted_at": (
            _DATETIME.to_representation(declaration.submitted_at)
            if declaration.submitted_at is not None
            else None
        ),
        "structure_finess": str(declaration.structure.finess),
        "external_id": None if external_id is None else str(external_id),
        "recipients": [
            {
                "entity": _ENTITY.to_representation(kind),
                "label": str(
                    ars_name
                    if kind == RecipientKind.ARS and ars_name is not None
                    else _KIND_LABELS.get(kind, kind)
                ),
                "reasons": reason_labels(reasons),
                "notice_only": bool(notice_only),
            }
            for kind, ars_name, reasons, notice_only in rows
        ],
        "url": declaration_url(declaration),
    }


def _written_rows(declaration: Declaration) -> list[tuple[str, str | None, list[str], bool]]:
    """recipient_rows' values of the recipients a submission just wrote, in the order
    written (that of their primary keys), from the declaration's prefetch cache: the
    submission puts them there, and reading them otherwise would be a query."""
    cache = getattr(declaration, "_prefetched_objects_cache", {})
    if "recipients" not in cache:
        raise ValueError("The recipients just written are not carried by the declaration.")
    return [
        (
            recipient.kind,
            recipient.region.ars_name if recipient.region is not None else None,
            recipient.reasons,
            recipient.notice_only,
        )
        for recipient in cache["recipients"]
    ]
