"""The case page writes the visible fields of a blank action form once per form, language,
initial values and what the form took from the case or the reader (vigie/cases/render.py
``_visible_fields``, ``CaseActionForm.fields_key``): the markup must be the same as
written afresh, whatever the form was built from."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.utils import translation

from tests.cases.test_tracking_documents import publish_sheet
from vigie.cases import forms as case_forms
from vigie.cases import render, workflow
from vigie.cases.forms import AgreeForm, CaseActionForm, SupportModeForm
from vigie.cases.models import Party
from vigie.core.dsfr_render import e
from vigie.core.scoping import scope_for
from vigie.directory.models import Role


def action_forms() -> list[type[CaseActionForm]]:
    found = [
        value
        for value in vars(case_forms).values()
        if isinstance(value, type) and issubclass(value, CaseActionForm)
    ]
    assert len(found) >= 12  # not vacuous
    return found


def test_every_form_built_from_the_case_or_the_reader_says_what_it_took() -> None:
    # A form with its own __init__ takes something (choices, fields) from what it is built
    # with: it must give it in fields_key, which is part of the markup's key.
    for form_class in action_forms():
        if "__init__" in vars(form_class):
            assert "fields_key" in vars(form_class), form_class.__name__
        for field in form_class.base_fields.values():
            # Choices read from the database when the form is built: not in any key.
            assert not isinstance(field, forms.ModelChoiceField), form_class.__name__


def fresh(form: CaseActionForm) -> str:
    return "".join(e(field.as_field_group()) for field in form.visible_fields())


def blank(form_class: type[CaseActionForm], key: str, **kwargs: Any) -> CaseActionForm:
    return form_class(initial={"version": 3, **kwargs.pop("initial", {})}, key=key, **kwargs)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_written_once_as_written_every_time(language: str) -> None:
    render._blank_fields.clear()
    cases: list[tuple[type[CaseActionForm], str, dict[str, Any]]] = [
        (form_class, key, {})
        for form_class in action_forms()
        if "__init__" not in vars(form_class)
        for key in ("one", "two")
    ]
    cases += [(AgreeForm, f"agree_{party}", {"party": party}) for party in Party.values]
    cases += [
        (SupportModeForm, "support", {"initial": {"mode": mode}}) for mode in ("cell", "ars", None)
    ]
    with translation.override(language):
        for form_class, key, kwargs in cases:
            for version in (1, 7):  # the version is a hidden field, not in the key
                form = form_class(
                    initial={"version": version, **kwargs.get("initial", {})},
                    key=key,
                    **{k: v for k, v in kwargs.items() if k != "initial"},
                )
                expected = fresh(form)
                assert render._visible_fields(form) == expected, (form_class.__name__, key)
        # Another language, other markup: not served from this one's.
        with translation.override("en" if language == "fr" else "fr"):
            form = blank(case_forms.QualifyForm, "qualify")
            assert render._visible_fields(form) == fresh(form)


def test_a_bound_form_is_written_with_what_was_typed() -> None:
    form = case_forms.CloseForm(data={"version": "2", "synthesis": ""}, key="close")
    assert not form.is_valid()
    html = render._visible_fields(form)
    assert html == fresh(form)
    assert "fr-input-group--error" in html


@pytest.mark.django_db
def test_forms_built_from_the_case_are_written_for_what_they_were_built_from(
    world: Any, make_case: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    render._blank_fields.clear()
    publish_sheet(world, make_user(Role.ACSS_ANALYST), "Rançongiciel : les premiers gestes")
    case = make_case(world.lyon, world.declarant_lyon)
    other = make_case(world.reunion, world.declarant_reunion)
    kinds_acss = workflow.tracking_kinds(scope_for(world.acss), case)
    kinds_ars = workflow.tracking_kinds(scope_for(world.ars_ara), case)
    with_documents = 0
    similar = [
        SimpleNamespace(
            case=SimpleNamespace(pk=other.pk, reference=other.reference, structure=other.structure)
        ),
    ]
    for language in ("fr", "en"):
        with translation.override(language):
            for _round in range(2):
                for kinds in (kinds_acss, kinds_ars, kinds_acss[:1]):
                    for on in (case, other):
                        form = case_forms.TrackForm(
                            initial={"version": 2}, key="track", kinds=kinds, case=on
                        )
                        assert render._visible_fields(form) == fresh(form)
                        with_documents += "document" in form.fields
                for items in (similar, []):
                    form = case_forms.SignificantForm(
                        initial={"version": 2, "related": [i.case.pk for i in items]},
                        key="significant",
                        similar=items,
                    )
                    assert render._visible_fields(form) == fresh(form)
    assert with_documents  # the documents' select was written too
