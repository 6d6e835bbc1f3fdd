"""Items published before the editorial space become version 1 of their document
(author and reviewer unknown); items left in draft get an open draft revision. The
providers list becomes one document: its published entries are version 1, and entries
still in draft go into the list's open draft (they no longer sit among the public rows).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import migrations

DOCUMENTS = [
    ("Bulletin", "bulletin", "bulletin"),
    ("ReflexSheet", "reflex_sheet", "sheet"),
    ("Guide", "guide", "guide"),
]
ENTRY_FIELDS = ("name", "website", "services", "qualification", "regions")


def _snapshot(kind: str, item: Any) -> dict[str, Any]:
    if kind == "bulletin":
        return {
            "title": item.title,
            "severity": item.severity,
            "cve_ids": list(item.cve_ids),
            "products": list(item.products),
            "vendors": sorted(item.vendors.values_list("pk", flat=True)),
            "summary": item.summary,
            "remediation": item.remediation,
        }
    if kind == "reflex_sheet":
        return {
            "title": item.title,
            "incident_type": item.incident_type_id,
            "audience": item.audience,
            "structure_kind": item.structure_kind,
            "body": item.body,
        }
    return {"title": item.title, "kind": item.kind, "summary": item.summary, "body": item.body}


def _entry(row: Any) -> dict[str, Any]:
    return {"key": uuid.uuid4().hex, **{name: getattr(row, name) for name in ENTRY_FIELDS}}


def forward(apps: Any, schema_editor: Any) -> None:
    Revision = apps.get_model("portal", "Revision")
    for model_name, kind, field in DOCUMENTS:
        model = apps.get_model("portal", model_name)
        for item in model.objects.all():
            if Revision.objects.filter(**{field: item}).exists():
                continue
            published = item.state == "published"
            Revision.objects.create(
                kind=kind,
                state="published" if published else "draft",
                number=1 if published else None,
                title=item.title,
                data=_snapshot(kind, item),
                created_at=item.published_at,
                edited_at=item.updated_at,
                published_at=item.published_at if published else None,
                **{field: item},
            )
            if published:
                # update(): the row's updated_at (auto_now) keeps its date.
                model.objects.filter(pk=item.pk).update(version=1, revised_at=item.published_at)

    Entry = apps.get_model("portal", "ProviderListEntry")
    if Revision.objects.filter(kind="providers").exists():
        return
    public = list(Entry.objects.filter(state="published").order_by("name"))
    drafts = list(Entry.objects.exclude(state="published").order_by("name"))
    version = None
    if public:
        at = max(row.updated_at for row in public)
        version = Revision.objects.create(
            kind="providers",
            state="published",
            number=1,
            title="",
            data={"entries": [_entry(row) for row in public]},
            created_at=at,
            edited_at=at,
            published_at=at,
        )
    if drafts:
        entries = (version.data["entries"] if version else []) + [_entry(r) for r in drafts]
        Revision.objects.create(
            kind="providers",
            state="draft",
            title="",
            data={"entries": entries},
            based_on=version,
            edited_at=max(row.updated_at for row in drafts),
        )
        Entry.objects.filter(pk__in=[row.pk for row in drafts]).delete()


def backward(apps: Any, schema_editor: Any) -> None:
    """Back to rows only: withdrawn items become drafts again, and the entries of the
    providers list's open draft that are not public become draft rows. The revisions
    themselves go with their table (the previous migration, reversed)."""
    Revision = apps.get_model("portal", "Revision")
    for model_name, _kind, _field in DOCUMENTS:
        apps.get_model("portal", model_name).objects.filter(state="archived").update(
            state="draft"
        )
    Entry = apps.get_model("portal", "ProviderListEntry")
    draft = Revision.objects.filter(kind="providers", state__in=["draft", "in_review"]).first()
    if draft is None:
        return
    public = set(Entry.objects.values_list("name", flat=True))
    for entry in draft.data.get("entries", []):
        if entry.get("name") and entry["name"] not in public:
            Entry.objects.create(
                state="draft", **{name: entry.get(name, "") for name in ENTRY_FIELDS}
            )


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_editorial_space")]

    operations = [migrations.RunPython(forward, backward)]
