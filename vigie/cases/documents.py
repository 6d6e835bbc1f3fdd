"""Documents a tracking-sheet entry carries: the reflex sheet sent, the referenced
providers list sent (instruction, phase 4: "fiche(s) réflexe(s) correspondant(es) au type
d'incident", "communication d'une liste de prestataires référencés").

The documents belong to a higher app (the portal), which registers a ``Source`` per kind
of entry when it starts: the cases app never imports it. An entry stores the exact object
the source resolved (a published version), through a generic relation, so the structure
reads what it was sent even after the document changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from vigie.cases.models import Case


@dataclass(frozen=True)
class Option:
    value: str  # what the form posts
    label: str
    group: str  # the select's option group (e.g. proposed for this case, the others)


class Source(Protocol):
    kind: str  # the TrackingKind whose entries carry the document
    # An entry of this kind must carry a document (else it is attached when there is one).
    required: bool

    def options(self, case: Case) -> list[Option]:
        """What the handler may attach on this case, the best fit first."""
        ...

    def resolve(self, case: Case, value: str) -> models.Model | None:
        """The object ``value`` designates, if offered on this case (else None). An empty
        value: the default, if the source has one (the current providers list)."""
        ...


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> None:
    _SOURCES[source.kind] = source


def source_for(kind: str) -> Source | None:
    return _SOURCES.get(kind)


def grouped_choices(case: Case) -> list[tuple[str, list[tuple[str, str]]]]:
    """The options of every source, grouped, for one select of the tracking form."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for source in _SOURCES.values():
        for option in source.options(case):
            groups.setdefault(option.group, []).append((option.value, option.label))
    return list(groups.items())


def attach(kind: str, case: Case, value: str) -> models.Model | None:
    """The document an entry of ``kind`` carries, from what the form posted."""
    value = (value or "").strip()
    source = source_for(kind)
    if source is None:
        if value:
            raise ValidationError(
                {"document": _("A document is attached to a reflex sheet or a providers list.")}
            )
        return None
    document = source.resolve(case, value)
    if document is None and (value or source.required):
        raise ValidationError({"document": _("Choose the document sent among those offered.")})
    return document
