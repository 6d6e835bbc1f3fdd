"""The declaration's field labels are kept per language and field (the case page shows
some forty per request): each is the field's verbose name, capitalised, in the language
of the page."""

from __future__ import annotations

from django.utils import translation

from vigie.declarations.models import Declaration
from vigie.declarations.selectors import field_label
from vigie.declarations.steps import STEPS


def test_labels_are_the_fields_verbose_names_in_each_language() -> None:
    names = [name for step in STEPS for name in step.fields]
    assert len(names) > 30  # not vacuous
    seen = {}
    for language in ("fr", "en", "fr"):
        with translation.override(language):
            for name in names:
                text = str(Declaration._meta.get_field(name).verbose_name)
                assert field_label(name) == text[:1].upper() + text[1:], (language, name)
            seen[language] = field_label("detected_at")
    assert seen["fr"] != seen["en"]
