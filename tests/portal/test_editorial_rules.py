"""The editorial space's rule table (vigie/portal/rules.py), for every person: who reads,
who writes, who approves, in which state; and every door of the space refuses the others
(anonymous visitors, structures, ARS, DGS…, a staff session without its second factor)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from tests.factories import client_for
from tests.security.test_identity_mfa import password_only_session
from vigie.core.scoping import scope_for
from vigie.declarations.models import IncidentType
from vigie.directory.models import Role
from vigie.portal import services
from vigie.portal.models import DocumentKind, PublicationState, Revision, RevisionState
from vigie.portal.rules import RULES, Action, refusal

pytestmark = pytest.mark.django_db

PEOPLE = (
    "anonymous",
    "declarant_lyon",
    "member_lyon",
    "director_paris",
    "ars_ara",
    "hfds",
    "dgs",
    "ansm",
    "defence",
    "vendor_contact",
    "admin",
    "nobody",
    "acss",
)
READ_ONLY = {"hfds"}
WRITERS = {"acss"}


def person(world: Any, name: str) -> Any:
    return AnonymousUser() if name == "anonymous" else getattr(world, name)


def values() -> dict[str, Any]:
    return {
        "title": "Rançongiciel : les premiers réflexes",
        "incident_type": IncidentType.objects.get(code="ransomware"),
        "audience": "non_specialist",
        "structure_kind": "",
        "body": "Débranchez le câble réseau.",
    }


@pytest.fixture
def acss2(make_user: Any) -> Any:
    return make_user(Role.ACSS_ANALYST)


@pytest.fixture
def revisions(world: Any, acss2: Any) -> dict[str, Revision]:
    """One revision in each state, all last written by acss2 (so acss may review)."""
    draft = services.revision_create(kind=DocumentKind.REFLEX_SHEET, by=acss2, values=values())
    review = services.revision_create(
        kind=DocumentKind.REFLEX_SHEET, by=acss2, values={**values(), "title": "En relecture"}
    )
    review = services.revision_submit(revision=review, by=acss2, seq=None)
    published = services.revision_create(
        kind=DocumentKind.REFLEX_SHEET, by=acss2, values={**values(), "title": "Publiée"}
    )
    published = services.revision_submit(revision=published, by=acss2, seq=None)
    published = services.revision_publish(revision=published, by=world.acss, seq=None)
    discarded = services.revision_create(
        kind=DocumentKind.REFLEX_SHEET, by=acss2, values={**values(), "title": "Abandonnée"}
    )
    discarded = services.revision_discard(revision=discarded, by=acss2, seq=None)
    return {
        RevisionState.DRAFT: draft,
        RevisionState.IN_REVIEW: review,
        RevisionState.PUBLISHED: published,
        RevisionState.DISCARDED: discarded,
    }


# What the right person may do from each revision state (the table, restated as a user
# would: a draft is edited, submitted or abandoned; a draft in review is edited, approved,
# sent back or abandoned; a published version changes no more).
ALLOWED_FROM: dict[Action, set[str]] = {
    Action.EDIT: {RevisionState.DRAFT, RevisionState.IN_REVIEW},
    Action.SUBMIT: {RevisionState.DRAFT},
    Action.APPROVE: {RevisionState.IN_REVIEW},
    Action.SEND_BACK: {RevisionState.IN_REVIEW},
    Action.DISCARD: {RevisionState.DRAFT, RevisionState.IN_REVIEW},
}


@pytest.mark.parametrize("name", PEOPLE)
def test_each_person_against_each_rule(world: Any, revisions: Any, name: str) -> None:
    scope = scope_for(person(world, name))
    for action in RULES:
        if action in ALLOWED_FROM:
            for state, revision in revisions.items():
                refused = refusal(action, scope, revision=revision)
                may = name in WRITERS and state in ALLOWED_FROM[action]
                assert (refused is None) == may, (name, action, state)
                if name not in WRITERS:
                    assert refused is not None and refused.forbidden, (name, action)
            continue
        context: dict[str, Any] = {}
        if action == Action.WITHDRAW:
            context["document_state"] = PublicationState.PUBLISHED
        refused = refusal(action, scope, **context)
        may = name in WRITERS or (action == Action.READ and name in READ_ONLY)
        assert (refused is None) == may, (name, action)


def test_the_last_author_never_approves_their_own_draft(world: Any, acss2: Any) -> None:
    review = services.revision_create(kind=DocumentKind.REFLEX_SHEET, by=acss2, values=values())
    review = services.revision_submit(revision=review, by=acss2, seq=None)
    for action in (Action.APPROVE, Action.SEND_BACK):
        refused = refusal(action, scope_for(acss2), revision=review)
        assert refused is not None and not refused.forbidden
        assert "quatre yeux" in str(refused.message)
        assert refusal(action, scope_for(world.acss), revision=review) is None


def test_a_draft_is_started_once_and_only_published_documents_are_withdrawn(
    world: Any,
) -> None:
    scope = scope_for(world.acss)
    assert refusal(Action.START, scope, has_open_draft=False) is None
    assert refusal(Action.START, scope, has_open_draft=True) is not None
    for state in (PublicationState.ARCHIVED, PublicationState.DRAFT):
        assert refusal(Action.WITHDRAW, scope, document_state=state) is not None


def _urls(revisions: dict[str, Revision]) -> tuple[list[str], list[str]]:
    draft, review = revisions[RevisionState.DRAFT], revisions[RevisionState.IN_REVIEW]
    sheet = revisions[RevisionState.PUBLISHED].sheet
    pages = [
        "/portail/redaction/",
        "/portail/redaction/prestataires/",
        f"/portail/redaction/fiches-reflexes/{sheet.pk}/",
        f"/portail/redaction/revisions/{draft.pk}/",
        f"/portail/redaction/revisions/{revisions[RevisionState.PUBLISHED].pk}/",
    ]
    writes = [
        "/portail/redaction/fiches-reflexes/nouveau/",
        f"/portail/redaction/revisions/{draft.pk}/modifier/",
        f"/portail/redaction/revisions/{draft.pk}/soumettre/",
        f"/portail/redaction/revisions/{draft.pk}/abandonner/",
        f"/portail/redaction/revisions/{review.pk}/publier/",
        f"/portail/redaction/revisions/{review.pk}/renvoyer/",
        f"/portail/redaction/fiches-reflexes/{sheet.pk}/nouvelle-version/",
        f"/portail/redaction/fiches-reflexes/{sheet.pk}/retirer/",
        "/portail/redaction/prestataires/nouvelle-version/",
    ]
    return pages, writes


@pytest.mark.parametrize("name", [p for p in PEOPLE if p not in WRITERS | READ_ONLY])
def test_the_editorial_space_is_closed_to_everybody_else(
    world: Any, revisions: Any, name: str
) -> None:
    pages, writes = _urls(revisions)
    client = Client() if name == "anonymous" else client_for(person(world, name))
    for url in pages:
        response = client.get(url)
        if name == "anonymous":
            assert response.status_code == 302 and "/compte/login/" in response["Location"]
        else:
            assert response.status_code == 403, (name, url)
    for url in writes:
        response = client.post(url, {"seq": 1, "comment": "x", "reason": "x", **_sheet()})
        assert response.status_code in (302, 403), (name, url)
        if name != "anonymous":
            assert response.status_code == 403, (name, url)
    assert Revision.objects.count() == 4
    assert Revision.objects.filter(state=RevisionState.PUBLISHED).count() == 1


def _sheet() -> dict[str, Any]:
    return {**values(), "incident_type": IncidentType.objects.get(code="ransomware").pk}


def test_the_hfds_reads_but_neither_writes_nor_approves(world: Any, revisions: Any) -> None:
    pages, writes = _urls(revisions)
    client = client_for(world.hfds)
    for url in pages:
        assert client.get(url).status_code == 200, url
    page = client.get(pages[0]).content.decode()
    assert 'data-testid="read-only"' in page and 'data-testid="new-buttons"' not in page
    review = client.get(
        f"/portail/redaction/revisions/{revisions[RevisionState.IN_REVIEW].pk}/"
    ).content.decode()
    assert 'data-testid="approve"' not in review and 'data-testid="actions"' not in review
    for url in writes:
        assert client.post(url, {"seq": 1, "comment": "x", "reason": "x"}).status_code == 403
    assert Revision.objects.count() == 4


def test_an_analyst_session_without_its_second_factor_is_sent_to_prove_it(
    world: Any, revisions: Any
) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    pages, writes = _urls(revisions)
    TOTP.activate(world.acss, generate_totp_secret())  # a device, not proved this session
    client = password_only_session(world.acss)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/compte/2fa/reauthenticate/"), url
    for url in writes:
        assert client.post(url, {"seq": 1, **_sheet()}).status_code == 302
    assert Revision.objects.count() == 4


def test_the_analyst_reaches_the_space_from_the_main_menu(world: Any) -> None:
    for name in ("acss", "hfds"):
        html = client_for(getattr(world, name)).get("/").content.decode()
        menu = html.split('id="nav-menu-portal"')[1].split("</div>")[0]
        assert 'href="/portail/redaction/"' in menu and "Espace de rédaction" in menu
    for name in ("declarant_lyon", "ars_ara", "dgs", "admin"):
        html = client_for(getattr(world, name)).get("/").content.decode()
        assert "/portail/redaction/" not in html
    assert "/portail/redaction/" not in Client().get("/").content.decode()
