"""Directory pages: what each role sees, and how bad input is explained."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.core.test_scoping import EXPECTED_STRUCTURES
from tests.factories import client_for
from vigie.directory.models import Membership, Role
from vigie.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "expected"), sorted(EXPECTED_STRUCTURES.items()))
def test_structure_list_and_detail_follow_scoping(
    world: Any, role: str, expected: set[str]
) -> None:
    client = client_for(getattr(world, role))
    listing = client.get("/structures/")
    assert listing.status_code == 200
    shown = {s.finess for s in listing.context["page_obj"]}
    assert shown == {getattr(world, key).finess for key in expected}
    for key in ("lyon", "lyon_lab", "paris", "reunion", "military"):
        structure = getattr(world, key)
        detail = client.get(f"/structures/{structure.finess}/")
        assert detail.status_code == (200 if key in expected else 404), key


def test_detail_accepts_a_formatted_finess(world: Any) -> None:
    client = client_for(world.acss)
    assert client.get("/structures/69%20078%20413%207/").status_code == 200


def test_mistyped_finess_is_explained_in_french(world: Any) -> None:
    client = client_for(world.acss)
    response = client.get("/structures/", {"q": "69 078 413 8"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "La clé de contrôle (dernier chiffre) du numéro FINESS 69 078 413 8 est erronée" in page
    assert 'value="69 078 413 8"' in page  # what was typed is kept
    assert response.context["page_obj"].paginator.count == 0
    bad_prefix = client.get("/structures/", {"q": "960000001"}).content.decode()
    assert "ne commence pas par un département connu" in bad_prefix


def test_search_by_name_region_and_type(world: Any) -> None:
    client = client_for(world.acss)

    def names(**params: str) -> set[str]:
        page = client.get("/structures/", params).context["page_obj"]
        return {s.name for s in page}

    assert names(q="herriot") == {"Hôpital Édouard Herriot"}
    assert names(q="690784") == {"Hôpital Édouard Herriot"}
    assert names(region="84") == {"Hôpital Édouard Herriot", "Laboratoire Bioderm Lyon"}
    assert names(kind="military_hospital") == {"HIA Bégin"}


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get("/structures/")
    assert response.status_code == 302 and response["Location"].startswith("/compte/login/")


def test_director_designates_and_revokes_through_the_pages(world: Any) -> None:
    client = client_for(world.director_paris)
    url = f"/structures/{world.paris.finess}/declarants/"
    invalid = client.post(url, {"email": "pas-une-adresse", "first_name": "Léa", "last_name": ""})
    page = invalid.content.decode()
    assert invalid.status_code == 200
    assert "Le formulaire contient des erreurs" in page
    assert 'value="Léa"' in page  # nothing typed is lost
    done = client.post(
        url,
        {
            "email": "lea.dubois@paris.test",
            "first_name": "Léa",
            "last_name": "Dubois",
            "job_title": "RSSI",
        },
    )
    assert done.status_code == 302
    [invitation] = OutgoingEmail.objects.filter(to=["lea.dubois@paris.test"])
    assert "accepter" in invitation.body and world.paris.name in invitation.body
    waiting = client.get(f"/structures/{world.paris.finess}/").content.decode()
    assert "Invitations pas encore acceptées" in waiting and "lea.dubois@paris.test" in waiting
    assert not Membership.objects.filter(user__email="lea.dubois@paris.test").exists()

    # Léa follows the link and opens her account: the delegation takes effect.
    link = re.search(r"https?://[^/\s]+(/structures/invitations/\S+/)", invitation.body)
    assert link
    accepted = Client().post(
        link.group(1),
        {
            "first_name": "Léa",
            "last_name": "Dubois",
            "password": "Un-Mot-De-Passe-Solide-2026",
            "password_again": "Un-Mot-De-Passe-Solide-2026",
        },
    )
    assert accepted.status_code == 302
    delegation = Membership.objects.get(user__email="lea.dubois@paris.test")
    detail = client.get(f"/structures/{world.paris.finess}/").content.decode()
    assert "Léa Dubois" in detail and "Active" in detail
    assert "Invitations pas encore acceptées" not in detail

    revoke_url = f"/structures/{world.paris.finess}/declarants/{delegation.pk}/revoquer/"
    missing_reason = client.post(revoke_url, {"reason": ""})
    assert "Indiquez le motif de la révocation." in missing_reason.content.decode()
    assert client.post(revoke_url, {"reason": "Mutation"}).status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None and delegation.revocation_reason == "Mutation"


@pytest.mark.parametrize("role", ["declarant_lyon", "ars_idf", "acss", "member_lyon"])
def test_only_the_director_manages_declarants(world: Any, role: str) -> None:
    client = client_for(getattr(world, role))
    response = client.post(
        f"/structures/{world.paris.finess}/declarants/",
        {"email": "x@paris.test", "first_name": "X", "last_name": "Y"},
    )
    assert response.status_code in (403, 404)
    assert not Membership.objects.filter(user__email="x@paris.test").exists()
    assert client.get("/structures/declarants/").status_code == 403


def test_home_page_per_role(world: Any) -> None:
    declarant = client_for(world.declarant_lyon).get("/").content.decode()
    assert "Structures pour lesquelles vous déclarez" in declarant
    ars = client_for(world.ars_reunion).get("/").content.decode()
    assert "ARS La Réunion" in ars and "heure de La Réunion" in ars
    assert "Indian/Reunion" not in ars
    acss = client_for(world.acss).get("/").content.decode()
    assert "Ce qui vous attend" in acss and "Ouvrir la file des dossiers" in acss
    nobody = client_for(world.nobody).get("/").content.decode()
    assert "Votre compte n’a encore aucun rôle" in nobody


def test_navigation_depends_on_role(world: Any) -> None:
    def labels(user: Any) -> list[str]:
        return [item["label"] for item in client_for(user).get("/").context["nav_items"]]

    assert labels(world.director_paris) == [
        "Accueil",
        "Portail",
        "Mes structures",
        "Déclarer un incident",
        "Déclarations",
        "Dossiers",
        "Plan d’action SSI",
        "Communauté",
        "Alertes",
        "Déclarants",
    ]
    assert "Administration" in labels(world.admin)
    assert labels(world.vendor_contact) == [
        "Accueil",
        "Portail",
        "Demandes aux éditeurs",
    ]


@pytest.mark.parametrize(
    ("reader", "sees_emails"),
    [
        ("director_paris", True),  # the delegations are theirs
        ("admin", True),  # runs the accounts
        ("acss", True),  # the support cell calls structures
        ("ars_idf", False),
        ("hfds", False),
        ("dgs", False),
        ("ansm", False),
        ("paris_declarant", False),  # a colleague reads the page too
    ],
)
def test_people_by_name_and_e_mail_only_to_those_who_need_it(
    world: Any, make_user: Any, reader: str, sees_emails: bool
) -> None:
    declarant = make_user(Role.DECLARANT, structure=world.paris, granted_by=world.director_paris)
    user = declarant if reader == "paris_declarant" else getattr(world, reader)
    page = client_for(user).get(f"/structures/{world.paris.finess}/")
    assert page.status_code == 200
    html = page.content.decode()
    director = html.split('data-testid="director">', 1)[1].split("</dd>", 1)[0]
    assert world.director_paris.get_full_name() in director
    assert (world.director_paris.email in html) is sees_emails
    if reader in ("director_paris", "admin"):
        # The delegations: the declarant by name, with the address to reach them.
        assert declarant.get_full_name() in html and declarant.email in html
        assert f"&lt;{declarant.email}&gt;" not in html  # never "Name <address>"
    else:
        assert declarant.email not in html
    # Nobody's "Name <address>" form, whoever reads.
    assert "&lt;" not in html.split("<main", 1)[1].split("</main>", 1)[0]
