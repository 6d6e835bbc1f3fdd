"""The case page writes the visible fields of a blank action form once per form, language
and initial values (vigie/cases/render.py ``_visible_fields``): only sound for forms whose
fields depend on nothing else (``CaseActionForm.same_fields``)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.utils import translation

from vigie.cases import forms as case_forms
from vigie.cases import render
from vigie.cases.forms import AgreeForm, CaseActionForm, SupportModeForm
from vigie.cases.models import Party
from vigie.core.dsfr_render import e


def action_forms() -> list[type[CaseActionForm]]:
    found = [
        value
        for value in vars(case_forms).values()
        if isinstance(value, type) and issubclass(value, CaseActionForm)
    ]
    assert len(found) >= 12  # not vacuous
    return found


def test_only_forms_built_from_their_class_alone_say_their_fields_are_the_same() -> None:
    # A form that takes something from the case or the reader when built (its own
    # __init__) must say same_fields = False, unless reviewed here: AgreeForm's party is
    # part of the cache's key.
    reviewed = {CaseActionForm, AgreeForm}
    for form_class in action_forms():
        if not form_class.same_fields:
            continue
        assert form_class.__init__ is CaseActionForm.__init__ or form_class in reviewed, (
            form_class.__name__
        )
        for field in form_class.base_fields.values():
            # Choices read from the database when the form is built: not the same.
            assert not isinstance(field, forms.ModelChoiceField), form_class.__name__


def fresh(form: CaseActionForm) -> str:
    return "".join(e(field.as_field_group()) for field in form.visible_fields())


def blank(form_class: type[CaseActionForm], key: str, **kwargs: Any) -> CaseActionForm:
    return form_class(initial={"version": 3, **kwargs.pop("initial", {})}, key=key, **kwargs)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_written_once_as_written_every_time(language: str) -> None:
    render._forget_blank_fields()
    cases: list[tuple[type[CaseActionForm], str, dict[str, Any]]] = [
        (form_class, key, {})
        for form_class in action_forms()
        if form_class.same_fields and form_class is not AgreeForm
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
