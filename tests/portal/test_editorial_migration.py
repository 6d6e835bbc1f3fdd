"""Existing data migrates: what was published before the editorial space becomes
version 1 of its document, drafts become open drafts; and the migrations reverse."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("portal", "0001_initial")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_published_items_become_version_1_and_drafts_stay_drafts() -> None:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("portal")
    old = _migrate(BEFORE)
    incident_type = old.get_model("declarations", "IncidentType").objects.get(code="ransomware")
    vendor = old.get_model("directory", "Vendor").objects.create(name="Citrix")
    bulletin = old.get_model("portal", "Bulletin").objects.create(
        slug="citrix-bleed",
        title="Citrix Bleed",
        severity="critical",
        summary="Fuite de jetons de session.",
        cve_ids=["CVE-2023-4966"],
        state="published",
    )
    bulletin.vendors.add(vendor)
    sheet = old.get_model("portal", "ReflexSheet").objects.create(
        slug="brouillon",
        title="Fiche en préparation",
        incident_type=incident_type,
        audience="it_team",
        body="Isoler.",
    )
    entries = old.get_model("portal", "ProviderListEntry").objects
    entries.create(name="Public", services="Réponse", state="published")
    entries.create(name="En préparation", services="Audit")

    new = _migrate(latest)
    Revision = new.get_model("portal", "Revision")
    version = Revision.objects.get(bulletin_id=bulletin.pk)
    assert (version.state, version.number, version.edited_by_id) == ("published", 1, None)
    assert version.data["cve_ids"] == ["CVE-2023-4966"]
    assert version.data["vendors"] == [vendor.pk]
    migrated = new.get_model("portal", "Bulletin").objects.get(pk=bulletin.pk)
    assert migrated.version == 1 and migrated.revised_at == migrated.published_at
    draft = Revision.objects.get(sheet_id=sheet.pk)
    assert (draft.state, draft.number) == ("draft", None)
    assert draft.data["incident_type"] == incident_type.pk
    # The providers list: the public entry is version 1; the draft entry waits in the
    # list's draft, no longer among the public rows.
    providers = Revision.objects.filter(kind="providers").order_by("pk")
    assert [(r.state, r.number) for r in providers] == [("published", 1), ("draft", None)]
    assert [e["name"] for e in providers[0].data["entries"]] == ["Public"]
    assert [e["name"] for e in providers[1].data["entries"]] == ["Public", "En préparation"]
    public = new.get_model("portal", "ProviderListEntry").objects
    assert list(public.values_list("name", flat=True)) == ["Public"]

    # And back: the draft entry is a draft row again.
    old = _migrate(BEFORE)
    rows = old.get_model("portal", "ProviderListEntry").objects.order_by("name")
    assert list(rows.values_list("name", "state")) == [
        ("En préparation", "draft"),
        ("Public", "published"),
    ]
    _migrate(latest)
