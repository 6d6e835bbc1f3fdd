"""The case page's forms rendered in Python (vigie/core/dsfr_render.py) give exactly the
markup of django-dsfr's templates: the same classes, ids, ARIA and error messages, for
every field of every form the page shows, blank, filled in and refused."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django import forms
from dsfr.forms import DsfrDjangoTemplates

from vigie.cases import forms as case_forms
from vigie.cases.forms import CaseActionForm
from vigie.cases.models import TrackingKind
from vigie.core.dsfr_render import LEAN_RENDERER
from vigie.insights.forms import IndicatorForm, ObligationForm

pytestmark = pytest.mark.django_db

TEMPLATES = DsfrDjangoTemplates()
# Typed by a user: markup and quotes must come back escaped, and kept.
TYPED = '<b>"Bonjour"</b> & l\'équipe'


def action_forms(case: Any, similar: Any) -> dict[str, dict[str, Any]]:
    """Each CaseActionForm subclass with what it needs to be built, keyed by name."""
    extra: dict[str, dict[str, Any]] = {
        "TrackForm": {"kinds": list(TrackingKind.values), "case": case},
        "SignificantForm": {"similar": similar},
        "AgreeForm": {"party": "structure"},
    }
    found = {
        name: extra.get(name, {})
        for name, value in vars(case_forms).items()
        if isinstance(value, type) and issubclass(value, CaseActionForm)
    }
    found["AgreeForm(cell)"] = {"party": "cell"}
    return found


def build(name: str, kwargs: dict[str, Any], renderer: Any, data: Any) -> forms.Form:
    form_class = getattr(case_forms, name.split("(")[0])
    return form_class(data, key=name.lower()[:8], renderer=renderer, **kwargs)


def filled(form: forms.Form) -> dict[str, Any]:
    """Every field given a value it may take (the first choice, typed text)."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.MultipleChoiceField):
            data[name] = [str(field.choices[0][0])] if field.choices else []
        elif isinstance(field, forms.ChoiceField):
            choices = [value for value, _label in field.choices if not isinstance(_label, list)]
            data[name] = str(choices[-1]) if choices else ""
        elif isinstance(field, forms.BooleanField):
            data[name] = "on"
        elif isinstance(field, forms.IntegerField):
            data[name] = "3"
        else:
            data[name] = TYPED
    return data


def variants(make: Any) -> Iterator[tuple[str, forms.Form, forms.Form]]:
    """(what, rendered by the templates, rendered in Python): blank, filled, refused."""
    for what, data in [("blank", None), ("filled", "filled"), ("refused", {})]:
        pair = []
        for renderer in (TEMPLATES, LEAN_RENDERER):
            form = make(renderer, None)
            if data == "filled":
                form = make(renderer, filled(form))
            elif data is not None:
                form = make(renderer, data)
            if form.is_bound:
                form.is_valid()
                for field in form.visible_fields():  # every field may carry a refusal
                    form.add_error(field.name, TYPED)
                form.add_error(None, "Refusé")
            pair.append(form)
        yield what, pair[0], pair[1]


def rendered(form: forms.Form) -> list[str]:
    return [str(field) if field.is_hidden else str(field.as_field_group()) for field in form]


def test_every_field_of_the_case_page_renders_as_django_dsfr_does(
    world: Any, make_case: Any
) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    other = make_case(world.paris, world.director_paris)
    similar = [SimpleNamespace(case=other)]
    checked = 0
    for name, kwargs in action_forms(case, similar).items():
        for what, by_templates, in_python in variants(
            lambda renderer, data, n=name, k=kwargs: build(n, k, renderer, data)
        ):
            assert rendered(in_python) == rendered(by_templates), (name, what)
            checked += len(by_templates.fields)
    zone = ZoneInfo("Indian/Reunion")
    for form_class, kwargs in [(IndicatorForm, {}), (ObligationForm, {"zone": zone})]:
        for what, by_templates, in_python in variants(
            lambda renderer, data, c=form_class, k=kwargs: c(data, renderer=renderer, **k)
        ):
            assert rendered(in_python) == rendered(by_templates), (form_class, what)
            checked += len(by_templates.fields)
    # Radio buttons, checkboxes, selects with groups, text areas, hidden fields: all seen.
    assert checked > 100


def test_the_case_page_forms_use_it(world: Any, make_case: Any) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    assert case_forms.AskForm(key="ask").renderer is LEAN_RENDERER
    assert case_forms.TrackForm(key="track", kinds=["note"], case=case).renderer is LEAN_RENDERER
    assert IndicatorForm().renderer is LEAN_RENDERER
    # Any other template (the error list) is still django-dsfr's.
    form = case_forms.AskForm({"version": "1", "text": ""}, key="ask")
    assert not form.is_valid()
    assert 'class="fr-error-text"' in str(form["text"].errors)


def test_lines_is_the_linebreaksbr_filter() -> None:
    from django.template.defaultfilters import linebreaksbr
    from django.utils.functional import lazy
    from django.utils.safestring import mark_safe

    from vigie.core.dsfr_render import lines

    texts = [
        "",
        "one line",
        "a\nb",
        "a\r\nb\rc\n\nd\r\n\r\n",
        '<b>"Bonjour"</b> & l\'équipe\r\n\tsuite',
        "\n",
        "\r",
    ]
    values: list[Any] = [
        *texts,
        *(mark_safe(text) for text in texts),
        *(lazy(lambda text=text: text, str)() for text in texts),
        None,
        42,
    ]
    for value in values:
        assert lines(value) == str(linebreaksbr(value, autoescape=True)), repr(value)
