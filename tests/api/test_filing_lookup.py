"""The API reads the structure and the incident type a filing names in one fixed
statement (api.selectors.structure_and_incident_type, issue 18). Validation must say
exactly what the two ORM reads it replaced said, for every kind of input."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.encoding import smart_str
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from tests.api.conftest import payload
from vigie.api.selectors import structure_and_incident_type
from vigie.api.serializers import DeclarationInput, IncidentTypeField
from vigie.declarations.models import IncidentType
from vigie.directory.finess import finess_error, normalize_finess
from vigie.directory.models import Structure

pytestmark = pytest.mark.django_db


class OrmIncidentTypeField(IncidentTypeField):
    """The field as it was: its own query."""

    def to_internal_value(self, data: Any) -> Any:
        code = self.code_of(data)
        if code is None:
            self.fail("invalid")
        try:
            return self.get_queryset().get(code=code)
        except IncidentType.DoesNotExist:
            self.fail("does_not_exist", slug_name="code", value=smart_str(code))


class OrmDeclarationInput(DeclarationInput):
    """The serializer as it was: the structure read by the ORM, the type by its field."""

    incident_type = OrmIncidentTypeField()

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: field.__deepcopy__({}) for name, field in self._declared_fields.items()}

    def validate_structure_finess(self, value: str) -> Structure:
        message = finess_error(value)
        if message:
            raise serializers.ValidationError(message)
        number = normalize_finess(value)
        structure = (
            Structure.objects.filter(finess=number, is_active=True)
            .select_related("departement__region")
            .first()
        )
        if structure is None:
            raise serializers.ValidationError(
                _("No active structure has the FINESS number %(number)s.") % {"number": number}
            )
        return structure


def outcome(serializer_class: type[DeclarationInput], data: Any) -> Any:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        return JSONRenderer().render(serializer.errors)
    values = dict(serializer.validated_data)
    structure, kind = values.pop("structure_finess"), values.pop("incident_type")
    return (
        values,
        structure.pk,
        structure.__dict__.keys() - {"_state"},
        {f.attname: getattr(structure, f.attname) for f in Structure._meta.concrete_fields},
        structure.departement.code,
        structure.departement.region.ars_name,
        {f.attname: getattr(kind, f.attname) for f in IncidentType._meta.concrete_fields},
    )


def test_validation_says_what_the_two_reads_said(world: Any) -> None:
    retired = IncidentType.objects.create(code="retired", label="Retired", is_active=False)
    world.paris.is_active = False
    world.paris.save()
    cases: list[Any] = [
        payload(),
        payload(incident_type=" ransomware "),
        payload(incident_type="RANSOMWARE"),
        payload(incident_type="unknown"),
        payload(incident_type=retired.code),
        payload(incident_type=""),
        payload(incident_type=None),
        payload(incident_type=12),
        payload(incident_type="nul\x00"),
        payload(incident_type="x" * 41),
        payload(incident_type=...),
        payload(structure_finess="69 078 413 7"),
        payload(structure_finess="690000005"),  # valid key, no such site
        payload(structure_finess="75 071 218 4"),  # inactive
        payload(structure_finess="75 071 218 4", incident_type="unknown"),
        payload(structure_finess="690784138"),  # bad key: no read
        payload(structure_finess="690784138", incident_type="unknown"),
        payload(structure_finess=world.reunion.finess),
        payload(structure_finess=world.military.finess),
        payload(structure_finess=None),
        [],
    ]
    for data in cases:
        assert outcome(DeclarationInput, data) == outcome(OrmDeclarationInput, data), data


def test_one_statement_for_both(world: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        serializer = DeclarationInput(data=payload())
        assert serializer.is_valid(), serializer.errors
    assert len(queries) == 1
    assert serializer.validated_data["structure_finess"] == world.lyon


def test_nothing_found() -> None:
    assert structure_and_incident_type("690000005", None) == (None, None)
