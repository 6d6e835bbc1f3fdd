"""The pages: the "à trier" queue, a message, its files, and the e-mails block of the case
page, as each role sees them (and as an attacker would try them)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import client_for
from tests.inbox.mails import PDF, mail
from vigie.cases.models import Case
from vigie.directory.models import Role
from vigie.inbox.models import InboundMessage, MessageStatus
from vigie.inbox.services import message_receive

pytestmark = pytest.mark.django_db


def receive(message: Any, mailbox: str = "fssi") -> InboundMessage:
    return message_receive(mailbox=mailbox, raw=bytes(message))[0]


@pytest.fixture
def civil(world: Any, make_case: Any) -> Case:
    return make_case(world.lyon, world.declarant_lyon)


@pytest.fixture
def military(world: Any, make_case: Any, make_user: Any) -> Case:
    declarant = make_user(Role.DECLARANT, structure=world.military)
    return make_case(world.military, declarant, care_impact="actual")


def test_the_queue_lists_what_waits_oldest_first(world: Any) -> None:
    receive(mail("Premier", sender="a@chu-vienne.fr"))
    receive(mail("Second", sender="b@chu-vienne.fr"), mailbox="acss")
    html = client_for(world.acss).get("/courriels/").content.decode()
    assert html.index("Premier") < html.index("Second")
    assert "2 courriels" in html
    assert "boîte de la cellule" in html and "boîte du FSSI" in html


@pytest.mark.parametrize(
    "name", ["ars_ara", "declarant_lyon", "dgs", "ansm", "defence", "admin", "vendor_contact"]
)
def test_the_queue_is_the_cell_and_the_fssi_only(world: Any, name: str) -> None:
    message = receive(mail("Secret", "Contenu confidentiel"))
    client = client_for(getattr(world, name))
    assert client.get("/courriels/").status_code == 403
    assert client.get(f"/courriels/{message.pk}/").status_code == 404
    assert client.get(f"/courriels/{message.pk}/original/").status_code == 404
    response = client.post(f"/courriels/{message.pk}/ecarter/", {"reason": "x"})
    assert response.status_code == 404
    assert InboundMessage.objects.get(pk=message.pk).status == MessageStatus.TO_SORT


def test_anonymous_and_password_only_sessions_are_sent_away(world: Any) -> None:
    message = receive(mail("Secret"))
    anonymous = Client().get(f"/courriels/{message.pk}/")
    assert anonymous.status_code == 302 and "/compte/" in anonymous["Location"]
    password_only = Client()
    password_only.force_login(world.acss)  # no second factor in this session
    response = password_only.get(f"/courriels/{message.pk}/")
    assert response.status_code == 302
    assert "Secret" not in response.content.decode()


def test_the_cell_attaches_a_message_from_its_page(world: Any, civil: Case) -> None:
    message = receive(mail("Suite de l’appel de ce matin", "Voici les journaux."))
    client = client_for(world.acss)
    page = client.get(f"/courriels/{message.pk}/").content.decode()
    assert "Voici les journaux." in page and "Le rattacher à un dossier" in page
    response = client.post(f"/courriels/{message.pk}/rattacher/", {"reference": civil.reference})
    assert response.status_code == 302
    assert response["Location"] == f"/dossiers/{civil.pk}/#emails"
    assert InboundMessage.objects.get(pk=message.pk).case == civil


def test_attaching_to_a_case_out_of_reach_says_no_more_than_for_none(
    world: Any, military: Case
) -> None:
    message = receive(mail("Hôpital des armées"))
    client = client_for(world.acss)
    hidden = client.post(f"/courriels/{message.pk}/rattacher/", {"reference": military.reference})
    missing = client.post(f"/courriels/{message.pk}/rattacher/", {"reference": "SSI-2001-00009"})
    assert hidden.status_code == missing.status_code == 400
    strip = lambda r, ref: r.content.decode().replace(ref, "REF")  # noqa: E731
    hidden_text = strip(hidden, military.reference)
    missing_text = strip(missing, "SSI-2001-00009")
    assert hidden_text.count("Aucun dossier que vous pouvez consulter") == 1
    assert "csrf" in hidden_text  # a page, compared below without its tokens
    assert _without_tokens(hidden_text) == _without_tokens(missing_text)
    assert InboundMessage.objects.get(pk=message.pk).status == MessageStatus.TO_SORT


def _without_tokens(html: str) -> str:
    import re

    return re.sub(r'(value|content|nonce)="[^"]*"', "", html)


def test_setting_aside_from_the_page_needs_a_reason(world: Any) -> None:
    message = receive(mail("Publicité"))
    client = client_for(world.hfds)
    refused = client.post(f"/courriels/{message.pk}/ecarter/", {"reason": ""})
    assert refused.status_code == 400
    assert "Indiquez pourquoi ce courriel est écarté." in refused.content.decode()
    done = client.post(f"/courriels/{message.pk}/ecarter/", {"reason": "Pourriel"})
    assert done.status_code == 302
    sorted_tab = client.get("/courriels/?vue=tries").content.decode()
    assert "Publicité" in sorted_tab and "Écarté" in sorted_tab


def test_the_case_page_shows_its_e_mails_to_its_full_readers(world: Any, civil: Case) -> None:
    receive(
        mail(
            f"RE: {civil.reference} journaux",
            "Les journaux du pare-feu sont joints.",
            attachments=[("pare-feu.pdf", PDF, "application/pdf")],
        )
    )
    for user in (world.declarant_lyon, world.acss, world.ars_ara, world.hfds):
        html = client_for(user).get(f"/dossiers/{civil.pk}/").content.decode()
        assert 'data-testid="case-emails"' in html, user
        assert "Les journaux du pare-feu sont joints." in html
        assert "pare-feu.pdf" in html
        assert "1 courriel est arrivé" in html
        assert "viennent de l’extérieur de Vigie" in html


def test_the_case_page_of_a_military_hospital_keeps_its_e_mails_from_the_ars(
    world: Any, military: Case
) -> None:
    receive(mail(f"RE: {military.reference}", "Détail des systèmes touchés"))
    # The ARS reads this case's summary (care affected), never its messages.
    summary = client_for(world.ars_idf).get(f"/dossiers/{military.pk}/")
    assert "Détail des systèmes touchés" not in summary.content.decode()
    assert 'data-testid="case-emails"' not in summary.content.decode()
    full = client_for(world.defence).get(f"/dossiers/{military.pk}/").content.decode()
    assert "Détail des systèmes touchés" in full


def test_attachments_and_the_original_follow_the_case(world: Any, civil: Case) -> None:
    message = receive(
        mail(f"{civil.reference}", "Voir pièce", attachments=[("note.pdf", PDF, "application/pdf")])
    )
    attachment = message.attachments.get()
    url = f"/courriels/{message.pk}/pieces/{attachment.pk}/"
    ok = client_for(world.declarant_lyon).get(url)
    assert ok.status_code == 200
    assert ok["Content-Type"] == "application/pdf"
    assert ok["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in ok["Content-Disposition"]
    assert b"".join(ok.streaming_content).startswith(b"%PDF")
    original = client_for(world.acss).get(f"/courriels/{message.pk}/original/")
    assert original.status_code == 200 and original["Content-Type"] == "message/rfc822"
    for name in ("ars_idf", "declarant_reunion", "dgs", "admin", "nobody"):
        client = client_for(getattr(world, name))
        assert client.get(url).status_code == 404, name
        assert client.get(f"/courriels/{message.pk}/").status_code == 404, name
    # Another message's id in the path does not reach this file.
    other = receive(mail("Autre"))
    assert (
        client_for(world.acss).get(f"/courriels/{other.pk}/pieces/{attachment.pk}/").status_code
        == 404
    )


def test_an_unreadable_message_is_shown_as_such(world: Any) -> None:
    raw = b"From: a@b.fr\r\nTo: :;;@@\r\nSubject: x\r\n\r\nTexte\r\n"
    message = message_receive(mailbox="acss", raw=raw)[0]
    html = client_for(world.acss).get(f"/courriels/{message.pk}/").content.decode()
    assert "n’a pas pu être lu automatiquement" in html
    assert f"/courriels/{message.pk}/original/" in html


def test_html_is_shown_as_text_never_rendered(world: Any) -> None:
    from tests.inbox.mails import html_only

    message = receive(
        html_only("Lien", '<p>Cliquez <a href="http://x.test">ici</a></p><script>alert(1)</script>')
    )
    html = client_for(world.acss).get(f"/courriels/{message.pk}/").content.decode()
    assert "Cliquez ici" in html
    assert "alert(1)" not in html and 'href="http://x.test"' not in html


def test_the_menu_leads_the_cell_to_the_queue(world: Any) -> None:
    assert 'href="/courriels/"' in client_for(world.acss).get("/").content.decode()
    assert 'href="/courriels/"' not in client_for(world.ars_ara).get("/").content.decode()


def test_the_home_page_of_the_cell_counts_what_waits(world: Any) -> None:
    receive(mail("Un"))
    receive(mail("Deux"))
    home = client_for(world.hfds).get("/").content.decode()
    assert 'data-testid="work-emails" data-count="2"' in home
    assert "courriels à trier" in home
    assert 'data-testid="work-emails"' not in client_for(world.ars_ara).get("/").content.decode()
