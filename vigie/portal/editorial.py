"""The kinds of document the editorial space writes, and how each one's content moves
between a form, a revision (JSON) and the public row.

A revision's ``data`` holds the cleaned values of the kind's form, as JSON: lists for the
CVE identifiers and products, primary keys for vendors and the incident type; the
providers list holds ``{"entries": [{"key", "name", …}]}``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from vigie.declarations.models import IncidentType
from vigie.directory.models import StructureKind, Vendor
from vigie.portal.forms import (
    BulletinForm,
    EditorialForm,
    GuideForm,
    ProviderEntryForm,
    ReflexSheetForm,
)
from vigie.portal.models import (
    Bulletin,
    CompetenceLevel,
    DocumentKind,
    Guide,
    GuideKind,
    ProviderListEntry,
    PublicationState,
    Published,
    ReflexSheet,
    Severity,
)

ENTRY_FIELDS = ("name", "website", "services", "qualification", "regions")


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


@dataclass(frozen=True)
class Kind:
    kind: DocumentKind
    slug: str  # in the editorial space's URLs
    field: str | None  # the Revision's foreign key to the document's row
    model: type[Published] | None
    form: type[EditorialForm]
    plural: Promise
    new_label: Promise
    public_list: str  # URL name of the public list
    # The form's fields kept in a revision, in the form's order.
    fields: tuple[str, ...] = ()
    list_fields: frozenset[str] = frozenset()  # JSON lists typed as "a, b, c"
    many: frozenset[str] = frozenset()  # lists of primary keys
    one: frozenset[str] = frozenset()  # one primary key
    extra_display: Callable[[dict[str, Any]], dict[str, Any]] = dataclass_field(
        default=lambda data: {}
    )

    @property
    def content_template(self) -> str:
        return f"portal/content/{self.kind.value}.html"

    # --- form ↔ revision ---------------------------------------------------------------

    def to_data(self, values: dict[str, Any]) -> dict[str, Any]:
        """The cleaned values of the form, as the revision keeps them."""
        data: dict[str, Any] = {}
        for name in self.fields:
            value = values.get(name)
            if name in self.many:
                data[name] = sorted(_pk(item) for item in value or [])
            elif name in self.one:
                data[name] = _pk(value)
            elif name in self.list_fields:
                data[name] = list(value or [])
            else:
                data[name] = value.strip() if isinstance(value, str) else value or ""
        return data

    def initial(self, data: dict[str, Any]) -> dict[str, Any]:
        """The revision's content as the form shows it."""
        initial: dict[str, Any] = {}
        for name in self.fields:
            value = data.get(name)
            if name in self.list_fields:
                initial[name] = ", ".join(value or [])
            elif name in self.many:
                initial[name] = [str(pk) for pk in value or []]
            else:
                initial[name] = "" if value is None else value
        return initial

    def from_row(self, item: Published) -> dict[str, Any]:
        """The content of a row never published (created in the admin), as a revision
        keeps it."""
        values: dict[str, Any] = {}
        for name in self.fields:
            value: Any = getattr(item, name, "")
            values[name] = list(value.all()) if name in self.many else value
        return self.to_data(values)

    def problems(self, data: dict[str, Any]) -> list[str]:
        """The labels of the fields a revision cannot be published with (a draft made
        before the editorial space may be incomplete)."""
        form = self.form(data=self.initial(data))
        form.is_valid()
        return [str(form.fields[name].label) for name in form.errors if name in form.fields]

    def changes(self, before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
        """The labels of the fields that differ from the version the draft started from."""
        if before is None:
            return []
        form = self.form()
        return [
            str(form.fields[name].label)
            for name in self.fields
            if before.get(name) != after.get(name)
        ]

    # --- revision → public row -----------------------------------------------------------

    def apply(self, item: Published, data: dict[str, Any]) -> None:
        """Copy a version's content onto the public row (saved by the caller; the
        many-to-many relations after it, by ``apply_relations``)."""
        for name in self.fields:
            if name in self.many:
                continue
            if name in self.one:
                setattr(item, f"{name}_id", data.get(name))
            else:
                setattr(item, name, data.get(name) if name in data else "")

    def apply_relations(self, item: Published, data: dict[str, Any]) -> None:
        for name in self.many:
            related = getattr(item, name)
            related.set(related.model.objects.filter(pk__in=data.get(name) or []))

    # --- display -----------------------------------------------------------------------

    def display(self, data: dict[str, Any]) -> dict[str, Any]:
        shown = dict(data)
        shown.update(self.extra_display(data))
        return shown


def _bulletin_display(data: dict[str, Any]) -> dict[str, Any]:
    vendors = Vendor.objects.filter(pk__in=data.get("vendors") or []).values_list("name", flat=True)
    severity = data.get("severity") or ""
    return {
        "severity_label": Severity(severity).label if severity in Severity.values else "",
        "vendor_names": list(vendors),
    }


def _sheet_display(data: dict[str, Any]) -> dict[str, Any]:
    incident_type = IncidentType.objects.filter(pk=data.get("incident_type") or 0).first()
    audience = data.get("audience") or ""
    kind = data.get("structure_kind") or ""
    return {
        "incident_type_label": str(incident_type) if incident_type else "",
        "audience_label": (
            CompetenceLevel(audience).label if audience in CompetenceLevel.values else ""
        ),
        "structure_kind_label": (StructureKind(kind).label if kind in StructureKind.values else ""),
    }


def _guide_display(data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("kind") or ""
    return {"kind_label": GuideKind(kind).label if kind in GuideKind.values else ""}


BULLETIN = Kind(
    kind=DocumentKind.BULLETIN,
    slug="bulletins",
    field="bulletin",
    model=Bulletin,
    form=BulletinForm,
    plural=_("Vulnerability bulletins"),
    new_label=_("New bulletin"),
    public_list="portal:bulletin_list",
    fields=("title", "severity", "cve_ids", "products", "vendors", "summary", "remediation"),
    list_fields=frozenset({"cve_ids", "products"}),
    many=frozenset({"vendors"}),
    extra_display=_bulletin_display,
)
REFLEX_SHEET = Kind(
    kind=DocumentKind.REFLEX_SHEET,
    slug="fiches-reflexes",
    field="sheet",
    model=ReflexSheet,
    form=ReflexSheetForm,
    plural=_("Reflex sheets"),
    new_label=_("New reflex sheet"),
    public_list="portal:sheet_list",
    fields=("title", "incident_type", "audience", "structure_kind", "body"),
    one=frozenset({"incident_type"}),
    extra_display=_sheet_display,
)
GUIDE = Kind(
    kind=DocumentKind.GUIDE,
    slug="guides",
    field="guide",
    model=Guide,
    form=GuideForm,
    plural=_("Guides and analyses"),
    new_label=_("New guide or analysis"),
    public_list="portal:guide_list",
    fields=("title", "kind", "summary", "body"),
    extra_display=_guide_display,
)
PROVIDERS = Kind(
    kind=DocumentKind.PROVIDERS,
    slug="prestataires",
    field=None,
    model=None,
    form=ProviderEntryForm,
    plural=_("Referenced providers"),
    new_label=_("Add a provider"),
    public_list="portal:provider_list",
    fields=ENTRY_FIELDS,
)

KINDS: dict[str, Kind] = {
    spec.kind.value: spec for spec in (BULLETIN, REFLEX_SHEET, GUIDE, PROVIDERS)
}
DOCUMENT_KINDS = (BULLETIN, REFLEX_SHEET, GUIDE)
BY_SLUG: dict[str, Kind] = {spec.slug: spec for spec in KINDS.values()}


def kind_of(kind: str) -> Kind:
    return KINDS[kind]


# --- the providers list ---------------------------------------------------------------


def entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data.get("entries") or [])


def entry_data(values: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    entry = {name: str(values.get(name) or "").strip() for name in ENTRY_FIELDS}
    return {"key": key or uuid.uuid4().hex, **entry}


def entry_problems(data: dict[str, Any]) -> list[str]:
    """Why the list cannot be published: empty, or an entry the form would refuse."""
    rows = entries(data)
    if not rows:
        return [str(_("The list has no provider."))]
    wrong = []
    for row in rows:
        form = ProviderEntryForm(data={name: row.get(name, "") for name in ENTRY_FIELDS})
        if not form.is_valid():
            wrong.append(row.get("name") or str(_("(no name)")))
    return [str(_("Incomplete entry: %(name)s") % {"name": name}) for name in wrong]


def entry_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, list[str]]:
    """Names of the providers added, changed and removed since the version the draft
    started from."""
    old = {row["key"]: row for row in entries(before or {})}
    new = {row["key"]: row for row in entries(after)}
    return {
        "added": [new[key]["name"] for key in new if key not in old],
        "changed": [
            new[key]["name"]
            for key in new
            if key in old and any(old[key].get(name) != new[key].get(name) for name in ENTRY_FIELDS)
        ],
        "removed": [old[key]["name"] for key in old if key not in new],
    }


def providers_apply(data: dict[str, Any]) -> None:
    """The public rows become the version's entries."""
    ProviderListEntry.objects.all().delete()
    ProviderListEntry.objects.bulk_create(
        ProviderListEntry(
            state=PublicationState.PUBLISHED,
            **{name: row.get(name, "") for name in ENTRY_FIELDS},
        )
        for row in entries(data)
    )


def sorted_entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(entries(data), key=lambda row: str(row.get("name", "")).casefold())


def unique_slug(model: type[Published], title: str, *, exclude: int | None = None) -> str:
    base = slugify(title)[:70].strip("-") or "document"
    slug, n = base, 1
    others = model.objects.all() if exclude is None else model.objects.exclude(pk=exclude)
    while others.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
