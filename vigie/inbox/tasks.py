"""The worker reads the functional mailboxes: every minute, each configured box.

For each message not processed yet, oldest first: fetch it (without marking it read),
store it (``message_receive``, its own transaction), and only once that has committed,
mark it processed on the server (keyword, or move to the processed folder). A crash in
between leaves it unmarked: the next run fetches it again, finds its Message-ID stored
and only marks it. A server that cannot be reached is retried at the next run.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from procrastinate.contrib.django import app

from vigie.inbox.imap import MailboxConfig, MailboxError, MailboxSession, mailbox_configs
from vigie.inbox.services import mailbox_state_record, message_receive

logger = logging.getLogger(__name__)


@dataclass
class FetchReport:
    box: str
    stored: int = 0
    duplicates: int = 0
    marked: int = 0
    errors: list[str] = field(default_factory=list)


def mailbox_fetch(config: MailboxConfig, *, limit: int | None = None) -> FetchReport:
    """Fetch, store and mark the pending messages of one mailbox."""
    report = FetchReport(box=config.box)
    limit = limit if limit is not None else settings.VIGIE_INBOX_BATCH
    with MailboxSession(config) as session:
        for uid in session.pending()[:limit]:
            size = session.size(uid)
            too_large = size > settings.VIGIE_INBOX_MAX_MESSAGE_BYTES
            raw = session.fetch(uid, headers_only=too_large)
            receive = partial(
                message_receive, mailbox=config.box, raw=raw, headers_only=too_large, size=size
            )
            try:
                created = _store(receive, session, uid)
            except (OperationalError, InterfaceError, OSError):
                raise  # the database or the storage is away: try again at the next run
            except Exception as exc:
                # Something in this message itself: keep it raw for a person rather than
                # stop the mailbox at it run after run.
                report.errors.append(type(exc).__name__)
                created = _store(partial(receive, unreadable=type(exc).__name__), session, uid)
            if created:
                report.stored += 1
            else:
                report.duplicates += 1
            report.marked += 1
    return report


def _store(receive: Callable[[], tuple[object, bool]], session: MailboxSession, uid: str) -> bool:
    with transaction.atomic():
        _message, created = receive()
        # Runs once the message is committed (at once when no outer transaction).
        transaction.on_commit(lambda: session.mark_processed(uid))
    return created


@app.periodic(cron="* * * * *", periodic_id="inbox_fetch")
@app.task(name="inbox.fetch", queue="inbox", queueing_lock="inbox_fetch", lock="inbox_fetch")
def inbox_fetch(timestamp: int) -> int:
    """Read every configured mailbox; one that fails does not stop the others."""
    stored = 0
    for config in mailbox_configs():
        try:
            report = mailbox_fetch(config)
        except (MailboxError, imaplib.IMAP4.error) as exc:
            # The server's answer (a refused login, a missing folder): shown to the cell.
            _failed(config, f"{type(exc).__name__}: {exc}")
            continue
        except (OSError, ssl.SSLError) as exc:
            _failed(config, type(exc).__name__)
            continue
        mailbox_state_record(mailbox=config.box)
        stored += report.stored
        if report.stored or report.duplicates:
            logger.info(
                "Mailbox %s: %s stored, %s already known",
                config.box,
                report.stored,
                report.duplicates,
            )
    return stored


def _failed(config: MailboxConfig, error: str) -> None:
    # The kind of error only in the logs: nothing personal there.
    logger.warning("Mailbox %s not read: %s", config.box, error.split(":")[0])
    mailbox_state_record(mailbox=config.box, error=error)
