"""A thread comes back to its case: Vigie's e-mails about a case carry its reference in
the subject and a Reply-To of the mailbox Vigie reads; the reply, sent through a real
SMTP server and read back from a real IMAP server, lands on the case. Vigie's own copies
(Auto-Submitted) are kept but tell nobody, so nothing loops."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from vigie.cases.services import case_ask, case_take
from vigie.inbox.imap import MailboxConfig
from vigie.inbox.models import InboundMessage, MessageStatus
from vigie.inbox.tasks import mailbox_fetch
from vigie.notifications.models import Notification


@pytest.mark.django_db(transaction=True)
def test_a_reply_to_a_question_comes_back_to_the_case(
    world: Any,
    make_case: Any,
    smtp_server: Any,
    run_worker: Any,
    acss_box: Any,
    settings: Any,
) -> None:
    settings.VIGIE_REPLY_TO = acss_box.user  # the cell's mailbox, read by Vigie
    case = make_case(world.lyon, world.declarant_lyon)
    case_take(case=case, by=world.acss)
    case_ask(case=case, by=world.acss, text="Quels serveurs sont chiffrés ?")
    smtp_server.messages.clear()
    run_worker(["email"])

    sent = smtp_server.to(case.declaration.declarant_email)
    question = next(m["msg"] for m in sent if "Quels serveurs" in m["msg"].get_content())
    assert question["Subject"].strip().startswith(case.reference)
    assert question["Reply-To"] == acss_box.user
    assert question["Auto-Submitted"] == "auto-generated"

    # The declarant answers from their mail client; a copy of Vigie's own e-mail also
    # reached the mailbox (as the routed declarations do).
    reply = EmailMessage()
    reply["From"] = case.declaration.declarant_email
    reply["To"] = question["Reply-To"]
    reply["Subject"] = f"RE: {question['Subject'].strip()}"
    reply["Message-ID"] = "<reponse-1@chu-lyon.fr>"
    reply["In-Reply-To"] = question["Message-ID"]
    reply.set_content("Les serveurs de fichiers et le DPI.\n\n> " + question.get_content())
    acss_box.deliver(reply)
    acss_box.deliver(question.as_bytes())
    Notification.objects.all().delete()

    mailbox_fetch(MailboxConfig.from_settings("acss", acss_box.settings()))

    answer = InboundMessage.objects.get(message_id="<reponse-1@chu-lyon.fr>")
    assert (answer.status, answer.case) == (MessageStatus.ATTACHED, case)
    copy = InboundMessage.objects.exclude(pk=answer.pk).get()
    assert (copy.case, copy.automatic) == (case, True)
    # Those on the case hear of the reply once; Vigie's own copy tells nobody.
    notices = Notification.objects.filter(topic=f"case:{case.pk}")
    assert list(notices.values_list("user", flat=True)) == [world.acss.pk]
