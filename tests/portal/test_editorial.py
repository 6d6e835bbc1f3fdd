"""The ACSS's editorial space: write, review by another analyst, publish, versions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tests.factories import client_for
from vigie.declarations.models import IncidentType
from vigie.directory.models import Role, Vendor
from vigie.portal import services
from vigie.portal.models import (
    Bulletin,
    DocumentKind,
    ProviderListEntry,
    PublicationState,
    ReflexSheet,
    Revision,
    RevisionState,
)

pytestmark = pytest.mark.django_db

SHEET = {
    "title": "Rançongiciel : les premiers réflexes",
    "audience": "non_specialist",
    "structure_kind": "",
    "body": "Débranchez le câble réseau du poste.",
}


@pytest.fixture
def acss2(make_user: Any) -> Any:
    return make_user(Role.ACSS_ANALYST)


def sheet_values(**changes: Any) -> dict[str, Any]:
    return {**SHEET, "incident_type": IncidentType.objects.get(code="ransomware"), **changes}


def sheet_post(**changes: Any) -> dict[str, Any]:
    values = {**SHEET, "incident_type": IncidentType.objects.get(code="ransomware").pk}
    return {**values, **changes}


def text(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def published_sheet(world: Any, reviewer: Any, **changes: Any) -> Revision:
    draft = services.revision_create(
        kind=DocumentKind.REFLEX_SHEET, by=world.acss, values=sheet_values(**changes)
    )
    draft = services.revision_submit(revision=draft, by=world.acss, seq=None)
    return services.revision_publish(revision=draft, by=reviewer, seq=None)


def test_write_review_publish_and_version_through_the_pages(world: Any, acss2: Any) -> None:
    author, reviewer = client_for(world.acss), client_for(acss2)
    # The author writes a new reflex sheet.
    response = author.post("/portail/redaction/fiches-reflexes/nouveau/", sheet_post())
    assert response.status_code == 302
    revision = Revision.objects.get()
    assert response["Location"] == f"/portail/redaction/revisions/{revision.pk}/"
    page = text(author.get(response["Location"]))
    assert "Brouillon" in page and "Soumettre à relecture" in page
    # Nothing on the portal yet.
    assert "premiers réflexes" not in text(Client().get("/portail/fiches-reflexes/"))

    author.post(f"/portail/redaction/revisions/{revision.pk}/soumettre/", {"seq": revision.seq})
    revision.refresh_from_db()
    assert revision.state == RevisionState.IN_REVIEW
    # The author cannot approve their own text: the page says why and offers no button.
    page = text(author.get(f"/portail/redaction/revisions/{revision.pk}/"))
    assert "un autre analyste doit" in page
    assert (
        'data-testid="approve"'
        not in author.get(f"/portail/redaction/revisions/{revision.pk}/").content.decode()
    )
    refused = author.post(
        f"/portail/redaction/revisions/{revision.pk}/publier/", {"seq": revision.seq}, follow=True
    )
    assert "principe des quatre yeux" in text(refused)
    assert ReflexSheet.objects.count() == 0
    # The reviewer is told, and approves.
    assert acss2.notifications.filter(title__contains="À relire").exists()
    reviewer.post(f"/portail/redaction/revisions/{revision.pk}/publier/", {"seq": revision.seq})
    revision.refresh_from_db()
    assert (revision.state, revision.number, revision.reviewed_by) == ("published", 1, acss2)
    sheet = ReflexSheet.objects.get()
    public = text(Client().get(f"/portail/fiches-reflexes/{sheet.slug}/"))
    assert "Version 1, mise à jour le" in public and "Débranchez le câble" in public

    # A change to the published sheet is a new draft; the public still reads version 1.
    response = author.post(f"/portail/redaction/fiches-reflexes/{sheet.pk}/nouvelle-version/")
    draft = Revision.objects.get(state=RevisionState.DRAFT)
    assert response["Location"] == f"/portail/redaction/revisions/{draft.pk}/modifier/"
    author.post(
        f"/portail/redaction/revisions/{draft.pk}/modifier/",
        sheet_post(body="Débranchez le câble réseau et coupez le Wi-Fi.", seq=draft.seq),
    )
    draft.refresh_from_db()
    assert "Modifié depuis la version 1 : Texte." in text(
        reviewer.get(f"/portail/redaction/revisions/{draft.pk}/")
    )
    assert "Wi-Fi" not in text(Client().get(f"/portail/fiches-reflexes/{sheet.slug}/"))
    author.post(f"/portail/redaction/revisions/{draft.pk}/soumettre/", {"seq": draft.seq})
    draft.refresh_from_db()
    reviewer.post(f"/portail/redaction/revisions/{draft.pk}/publier/", {"seq": draft.seq})
    public = text(Client().get(f"/portail/fiches-reflexes/{sheet.slug}/"))
    assert "Version 2, mise à jour le" in public and "Wi-Fi" in public

    # The editorial page lists both versions, with who wrote and who reviewed each.
    document = author.get(f"/portail/redaction/fiches-reflexes/{sheet.pk}/").content.decode()
    rows = [
        text_of(row.split(">", 1)[1].split("</tr>")[0])
        for row in document.split('data-testid="version-row"')[1:]
    ]
    assert [row.split(" ")[:2] for row in rows] == [["Version", "2"], ["Version", "1"]]
    assert all(acss2.get_full_name() in row for row in rows)
    assert world.acss.get_full_name() in rows[0]
    # Version 1 is still readable, marked as superseded.
    old = text(Client().get(f"/portail/fiches-reflexes/{sheet.slug}/versions/1/"))
    assert "Version 1, mise à jour le" in old and "Wi-Fi" not in old
    assert "Une version plus récente existe" in old


def test_the_reviewer_sends_back_with_a_comment(world: Any, acss2: Any) -> None:
    draft = services.revision_create(
        kind=DocumentKind.REFLEX_SHEET, by=world.acss, values=sheet_values()
    )
    draft = services.revision_submit(revision=draft, by=world.acss, seq=None)
    reviewer = client_for(acss2)
    # A comment is required: the page says so and keeps the form.
    empty = reviewer.post(
        f"/portail/redaction/revisions/{draft.pk}/renvoyer/", {"comment": " ", "seq": draft.seq}
    )
    assert empty.status_code == 400
    assert "Dites ce que l’auteur doit modifier." in text(empty)
    reviewer.post(
        f"/portail/redaction/revisions/{draft.pk}/renvoyer/",
        {"comment": "Préciser qu’il ne faut pas éteindre le poste.", "seq": draft.seq},
    )
    draft.refresh_from_db()
    assert draft.state == RevisionState.DRAFT
    page = text(client_for(world.acss).get(f"/portail/redaction/revisions/{draft.pk}/"))
    assert "Renvoyé pour modification" in page
    assert "Préciser qu’il ne faut pas éteindre le poste." in page
    assert world.acss.notifications.filter(title__contains="Renvoyé").exists()


def test_a_change_during_review_sends_the_draft_back_to_draft(world: Any, acss2: Any) -> None:
    draft = services.revision_create(
        kind=DocumentKind.REFLEX_SHEET, by=world.acss, values=sheet_values()
    )
    draft = services.revision_submit(revision=draft, by=world.acss, seq=None)
    # The reviewer fixes a word: now they are the last author, and cannot approve.
    draft = services.revision_save(
        revision=draft, by=acss2, values=sheet_values(body="Débranchez le câble."), seq=None
    )
    assert draft.state == RevisionState.DRAFT
    draft = services.revision_submit(revision=draft, by=acss2, seq=None)
    with pytest.raises(ValidationError, match="quatre yeux"):
        services.revision_publish(revision=draft, by=acss2, seq=None)
    assert services.revision_publish(revision=draft, by=world.acss, seq=None).number == 1


def test_errors_are_in_french_and_nothing_typed_is_lost(world: Any) -> None:
    author = client_for(world.acss)
    response = author.post(
        "/portail/redaction/bulletins/nouveau/",
        {
            "title": "Faille dans un portail VPN",
            "severity": "high",
            "cve_ids": "CVE-2025-0282, pas-une-cve",
            "summary": "Un texte long que l’analyste ne veut pas retaper.",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Pas un identifiant CVE" in page and "pas-une-cve" in page
    assert "Un texte long que l’analyste ne veut pas retaper." in page
    assert Revision.objects.count() == 0


def test_two_analysts_never_silently_overwrite_each_other(world: Any, acss2: Any) -> None:
    draft = services.revision_create(
        kind=DocumentKind.REFLEX_SHEET, by=world.acss, values=sheet_values()
    )
    seen = draft.seq
    services.revision_save(
        revision=draft, by=acss2, values=sheet_values(body="Version de Julien."), seq=seen
    )
    response = client_for(world.acss).post(
        f"/portail/redaction/revisions/{draft.pk}/modifier/",
        sheet_post(body="Version de Nadia, tapée pendant ce temps.", seq=seen),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Un autre analyste a modifié ce brouillon" in page
    assert "Version de Nadia, tapée pendant ce temps." in page
    draft.refresh_from_db()
    assert draft.data["body"] == "Version de Julien."


def test_an_incomplete_draft_cannot_be_submitted(world: Any) -> None:
    # A draft row made in the admin before the editorial space, without its text.
    legacy = ReflexSheet.objects.create(
        slug="ancienne",
        title="Ancienne fiche",
        incident_type=IncidentType.objects.get(code="phishing"),
        audience="it_team",
        body="",
    )
    draft = services.revision_start(kind=DocumentKind.REFLEX_SHEET, by=world.acss, document=legacy)
    with pytest.raises(ValidationError, match="Texte"):
        services.revision_submit(revision=draft, by=world.acss, seq=None)
    page = text(client_for(world.acss).get(f"/portail/redaction/revisions/{draft.pk}/"))
    assert "À compléter : Texte." in page


def test_withdrawing_takes_a_document_off_the_portal(world: Any, acss2: Any) -> None:
    version = published_sheet(world, acss2)
    sheet = version.sheet
    client = client_for(world.acss)
    refused = client.post(f"/portail/redaction/fiches-reflexes/{sheet.pk}/retirer/", {})
    assert refused.status_code == 400
    assert "Indiquez la raison du retrait." in text(refused)
    client.post(
        f"/portail/redaction/fiches-reflexes/{sheet.pk}/retirer/",
        {"reason": "Remplacée par la fiche nationale."},
    )
    sheet.refresh_from_db()
    assert sheet.state == PublicationState.ARCHIVED
    assert Client().get(f"/portail/fiches-reflexes/{sheet.slug}/").status_code == 404
    assert Client().get(f"/portail/fiches-reflexes/{sheet.slug}/versions/1/").status_code == 404
    assert "Remplacée par la fiche nationale." in text(
        client.get(f"/portail/redaction/fiches-reflexes/{sheet.pk}/")
    )
    # Back on the portal only through a new, reviewed version.
    draft = services.revision_start(kind=DocumentKind.REFLEX_SHEET, by=world.acss, document=sheet)
    draft = services.revision_submit(revision=draft, by=world.acss, seq=None)
    services.revision_publish(revision=draft, by=acss2, seq=None)
    sheet.refresh_from_db()
    assert (sheet.state, sheet.version) == (PublicationState.PUBLISHED, 2)


def test_a_discarded_draft_leaves_the_public_version(world: Any, acss2: Any) -> None:
    sheet = published_sheet(world, acss2).sheet
    draft = services.revision_start(kind=DocumentKind.REFLEX_SHEET, by=world.acss, document=sheet)
    services.revision_save(revision=draft, by=world.acss, values=sheet_values(body="x"), seq=None)
    client_for(world.acss).post(
        f"/portail/redaction/revisions/{draft.pk}/abandonner/", {"seq": draft.seq + 1}
    )
    draft.refresh_from_db()
    assert draft.state == RevisionState.DISCARDED
    sheet.refresh_from_db()
    assert (sheet.version, sheet.body) == (1, SHEET["body"])


def test_a_published_version_never_changes(world: Any, acss2: Any) -> None:
    from django.db import DatabaseError, transaction

    version = published_sheet(world, acss2)
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        Revision.objects.filter(pk=version.pk).update(data={"title": "Réécrit"})


def test_providers_list_versions_keep_the_list_as_it_was(world: Any, acss2: Any) -> None:
    client = client_for(world.acss)
    client.post("/portail/redaction/prestataires/nouvelle-version/")
    draft = Revision.objects.get(kind=DocumentKind.PROVIDERS)
    response = client.post(
        f"/portail/redaction/revisions/{draft.pk}/prestataires/ajouter/",
        {"name": "Réponse Cyber Ouest", "services": "Réponse à incident", "seq": draft.seq},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    services.revision_submit(revision=draft, by=world.acss, seq=None)
    services.revision_publish(revision=draft, by=acss2, seq=None)
    public = text(Client().get("/portail/prestataires/"))
    assert "Réponse Cyber Ouest" in public and "Version 1, mise à jour le" in public

    # Version 2 replaces the provider; version 1 still lists it.
    draft = services.revision_start(kind=DocumentKind.PROVIDERS, by=acss2)
    key = draft.data["entries"][0]["key"]
    draft = services.provider_entry_remove(revision=draft, by=acss2, key=key, seq=None)
    draft = services.provider_entry_save(
        revision=draft,
        by=acss2,
        values={"name": "Investigations Sud", "services": "Investigation numérique"},
        seq=None,
    )
    page = text(client.get(f"/portail/redaction/revisions/{draft.pk}/"))
    assert "Ajouté : Investigations Sud" in page and "Retiré : Réponse Cyber Ouest" in page
    draft = services.revision_submit(revision=draft, by=acss2, seq=None)
    services.revision_publish(revision=draft, by=world.acss, seq=None)
    assert list(ProviderListEntry.objects.values_list("name", flat=True)) == ["Investigations Sud"]
    old = text(Client().get("/portail/prestataires/versions/1/"))
    assert "Réponse Cyber Ouest" in old and "Investigations Sud" not in old
    assert "Une version plus récente existe" in old


def test_an_empty_providers_list_cannot_be_submitted(world: Any) -> None:
    draft = services.revision_start(kind=DocumentKind.PROVIDERS, by=world.acss)
    with pytest.raises(ValidationError, match="aucun prestataire"):
        services.revision_submit(revision=draft, by=world.acss, seq=None)


def test_a_bulletin_keeps_its_vendors_and_lists(world: Any, acss2: Any) -> None:
    vendor = Vendor.objects.create(name="Ivanti")
    client = client_for(world.acss)
    client.post(
        "/portail/redaction/bulletins/nouveau/",
        {
            "title": "Ivanti Connect Secure",
            "severity": "critical",
            "cve_ids": "cve-2025-0282, CVE-2025-0283",
            "products": "Connect Secure, Policy Secure",
            "vendors": [vendor.pk],
            "summary": "Exécution de code à distance.",
        },
    )
    draft = Revision.objects.get()
    assert draft.data["cve_ids"] == ["CVE-2025-0282", "CVE-2025-0283"]
    services.revision_submit(revision=draft, by=world.acss, seq=None)
    services.revision_publish(revision=draft, by=acss2, seq=None)
    bulletin = Bulletin.objects.get()
    assert list(bulletin.vendors.all()) == [vendor]
    assert bulletin.products == ["Connect Secure", "Policy Secure"]
    feed = Client().get("/portail/bulletins/rss/").content.decode()
    assert "Ivanti Connect Secure" in feed


def test_the_dashboard_shows_what_awaits_review(world: Any, acss2: Any) -> None:
    draft = services.revision_create(
        kind=DocumentKind.REFLEX_SHEET, by=world.acss, values=sheet_values()
    )
    services.revision_submit(revision=draft, by=world.acss, seq=None)
    services.revision_create(
        kind=DocumentKind.REFLEX_SHEET, by=acss2, values=sheet_values(title="Autre fiche")
    )
    published_sheet(world, acss2, title="Fiche publiée")
    page = client_for(acss2).get("/portail/redaction/?type=fiches-reflexes").content.decode()
    to_review = page.split('data-testid="to-review"')[1].split("</table>")[0]
    assert "Rançongiciel : les premiers réflexes" in to_review
    drafts = page.split('data-testid="drafts"')[1].split("</table>")[0]
    assert "Autre fiche" in drafts
    documents = page.split('data-testid="documents"')[1].split("</table>")[0]
    assert "Fiche publiée" in documents and "Publié, version 1" in text_of(documents)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_services_refuse_those_who_may_not_write(world: Any) -> None:
    for person in (world.hfds, world.ars_ara, world.declarant_lyon, world.admin, world.dgs):
        with pytest.raises(PermissionDenied):
            services.revision_create(
                kind=DocumentKind.REFLEX_SHEET, by=person, values=sheet_values()
            )
