"""The public portal: what anonymous visitors see, French full-text search, the feeds."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client

from tests.factories import client_for
from vigie.declarations.models import IncidentType
from vigie.directory.models import Vendor
from vigie.portal import selectors
from vigie.portal.demo import demo_portal_load
from vigie.portal.models import Bulletin, Guide, ProviderListEntry, ReflexSheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(world: Any) -> dict[str, Any]:
    vendor = Vendor.objects.create(name="Citrix")
    published = Bulletin.objects.create(
        slug="citrix-bleed",
        title="Vulnérabilité critique dans NetScaler",
        cve_ids=["CVE-2023-4966"],
        products=["NetScaler ADC"],
        severity="critical",
        summary="Exploitée par des groupes de rançongiciels contre des hôpitaux.",
        remediation="Mettre à jour puis invalider les sessions.",
        state="published",
    )
    published.vendors.add(vendor)
    draft = Bulletin.objects.create(
        slug="brouillon",
        title="Bulletin en préparation",
        severity="high",
        summary="Rançongiciel en cours d’analyse.",
    )
    sheet = ReflexSheet.objects.create(
        slug="fiche",
        title="Premiers réflexes",
        incident_type=IncidentType.objects.get(code="ransomware"),
        audience="non_specialist",
        body="Débranchez le câble réseau.",
        state="published",
    )
    guide = Guide.objects.create(
        slug="guide", title="Mode dégradé", body="Procédures papier.", state="published"
    )
    provider = ProviderListEntry.objects.create(
        name="Prestataire A", services="Réponse", state="published"
    )
    hidden = ProviderListEntry.objects.create(name="Prestataire caché", services="Réponse")
    return {
        "published": published,
        "draft": draft,
        "sheet": sheet,
        "guide": guide,
        "provider": provider,
        "hidden": hidden,
    }


def test_anonymous_sees_published_only(content: dict[str, Any], world: Any) -> None:
    anonymous = Client()
    home = anonymous.get("/portail/")
    assert home.status_code == 200
    body = home.content.decode()
    assert "Vulnérabilité critique dans NetScaler" in body
    assert "Bulletin en préparation" not in body
    assert anonymous.get("/portail/bulletins/citrix-bleed/").status_code == 200
    assert anonymous.get("/portail/bulletins/brouillon/").status_code == 404
    assert anonymous.get("/portail/fiches-reflexes/fiche/").status_code == 200
    assert anonymous.get("/portail/guides/guide/").status_code == 200
    providers = anonymous.get("/portail/prestataires/").content.decode()
    assert "Prestataire A" in providers and "Prestataire caché" not in providers
    # The public pages show what is published, to everybody alike: the editors (ACSS,
    # HFDS/FSSI) read drafts in the editorial space.
    for user in (world.declarant_lyon, world.ars_ara, world.acss, world.hfds):
        assert client_for(user).get("/portail/bulletins/brouillon/").status_code == 404
    assert set(Bulletin.objects.visible_to(None)) == {content["published"]}
    assert content["draft"] in Bulletin.objects.visible_to(world.acss)


def test_portal_link_in_public_navigation(content: dict[str, Any]) -> None:
    labels = [item["url"] for item in Client().get("/").context["nav_items"]]
    assert "/portail/" in labels


def test_search_in_french_finds_word_forms(content: dict[str, Any], world: Any) -> None:
    hits = selectors.search(None, "rançongiciels")
    assert [hit.title for hit in hits] == ["Vulnérabilité critique dans NetScaler"]
    assert selectors.search(None, "câbles")[0].title == "Premiers réflexes"
    # The draft is found by nobody, its editors included (the editorial space lists it).
    assert len(selectors.search(world.acss, "rançongiciel")) == 1
    page = Client().get("/portail/recherche/", {"q": "rançongiciel"}).content.decode()
    assert "/portail/bulletins/citrix-bleed/" in page and "brouillon" not in page


@pytest.mark.parametrize("path", ["/portail/bulletins/rss/", "/portail/bulletins/atom/"])
def test_feed_is_valid_xml_with_published_bulletins(content: dict[str, Any], path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    atom = "{http://www.w3.org/2005/Atom}"
    if root.tag == "rss":
        titles = [item.findtext("title") for item in root.iter("item")]
    else:
        titles = [entry.findtext(f"{atom}title") for entry in root.iter(f"{atom}entry")]
    assert titles == ["Vulnérabilité critique dans NetScaler"]


def test_demo_content_loads_and_is_idempotent(settings: Any, tmp_path: Any) -> None:
    from vigie.directory.demo import demo_load

    settings.VAR_DIR = tmp_path
    assert demo_portal_load() == 0  # written by the demo analysts: none yet
    demo_load()
    created = demo_portal_load()
    assert created >= 6
    assert demo_portal_load() == 0
    assert Bulletin.objects.visible_to(None).count() == 2


def test_members_comment_on_a_published_bulletin_from_its_page(
    content: dict[str, Any], world: Any
) -> None:
    page_url = f"/portail/bulletins/{content['published'].slug}/"
    member = client_for(world.member_lyon)
    page = member.get(page_url).content.decode()
    assert 'data-testid="comment-form"' in page
    action = page.split('data-testid="comment-form"')[0].rsplit('action="', 1)[1].split('"')[0]
    response = member.post(
        action, {"body": "Correctif appliqué chez nous mardi.", "next": page_url}
    )
    assert response.status_code == 302
    # Another structure's member reads it on the page; anonymous visitors see no comments.
    assert (
        "Correctif appliqué" in client_for(world.declarant_reunion).get(page_url).content.decode()
    )
    anonymous = Client().get(page_url)
    assert anonymous.status_code == 200
    assert "Correctif appliqué" not in anonymous.content.decode()
    # A draft (which its editors can read) cannot be commented.
    draft_action = action.rsplit("/", 2)[0] + f"/{content['draft'].pk}/"
    refused = client_for(world.acss).post(draft_action, {"body": "x", "next": page_url})
    assert refused.status_code in (302, 400)
    from vigie.community.models import Comment

    assert Comment.objects.count() == 1
