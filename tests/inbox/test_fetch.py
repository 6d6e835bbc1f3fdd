"""The worker reads the functional mailboxes from a real IMAP server (Dovecot, started by
tests/inbox/conftest.py): what is stored, where it goes, and what is marked processed on
the server, when."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from tests.inbox.mails import PDF, mail
from vigie.inbox.imap import PROCESSED_KEYWORD, MailboxConfig
from vigie.inbox.models import InboundMessage, MessageStatus
from vigie.inbox.tasks import mailbox_fetch

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(box: Any, name: str = "fssi", **extra: Any) -> Any:
    return mailbox_fetch(MailboxConfig.from_settings(name, box.settings(**extra)))


def test_a_message_naming_a_case_is_attached_to_it_and_flagged_after(
    world: Any, make_case: Any, fssi_box: Any
) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    number = int(case.reference.rsplit("-", 1)[1])
    year = case.reference.split("-")[1]
    # Typed by a person: lower case, without the leading zeros.
    fssi_box.deliver(
        mail(
            f"RE: ssi-{year}-{number} point de situation",
            attachments=[("log.pdf", PDF, "application/pdf")],
        )
    )

    report = fetch(fssi_box)

    assert report.stored == 1
    message = InboundMessage.objects.get()
    assert message.status == MessageStatus.ATTACHED
    assert message.case == case
    assert message.matched_reference == case.reference
    assert message.sender_address == "rssi@chu-lyon.fr"
    assert "chiffrés" in message.body
    assert [a.original_name for a in message.attachments.all()] == ["log.pdf"]
    assert message.attachments.get().content_type == "application/pdf"
    assert message.raw.read().startswith(b"From:") or b"Subject:" in message.raw.read()
    # Marked processed only now, and still unread for the people using a mail client.
    assert fssi_box.flags() == [PROCESSED_KEYWORD]


def test_a_message_naming_no_case_waits_to_be_sorted(world: Any, fssi_box: Any) -> None:
    fssi_box.deliver(mail("Attaque en cours au CH de Vienne", "Rappelez-moi au 04 74 00 00 00"))
    fetch(fssi_box)
    message = InboundMessage.objects.get()
    assert message.status == MessageStatus.TO_SORT
    assert message.case is None


def test_an_unknown_reference_waits_to_be_sorted(world: Any, fssi_box: Any) -> None:
    fssi_box.deliver(mail("Suite SSI-2019-00042"))
    fetch(fssi_box)
    assert InboundMessage.objects.get().status == MessageStatus.TO_SORT


def test_a_text_naming_two_cases_is_left_to_a_person(
    world: Any, make_case: Any, fssi_box: Any
) -> None:
    one = make_case(world.lyon, world.declarant_lyon)
    two = make_case(world.paris, world.director_paris)
    fssi_box.deliver(mail("Deux incidents liés ?", f"Voir {one.reference} et {two.reference}."))
    fetch(fssi_box)
    assert InboundMessage.objects.get().status == MessageStatus.TO_SORT


def test_the_subject_wins_over_the_text(world: Any, make_case: Any, fssi_box: Any) -> None:
    one = make_case(world.lyon, world.declarant_lyon)
    two = make_case(world.paris, world.director_paris)
    fssi_box.deliver(mail(f"Re: {two.reference}", f"Comme pour {one.reference}."))
    fetch(fssi_box)
    assert InboundMessage.objects.get().case == two


def test_a_duplicate_is_stored_once_and_both_are_marked(
    world: Any, fssi_box: Any, acss_box: Any
) -> None:
    # The same message sent to both functional mailboxes, and twice to one of them.
    message = mail("Alerte", message_id="<same@chu-lyon.fr>")
    fssi_box.deliver(message)
    fssi_box.deliver(message)
    acss_box.deliver(message)

    first = fetch(fssi_box)
    second = fetch(acss_box, "acss")

    assert (first.stored, first.duplicates, second.stored, second.duplicates) == (1, 1, 0, 1)
    assert InboundMessage.objects.count() == 1
    assert fssi_box.flags() == [PROCESSED_KEYWORD, PROCESSED_KEYWORD]
    assert acss_box.flags() == [PROCESSED_KEYWORD]
    # Nothing left to fetch.
    assert fetch(fssi_box).stored == fetch(fssi_box).duplicates == 0


def test_a_message_the_parser_cannot_read_is_kept_raw_and_queued(world: Any, fssi_box: Any) -> None:
    # A malformed To header that makes Python's own e-mail parser fail.
    raw = (
        b"From: rssi@chu-lyon.fr\r\nTo: :;;@@\r\nSubject: urgent\r\n"
        b"Message-ID: <broken@chu-lyon.fr>\r\n\r\nLe SI est tomb\xe9.\r\n"
    )
    fssi_box.deliver(raw)
    fetch(fssi_box)
    message = InboundMessage.objects.get()
    assert message.status == MessageStatus.TO_SORT
    assert message.is_unreadable
    assert message.raw.read() == raw
    assert fssi_box.flags() == [PROCESSED_KEYWORD]


def test_nothing_is_marked_when_the_message_could_not_be_stored(
    world: Any, fssi_box: Any, settings: Any, tmp_path: Any
) -> None:
    fssi_box.deliver(mail("Incident"))
    # Uploads cannot be written: storing fails, the message stays unmarked on the server.
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    settings.MEDIA_ROOT = str(blocked)
    with pytest.raises(OSError):
        fetch(fssi_box)
    assert InboundMessage.objects.count() == 0
    assert fssi_box.flags() == [""]

    settings.MEDIA_ROOT = str(tmp_path / "media")
    assert fetch(fssi_box).stored == 1
    assert fssi_box.flags() == [PROCESSED_KEYWORD]


def test_processed_messages_can_be_moved_to_a_folder(world: Any, fssi_box: Any) -> None:
    fssi_box.deliver(mail("Un"))
    fssi_box.deliver(mail("Deux"))
    report = fetch(fssi_box, processed_folder="Traités par Vigie")
    assert report.stored == 2
    assert fssi_box.count() == 0
    assert fssi_box.count("Traités par Vigie") == 2


def test_a_message_too_large_is_recorded_from_its_headers_and_left_there(
    world: Any, fssi_box: Any, settings: Any
) -> None:
    settings.VIGIE_INBOX_MAX_MESSAGE_BYTES = 2000
    fssi_box.deliver(mail("Journaux", "x" * 5000))
    fetch(fssi_box)
    message = InboundMessage.objects.get()
    assert message.headers_only
    assert message.subject == "Journaux"
    assert message.status == MessageStatus.TO_SORT
    assert message.raw_size > 5000
    assert fssi_box.count() == 1


@pytest.mark.parametrize("tls", ["ssl", "starttls"])
def test_tls_with_a_checked_certificate(world: Any, fssi_box: Any, tls: str) -> None:
    fssi_box.deliver(mail("Chiffré"))
    assert fetch(fssi_box, tls=tls).stored == 1


def test_an_unknown_certificate_is_refused(world: Any, fssi_box: Any) -> None:
    fssi_box.deliver(mail("Chiffré"))
    with pytest.raises(OSError):  # ssl.SSLCertVerificationError
        fetch(fssi_box, tls="ssl", ca_file="")
    assert InboundMessage.objects.count() == 0


def test_a_wrong_password_is_an_error_not_a_silence(world: Any, fssi_box: Any) -> None:
    with pytest.raises(Exception, match=r"LOGIN|AUTHENTICATIONFAILED"):
        fetch(fssi_box, password="wrong")


def test_the_worker_reads_every_configured_mailbox(
    world: Any, fssi_box: Any, acss_box: Any, run_worker: Any
) -> None:
    from vigie.inbox.tasks import inbox_fetch

    fssi_box.deliver(mail("Pour le FSSI"))
    acss_box.deliver(mail("Pour la cellule"))
    with override_settings(
        VIGIE_INBOXES={"fssi": fssi_box.settings(), "acss": acss_box.settings(tls="ssl")}
    ):
        inbox_fetch.defer(timestamp=0)
        run_worker(queues=["inbox"])
    assert sorted(InboundMessage.objects.values_list("mailbox", "subject")) == [
        ("acss", "Pour la cellule"),
        ("fssi", "Pour le FSSI"),
    ]


def test_no_mailbox_configured_means_nothing_is_read(world: Any) -> None:
    from vigie.inbox.imap import mailbox_configs

    with override_settings(VIGIE_INBOXES={}):
        assert mailbox_configs() == []


def test_a_mailbox_that_cannot_be_read_shows_on_the_queue(
    world: Any, fssi_box: Any, acss_box: Any
) -> None:
    from tests.factories import client_for
    from vigie.inbox.models import MailboxState
    from vigie.inbox.tasks import inbox_fetch

    acss_box.deliver(mail("Pour la cellule"))
    with override_settings(
        VIGIE_INBOXES={"fssi": fssi_box.settings(password="wrong"), "acss": acss_box.settings()}
    ):
        # One box refused does not keep the other from being read.
        assert inbox_fetch(timestamp=0) == 1
        fssi = MailboxState.objects.get(mailbox="fssi")
        assert fssi.failing and "AUTHENTICATIONFAILED" in fssi.last_error
        assert not MailboxState.objects.get(mailbox="acss").failing
        html = client_for(world.acss).get("/courriels/").content.decode()
    assert 'data-testid="mailbox-failing"' in html
    assert "La boîte du FSSI n’a pas pu être relevée" in html
    assert "Boîte de la cellule : relevée le" in html


def test_nul_characters_in_a_message_do_not_block_the_mailbox(world: Any, fssi_box: Any) -> None:
    import base64

    # A text part whose decoded content holds NUL characters (PostgreSQL text cannot).
    body = base64.b64encode(b"Journal\x00 du pare-feu\x00").decode()
    raw = (
        "From: rssi@chu-lyon.fr\r\nTo: ssi@sg.social.gouv.fr\r\nSubject: Journal\r\n"
        "Message-ID: <nul@chu-lyon.fr>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{body}\r\n"
    ).encode()
    fssi_box.deliver(raw)
    fssi_box.deliver(mail("Le suivant"))
    assert fetch(fssi_box).stored == 2
    assert InboundMessage.objects.get(subject="Journal").body == "Journal du pare-feu"
    assert fssi_box.flags() == [PROCESSED_KEYWORD, PROCESSED_KEYWORD]
