"""vigie/core/choices.py gives the labels Django gives, in each language, for every choice
field of every model and every choices class the pages label with."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db.models import Field
from django.utils import translation

from vigie.cases import models as case_models
from vigie.core.choices import display, label

LANGUAGES = ["fr", "en"]


def choice_fields() -> list[tuple[Any, Field[Any, Any]]]:
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("vigie."):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, Field) and field.choices and not field.many_to_many:
                found.append((model, field))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_display_is_get_field_display_for_every_choice_field(language: str) -> None:
    fields = choice_fields()
    assert len(fields) > 20
    with translation.override(language):
        for model, field in fields:
            values = [value for value, _label in field.flatchoices]
            # Not a choice: Django shows the value itself.
            for value in [*values, "not-a-choice", ""]:
                instance = model(**{field.attname: value})
                expected = getattr(instance, f"get_{field.name}_display")()
                assert display(instance, field.name) == expected, (model, field.name, value)


def test_display_follows_the_active_language() -> None:
    case = case_models.Case(status=case_models.CaseStatus.TO_CLOSE)
    with translation.override("en"):
        assert display(case, "status") == "To close"
    with translation.override("fr"):
        french = display(case, "status")
        assert french == str(case_models.CaseStatus.TO_CLOSE.label)
    assert french not in ("To close", "")
    with translation.override("en"):
        assert display(case, "status") == "To close"


@pytest.mark.parametrize("language", LANGUAGES)
def test_label_is_the_choices_label(language: str) -> None:
    classes = [
        case_models.CaseStatus,
        case_models.Criticity,
        case_models.Outcome,
        case_models.Party,
        case_models.SupportMode,
        case_models.StructureOpinion,
        case_models.TrackingKind,
        case_models.EventKind,
    ]
    with translation.override(language):
        for choices in classes:
            for value in choices.values:
                assert label(choices, value) == str(choices(value).label)
            assert label(choices, "unknown") == "unknown"
            assert label(choices, None) == "None"
