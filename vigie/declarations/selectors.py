"""Reads on declarations; each one starts from visible_to(user)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Prefetch, QuerySet
from django.template.defaultfilters import date as date_format
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from vigie.core.scoping import scope_for
from vigie.core.sql import col, planned_cursor
from vigie.declarations.models import (
    Attachment,
    Declaration,
    DeclarationRecipient,
    DeclarationStatus,
    IncidentType,
)
from vigie.declarations.routing import reason_labels
from vigie.declarations.services import can_declare_for
from vigie.declarations.steps import STEPS, Step, declaration_problems, problems_by_step
from vigie.directory.models import Structure, Vendor
from vigie.directory.selectors import declarant_structures


def structure_timezone(structure: Structure) -> ZoneInfo:
    """Time zone in which the structure's people read and type dates."""
    return ZoneInfo(structure.departement.region.timezone or "Europe/Paris")


def declarations_visible(user: Any) -> QuerySet[Declaration]:
    return Declaration.objects.visible_to(user).select_related(
        "structure__departement__region", "incident_type"
    )


def declaration_readable(user: Any, declaration: Declaration) -> bool:
    return declarations_visible(user).filter(pk=declaration.pk).exists()


def declaration_get(user: Any, pk: int) -> Declaration | None:
    return declarations_visible(user).filter(pk=pk).first()


def draft_for_edit(user: Any, pk: int) -> Declaration | None:
    """A draft ``user`` may keep editing: their own, while still a declarant."""
    draft = (
        declarations_visible(user)
        .filter(pk=pk, status=DeclarationStatus.DRAFT, created_by_id=getattr(user, "pk", None))
        .first()
    )
    if draft is None or not can_declare_for(user, draft.structure):
        return None
    return draft


def structures_to_declare_for(user: Any) -> list[Structure]:
    return [s for s in declarant_structures(user) if can_declare_for(user, s)]


def can_declare(user: Any) -> bool:
    return bool(scope_for(user).declarant_structure_ids) and bool(structures_to_declare_for(user))


def drafts_of(user: Any) -> QuerySet[Declaration]:
    return (
        declarations_visible(user)
        .filter(status=DeclarationStatus.DRAFT, created_by_id=getattr(user, "pk", None))
        .order_by("-updated_at")
    )


def submitted_visible(user: Any) -> QuerySet[Declaration]:
    return (
        declarations_visible(user)
        .filter(status=DeclarationStatus.SUBMITTED)
        .order_by("-submitted_at", "-pk")
    )


def attachments_of(user: Any, declaration: Declaration) -> QuerySet[Attachment]:
    return Attachment.objects.visible_to(user).filter(declaration=declaration)


def attachments_of_readable(declaration_id: int) -> list[Attachment]:
    """``attachments_of`` for a reader already known to read the declaration (the case
    page asks it with the case): a file's rule is exactly its declaration's (vigie/
    declarations/scopes.py, held to it by tests/declarations/test_attachment_list.py), so
    this fixed statement (planned once per connection) restates none. Only what the list
    shows is read."""
    with planned_cursor() as cursor:
        cursor.execute(_attachments_sql(), {"declaration": declaration_id})
        rows = cursor.fetchall()
    return [Attachment.from_db(DEFAULT_DB_ALIAS, _ATTACHMENT_SHOWN, row) for row in rows]


# What the list shows, in the order of the model's fields (``from_db``'s order).
_ATTACHMENT_SHOWN = [
    f.attname
    for f in Attachment._meta.concrete_fields
    if f.attname in {"id", "declaration_id", "original_name", "size", "sha256"}
]
_ATTACHMENTS_SQL: str | None = None


def _attachments_sql() -> str:
    """The files of declaration %(declaration)s in their model's order (uploaded_at, pk),
    written once."""
    global _ATTACHMENTS_SQL
    if _ATTACHMENTS_SQL is None:
        meta = Attachment._meta
        columns = ", ".join(col(meta, name) for name in _ATTACHMENT_SHOWN)
        _ATTACHMENTS_SQL = f"""
            SELECT {columns} FROM "{meta.db_table}"
             WHERE {col(meta, "declaration")} = %(declaration)s
             ORDER BY {col(meta, "uploaded_at")}, {col(meta, "id")}
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
    return _ATTACHMENTS_SQL


def attachment_get(user: Any, pk: int) -> Attachment | None:
    return Attachment.objects.visible_to(user).select_related("declaration").filter(pk=pk).first()


def incident_types_for(user: Any, declaration: Declaration) -> QuerySet[IncidentType]:
    """Active types, plus the one already chosen if it was retired since."""
    qs = IncidentType.objects.visible_to(user)
    active = qs.filter(is_active=True)
    if declaration.incident_type_id:
        return qs.filter(pk__in=active.values("pk")) | qs.filter(pk=declaration.incident_type_id)
    return active


def vendors_for(user: Any) -> QuerySet[Vendor]:
    return Vendor.objects.visible_to(user).order_by("name")


@dataclass
class Recipient:
    label: str
    reasons: list[str]
    notice_only: bool


def recipients_of(user: Any, declaration: Declaration) -> list[Recipient]:
    rows = (
        DeclarationRecipient.objects.visible_to(user)
        .filter(declaration=declaration)
        .select_related("region")
    )
    return [
        Recipient(label=row.label, reasons=reason_labels(row.reasons), notice_only=row.notice_only)
        for row in rows
    ]


# --- content, grouped by step (summary and detail pages) -----------------------------


# Fields typed through a group of radios or checkboxes: links point at the first one.
GROUPED_INPUTS = frozenset(
    {
        "systems_affected",
        "health_products",
        "vendors",
        "care_impact",
        "malicious",
        "can_handle_alone",
        "bodies_notified",
        "tlp",
    }
)


@dataclass
class FieldRow:
    name: str
    label: str
    value: str
    problem: str = ""

    @property
    def anchor(self) -> str:
        return f"id_{self.name}_0" if self.name in GROUPED_INPUTS else f"id_{self.name}"


@dataclass
class StepSection:
    step: Step
    number: int
    rows: list[FieldRow] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def step_problem(self) -> str:
        return self.problems.get(f"step:{self.step.slug}", "")


def _display(declaration: Declaration, name: str, tz: ZoneInfo) -> str:
    model_field: Any = Declaration._meta.get_field(name)
    if name == "vendors":
        names = [vendor.name for vendor in declaration.vendors.all()]
        return ", ".join(names)
    value = getattr(declaration, name)
    if value is None or value in ("", [], ()):
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime):
        return str(date_format(timezone.localtime(value, tz), "DATETIME_FORMAT"))
    if isinstance(value, list):
        choices = _choices(name, model_field.base_field)
        return ", ".join(str(choices.get(item, item)) for item in value)
    if getattr(model_field, "choices", None):
        return str(_choices(name, model_field).get(value, value))
    return str(value)


# Per field: its choices as a dict (the labels stay lazy: translated when shown).
_CHOICES: dict[str, dict[Any, Any]] = {}


def _choices(name: str, model_field: Any) -> dict[Any, Any]:
    found = _CHOICES.get(name)
    if found is None:
        found = _CHOICES[name] = dict(model_field.choices or [])
    return found


# Per language and field: the label (the case page and the declaration's pages show
# some forty on each request).
_LABELS: dict[tuple[str | None, str], str] = {}


def field_label(name: str) -> str:
    """A declaration field's label as shown on its own (capitalised verbose name)."""
    key = (get_language(), name)
    label = _LABELS.get(key)
    if label is None:
        model_field: Any = Declaration._meta.get_field(name)
        text = str(model_field.verbose_name)
        label = _LABELS[key] = text[:1].upper() + text[1:]
    return label


def declaration_sections(
    declaration: Declaration, problems: dict[str, str] | None = None
) -> list[StepSection]:
    """Every field of the declaration with its displayed value, step by step."""
    tz = structure_timezone(declaration.structure)
    grouped = problems_by_step(problems or {})
    sections = []
    for number, step in enumerate(STEPS, start=1):
        step_problems = grouped.get(step.slug, {})
        section = StepSection(step=step, number=number, problems=step_problems)
        for name in step.fields:
            section.rows.append(
                FieldRow(
                    name=name,
                    label=field_label(name),
                    value=_display(declaration, name, tz),
                    problem=step_problems.get(name, ""),
                )
            )
        sections.append(section)
    return sections


def declaration_with_content(user: Any, pk: int) -> Declaration | None:
    return (
        declarations_visible(user)
        .select_related("created_by", "submitted_by")
        .prefetch_related(Prefetch("vendors", queryset=Vendor.objects.order_by("name")))
        .filter(pk=pk)
        .first()
    )


def missing_labels(declaration: Declaration) -> list[str]:
    """The labels of the fields a submission normally needs and this (quick) declaration
    still misses, in the form's order."""
    return [
        field_label(name)
        for name in declaration_problems(declaration)
        if not name.startswith("step:")
    ]
