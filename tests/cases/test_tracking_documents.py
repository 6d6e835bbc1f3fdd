"""A tracking-sheet entry attaches the reflex sheet or the providers list sent: the
sheets fitting the case come first, the entry keeps the exact version sent, and the
structure reads that version from its case, even after the sheet changed or was
withdrawn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests.factories import client_for
from vigie.cases.documents import grouped_choices
from vigie.cases.models import Case, TrackingEntry
from vigie.cases.services import case_track
from vigie.declarations.models import IncidentType
from vigie.directory.models import Role
from vigie.portal import services as portal
from vigie.portal.models import DocumentKind, Revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def acss2(make_user: Any) -> Any:
    return make_user(Role.ACSS_ANALYST)


def publish_sheet(world: Any, reviewer: Any, title: str, **values: Any) -> Revision:
    fields = {
        "title": title,
        "incident_type": IncidentType.objects.get(code=values.pop("type", "ransomware")),
        "audience": values.pop("audience", "non_specialist"),
        "structure_kind": values.pop("structure_kind", ""),
        "body": values.pop("body", "Débranchez le câble réseau."),
    }
    draft = portal.revision_create(kind=DocumentKind.REFLEX_SHEET, by=world.acss, values=fields)
    draft = portal.revision_submit(revision=draft, by=world.acss, seq=None)
    return portal.revision_publish(revision=draft, by=reviewer, seq=None)


def new_version(world: Any, reviewer: Any, version: Revision, **changes: Any) -> Revision:
    kind = version.kind
    draft = portal.revision_start(kind=kind, by=world.acss, document=version.document)
    if kind == DocumentKind.PROVIDERS:
        for name in changes["add"]:
            draft = portal.provider_entry_save(
                revision=draft, by=world.acss, values={"name": name, "services": "x"}, seq=None
            )
    else:
        draft = portal.revision_save(
            revision=draft, by=world.acss, values={**draft.data, **changes}, seq=None
        )
    draft = portal.revision_submit(revision=draft, by=world.acss, seq=None)
    return portal.revision_publish(revision=draft, by=reviewer, seq=None)


def publish_providers(world: Any, reviewer: Any, *names: str) -> Revision:
    draft = portal.revision_start(kind=DocumentKind.PROVIDERS, by=world.acss)
    for name in names:
        draft = portal.provider_entry_save(
            revision=draft, by=world.acss, values={"name": name, "services": "Réponse"}, seq=None
        )
    draft = portal.revision_submit(revision=draft, by=world.acss, seq=None)
    return portal.revision_publish(revision=draft, by=reviewer, seq=None)


@pytest.fixture
def case(world: Any, make_case: Callable[..., Case]) -> Case:
    # A ransomware at the Hôpital Édouard Herriot (a health facility).
    return make_case(world.lyon, world.declarant_lyon)


def test_the_sheets_fitting_the_case_come_first(world: Any, acss2: Any, case: Case) -> None:
    publish_sheet(
        world,
        acss2,
        "Rançongiciel, équipe informatique, laboratoire",
        audience="it_team",
        structure_kind="biology_lab",
    )
    publish_sheet(world, acss2, "Hameçonnage, premiers réflexes", type="phishing")
    publish_sheet(world, acss2, "Rançongiciel, experts SSI", audience="ssi_expert")
    publish_sheet(
        world,
        acss2,
        "Rançongiciel, équipe informatique d’établissement",
        audience="it_team",
        structure_kind="health_facility",
    )
    publish_sheet(world, acss2, "Rançongiciel, premiers réflexes")
    groups = dict(grouped_choices(case))
    proposed = next(labels for group, labels in groups.items() if group.startswith("Proposées"))
    assert [label.split(" — ")[0] for _value, label in proposed] == [
        # The structure's own type first, then by competence level.
        "Rançongiciel, équipe informatique d’établissement",
        "Rançongiciel, premiers réflexes",
        "Rançongiciel, experts SSI",
    ]
    assert "Proposées pour ce dossier (Rançongiciel, Établissement de santé)" in groups
    others = [label.split(" — ")[0] for _v, label in groups["Autres fiches réflexes"]]
    assert sorted(others) == [
        "Hameçonnage, premiers réflexes",
        "Rançongiciel, équipe informatique, laboratoire",
    ]
    assert "Non-spécialiste" in proposed[1][1] and "(version 1)" in proposed[1][1]


def _post(client: Client, case: Case, **data: Any) -> Any:
    case.refresh_from_db()
    return client.post(f"/dossiers/{case.pk}/suivi/", {"version": case.version, **data})


def test_the_sheet_sent_is_kept_and_read_by_the_structure(
    world: Any, acss2: Any, case: Case
) -> None:
    v1 = publish_sheet(world, acss2, "Rançongiciel, premiers réflexes")
    analyst = client_for(world.acss)
    page = analyst.get(f"/dossiers/{case.pk}/").content.decode()
    assert f'value="sheet:{v1.pk}"' in page and "Document transmis" in page
    response = _post(analyst, case, kind="reflex_sheet", document=f"sheet:{v1.pk}", text="")
    assert response.status_code == 302
    entry = TrackingEntry.objects.get(case=case)
    assert entry.document == v1
    link = "/portail/fiches-reflexes/rancongiciel-premiers-reflexes/versions/1/"
    for reader in (world.declarant_lyon, world.member_lyon):
        case_page = client_for(reader).get(f"/dossiers/{case.pk}/").content.decode()
        row = case_page.split('data-kind="reflex_sheet"')[1].split("</tr>")[0]
        assert f'href="{link}"' in row and "Rançongiciel, premiers réflexes, version 1" in row

    # The sheet changes (version 2), then the cell withdraws it.
    new_version(world, acss2, v1, body="Débranchez le câble et coupez le Wi-Fi.")
    assert (
        "Une version plus récente existe"
        in client_for(world.member_lyon).get(link).content.decode()
    )
    portal.document_withdraw(
        kind=DocumentKind.REFLEX_SHEET, document=v1.sheet, by=world.acss, reason="Remplacée."
    )
    # The structure still reads what it was sent; nobody else does any more.
    for reader in (world.declarant_lyon, world.member_lyon):
        sent = client_for(reader).get(link)
        assert sent.status_code == 200
        text = sent.content.decode()
        assert "Débranchez le câble réseau." in text and "Wi-Fi" not in text
        assert "Ce document a été retiré du portail." in text
    for outsider in (world.declarant_reunion, world.ars_idf):
        assert client_for(outsider).get(link).status_code == 404
    assert Client().get(link).status_code == 404


def test_a_reflex_sheet_entry_needs_a_sheet_and_keeps_what_was_typed(
    world: Any, acss2: Any, case: Case
) -> None:
    old = publish_sheet(world, acss2, "Rançongiciel, premiers réflexes")
    current = new_version(world, acss2, old, body="Nouveau texte.")
    analyst = client_for(world.acss)
    response = _post(analyst, case, kind="reflex_sheet", text="Envoyée au DSI par téléphone.")
    assert response.status_code == 200  # the page again, not the redirect of a success
    page = response.content.decode()
    assert "Choisissez le document transmis parmi ceux proposés." in page
    assert "Envoyée au DSI par téléphone." in page
    # A superseded version is no longer offered.
    stale = _post(analyst, case, kind="reflex_sheet", document=f"sheet:{old.pk}", text="x")
    assert "Sélectionnez un choix valide" in stale.content.decode()
    # A document with another kind of entry is refused too.
    note = _post(analyst, case, kind="note", document=f"sheet:{current.pk}", text="x")
    assert "Un document se joint à une fiche réflexe" in note.content.decode()
    assert TrackingEntry.objects.filter(case=case).count() == 0


def test_the_providers_list_sent_is_the_version_published_then(
    world: Any, acss2: Any, case: Case
) -> None:
    v1 = publish_providers(world, acss2, "Réponse Cyber Ouest")
    entry = case_track(case=case, by=world.acss, kind="providers", text="")
    assert entry.document == v1
    new_version(world, acss2, v1, add=["Investigations Sud"])
    page = client_for(world.declarant_lyon).get(f"/dossiers/{case.pk}/").content.decode()
    row = page.split('data-kind="providers"')[1].split("</tr>")[0]
    assert 'href="/portail/prestataires/versions/1/"' in row
    sent = client_for(world.declarant_lyon).get("/portail/prestataires/versions/1/")
    assert "Réponse Cyber Ouest" in sent.content.decode()
    assert "Investigations Sud" not in sent.content.decode()


def test_the_structure_is_told_with_a_link_to_the_version(
    world: Any, acss2: Any, case: Case
) -> None:
    from vigie.notifications.models import Notification

    v1 = publish_sheet(world, acss2, "Rançongiciel, premiers réflexes")
    case_track(case=case, by=world.acss, kind="reflex_sheet", text="", document=f"sheet:{v1.pk}")
    notices = Notification.objects.filter(user=world.declarant_lyon)
    assert any(
        "/portail/fiches-reflexes/rancongiciel-premiers-reflexes/versions/1/" in n.body
        for n in notices
    ), [n.body for n in notices]


def test_no_sheet_published_means_no_sheet_entry(world: Any, case: Case) -> None:
    with pytest.raises(ValidationError):
        case_track(case=case, by=world.acss, kind="reflex_sheet", text="Envoyée par courriel.")
    # Other entries are as before.
    assert case_track(case=case, by=world.acss, kind="analysis", text="VPN").document is None
