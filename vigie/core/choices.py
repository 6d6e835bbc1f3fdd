"""Choice labels in the active language, each read once per language.

A model's ``get_<field>_display()`` builds a dict of every choice on each call, hashing
each lazy label (a translation each): the case page called it some thirty times per
request, a tracking sheet's kind alone reading a dozen translations per line. These give
the same text from a dict kept per (field or choices, language).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Choices, Field, Model
from django.utils.translation import get_language

from vigie.core.memo import Memo

_labels = Memo()


def _for(owner: Any, pairs: Callable[[], Any]) -> dict[Any, str]:
    key = (owner, get_language())
    labels = _labels.get(key)
    if labels is None:
        labels = _labels.put(key, {value: str(label) for value, label in pairs()})
    return labels


def display(instance: Model | Any, name: str) -> Any:
    """``instance.get_<name>_display()``."""
    meta = getattr(instance, "_meta", None)
    if meta is None:  # not a model (a test's stand-in): its own method
        return getattr(instance, f"get_{name}_display")()
    field = meta.get_field(name)
    assert isinstance(field, Field)  # a column with choices, not a relation
    value = getattr(instance, field.attname)
    try:
        return _for(field, lambda: field.flatchoices)[value]
    except (KeyError, TypeError):  # not one of the choices (or unhashable): Django's answer
        return getattr(instance, f"get_{name}_display")()


def label(choices: type[Choices], value: Any) -> str:
    """``str(choices(value).label)``, or the value itself when it is not a choice."""
    try:
        return _for(choices, lambda: choices.choices)[value]
    except (KeyError, TypeError):
        return str(value)
