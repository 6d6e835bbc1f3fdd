"""Where a stored message goes, who hears of it, and the sorting by the person on call:
scoping and the audience rule on every message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.inbox.mails import mail
from vigie.cases.models import Case
from vigie.cases.scopes import Level, case_level
from vigie.cases.services import case_take
from vigie.core.scoping import scope_for
from vigie.inbox.models import InboundMessage, MessageStatus
from vigie.inbox.scopes import case_full_filter
from vigie.inbox.services import (
    case_for_reference,
    message_attach,
    message_dismiss,
    message_receive,
)
from vigie.notifications.models import Notification, OutgoingEmail
from vigie.oncall.models import OnCallShift

pytestmark = pytest.mark.django_db

PEOPLE = (
    "declarant_lyon", "member_lyon", "declarant_reunion", "director_paris", "acss",
    "ars_ara", "ars_idf", "ars_reunion", "hfds", "dgs", "ansm", "defence",
    "vendor_contact", "admin", "nobody",
)  # fmt: skip


def receive(message: Any, mailbox: str = "fssi") -> InboundMessage:
    stored, created = message_receive(mailbox=mailbox, raw=bytes(message))
    assert created
    return stored


@pytest.fixture
def cases(world: Any, make_case: Any, make_user: Any) -> dict[str, Case]:
    from vigie.directory.models import Role

    world.declarant_military = make_user(Role.DECLARANT, structure=world.military)
    return {
        "civil": make_case(world.lyon, world.declarant_lyon),
        "military": make_case(world.military, world.declarant_military),
        "military_care": make_case(world.military, world.declarant_military, care_impact="actual"),
        "reunion": make_case(world.reunion, world.declarant_reunion),
    }


def test_full_readers_of_messages_are_exactly_the_full_readers_of_the_case(
    world: Any, cases: dict[str, Case]
) -> None:
    for name in PEOPLE:
        scope = scope_for(getattr(world, name))
        condition = case_full_filter(scope)
        queryset = Case.objects.all() if condition is None else Case.objects.filter(condition)
        expected = {c.pk for c in cases.values() if case_level(scope, c) == Level.FULL}
        assert set(queryset.values_list("pk", flat=True)) == expected, name


def test_who_reads_which_message(world: Any, cases: dict[str, Case]) -> None:
    attached = {
        kind: receive(mail(f"Re: {case.reference}", "Point de situation"))
        for kind, case in cases.items()
    }
    to_sort = receive(mail("Sans référence"))
    dismissed = receive(mail("Publicité"))
    message_dismiss(message=dismissed, by=world.acss, reason="Pourriel")

    def readable(name: str) -> set[str]:
        visible = set(
            InboundMessage.objects.visible_to(getattr(world, name)).values_list("pk", flat=True)
        )
        labels = {kind for kind, m in attached.items() if m.pk in visible}
        labels |= {"to_sort"} if to_sort.pk in visible else set()
        labels |= {"dismissed"} if dismissed.pk in visible else set()
        return labels

    everything = {"civil", "military", "military_care", "reunion", "to_sort", "dismissed"}
    assert readable("hfds") == everything
    # The cell: not the military hospital's case it was not given.
    assert readable("acss") == {"civil", "reunion", "to_sort", "dismissed"}
    assert readable("defence") == {"military", "military_care"}
    assert readable("declarant_lyon") == readable("member_lyon") == {"civil"}
    assert readable("declarant_reunion") == {"reunion"}
    assert readable("ars_ara") == {"civil"}
    assert readable("ars_reunion") == {"reunion"}
    # The ARS of a military hospital whose care is affected reads its summary, no message.
    assert readable("ars_idf") == set()
    for name in ("dgs", "ansm", "vendor_contact", "admin", "nobody", "director_paris"):
        assert readable(name) == set(), name


def test_a_message_shared_by_the_defence_chain_reaches_the_cell_with_the_case(
    world: Any, cases: dict[str, Case]
) -> None:
    from vigie.cases.services import case_share_with_cell

    message = receive(mail(f"TR: {cases['military'].reference}"))
    assert not InboundMessage.objects.visible_to(world.acss).filter(pk=message.pk).exists()
    case_share_with_cell(case=cases["military"], by=world.defence, version=None, reason="Appui")
    assert InboundMessage.objects.visible_to(world.acss).filter(pk=message.pk).exists()


def test_those_on_the_case_hear_of_a_message_through_the_audience_rule(
    world: Any, cases: dict[str, Case]
) -> None:
    case = cases["civil"]
    case_take(case=case, by=world.acss)
    Notification.objects.all().delete()
    receive(mail(f"Re: {case.reference} — suite", sender="Jean Dupont <rssi@chu-lyon.fr>"))
    notice = Notification.objects.get(user=world.acss, topic=f"case:{case.pk}")
    assert notice.title == f"{case.reference} — Courriel reçu"
    assert "rssi@chu-lyon.fr" in notice.body
    email = OutgoingEmail.objects.get(purpose="inbox:attached")
    assert email.to == [world.acss.email]
    assert email.subject.startswith(case.reference)


def test_a_military_case_message_is_never_told_to_the_cell(
    world: Any, cases: dict[str, Case]
) -> None:
    case = cases["military_care"]
    Notification.objects.all().delete()
    # Nobody on the case: the fallback is the cell, which may not read it.
    receive(mail(f"Re: {case.reference}", "Détails sensibles"))
    assert not Notification.objects.filter(topic=f"case:{case.pk}").exists()
    assert not OutgoingEmail.objects.filter(purpose="inbox:attached").exists()
    # The defence chain on the case hears of it; the ARS (summary only) does not.
    case_take(case=case, by=world.defence)
    receive(mail(f"Re: {case.reference} (2)", "Suite"))
    assert list(
        Notification.objects.filter(
            topic=f"case:{case.pk}", title__contains="Courriel"
        ).values_list("user", flat=True)
    ) == [world.defence.pk]


def test_a_message_to_sort_tells_the_cell_once_until_read(world: Any) -> None:
    receive(mail("Attaque en cours"))
    receive(mail("Encore une"))
    notices = Notification.objects.filter(topic="inbox:to_sort")
    assert list(notices.values_list("user", flat=True)) == [world.acss.pk]
    email = OutgoingEmail.objects.get(purpose="inbox:to_sort")
    assert email.to == [world.acss.email]
    # Nothing of the message leaves by e-mail.
    assert "Attaque" not in email.body and "Attaque" not in email.subject
    notices.update(read_at=timezone.now())
    receive(mail("Une troisième"))
    assert Notification.objects.filter(topic="inbox:to_sort", read_at__isnull=True).count() == 1


def test_the_person_on_call_for_the_mailbox_is_told(world: Any, make_user: Any) -> None:
    from vigie.directory.models import Role

    fssi_on_call = make_user(Role.HFDS)
    now = timezone.now()
    OnCallShift.objects.create(
        person=fssi_on_call,
        kind="fssi",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=11),
        recorded_by=world.hfds,
    )
    receive(mail("La nuit, au FSSI"), mailbox="fssi")
    assert list(
        Notification.objects.filter(topic="inbox:to_sort").values_list("user", flat=True)
    ) == [fssi_on_call.pk]


def test_automatic_messages_are_stored_but_tell_nobody(world: Any, cases: dict[str, Case]) -> None:
    Notification.objects.all().delete()
    receive(mail("Absence du bureau", Auto_Submitted="auto-replied"))
    receive(
        mail(f"Réponse automatique : {cases['civil'].reference}", Auto_Submitted="auto-replied")
    )
    assert InboundMessage.objects.filter(automatic=True).count() == 2
    assert not Notification.objects.exists()


def test_the_cell_attaches_a_message_to_a_case_it_reads(world: Any, cases: dict[str, Case]) -> None:
    message = receive(mail("Suite de notre appel"))
    case = case_for_reference(world.acss, cases["civil"].reference.lower())
    message_attach(message=message, case=case, by=world.acss)
    message.refresh_from_db()
    assert (message.status, message.case, message.handled_by) == (
        MessageStatus.ATTACHED,
        cases["civil"],
        world.acss,
    )
    with pytest.raises(ValidationError, match="déjà été trié"):
        message_dismiss(message=message, by=world.acss, reason="x")


def test_a_case_the_sorter_cannot_read_answers_like_one_that_does_not_exist(
    world: Any, cases: dict[str, Case]
) -> None:
    hidden = cases["military"].reference
    with pytest.raises(ValidationError) as hidden_error:
        case_for_reference(world.acss, hidden)
    with pytest.raises(ValidationError) as missing_error:
        case_for_reference(world.acss, "SSI-2001-00001")
    assert hidden_error.value.messages[0].replace(hidden, "X") == missing_error.value.messages[
        0
    ].replace("SSI-2001-00001", "X")
    message = receive(mail("Hors périmètre"))
    with pytest.raises(PermissionDenied):
        message_attach(message=message, case=cases["military"], by=world.acss)
    assert InboundMessage.objects.get(pk=message.pk).status == MessageStatus.TO_SORT


@pytest.mark.parametrize("name", ["ars_ara", "declarant_lyon", "dgs", "admin", "defence"])
def test_only_the_cell_and_the_fssi_sort(world: Any, cases: dict[str, Case], name: str) -> None:
    message = receive(mail("À trier"))
    with pytest.raises(PermissionDenied):
        message_attach(message=message, case=cases["civil"], by=getattr(world, name))
    with pytest.raises(PermissionDenied):
        message_dismiss(message=message, by=getattr(world, name), reason="Non")


def test_setting_aside_needs_a_reason(world: Any) -> None:
    message = receive(mail("Pub"))
    with pytest.raises(ValidationError):
        message_dismiss(message=message, by=world.hfds, reason="  ")
    message_dismiss(message=message, by=world.hfds, reason="Pourriel")
    message.refresh_from_db()
    assert (message.status, message.dismiss_reason) == (MessageStatus.DISMISSED, "Pourriel")


def test_refused_attachments_are_listed_not_kept(world: Any) -> None:
    message = receive(
        mail(
            "Pièces",
            attachments=[
                ("facture.pdf.exe", b"MZ\x90\x00binary", "application/octet-stream"),
                ("faux.pdf", b"not a pdf at all", "application/pdf"),
                ("journal.txt", b"12:00 connexion refusee\n", "text/plain"),
            ],
        )
    )
    assert [a.original_name for a in message.attachments.all()] == ["journal.txt"]
    assert [r["name"] for r in message.refused_attachments] == ["facture.pdf.exe", "faux.pdf"]
    assert all(r["reason"] for r in message.refused_attachments)
