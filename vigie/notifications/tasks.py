"""Worker tasks: deliver outbox e-mails with retries, and sweep the outbox."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import DatabaseError, transaction
from django.utils import timezone
from procrastinate import BaseRetryStrategy, RetryDecision, exceptions
from procrastinate.contrib.django import app
from procrastinate.jobs import Job

from vigie.core.jobs import every
from vigie.notifications.models import EmailStatus, OutgoingEmail

logger = logging.getLogger(__name__)


class EmailRetry(BaseRetryStrategy):
    """Back off from one minute to one hour; give up after about a day of failures."""

    max_attempts = 30

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if job.attempts >= self.max_attempts:
            return None
        base = settings.VIGIE_EMAIL_RETRY_SECONDS
        return RetryDecision(retry_in={"seconds": min(base * 2**job.attempts, 3600)})


def outbox_message_id(email: OutgoingEmail) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "vigie.invalid"
    return f"<vigie.{email.pk}.{email.created_at:%Y%m%d%H%M%S%f}@{domain}>"


@app.task(name="notifications.email_send", queue="email", retry=EmailRetry())
def email_send(email_id: int) -> None:
    """Send one outbox row. Raising makes Procrastinate retry it later."""
    failure: Exception | None = None
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=EmailStatus.PENDING)
            .first()
        )
        if email is None:
            return  # already sent (or being sent by another worker)
        message = EmailMessage(
            subject=email.subject,
            body=email.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=list(email.to),
            # Replies go to the functional mailbox Vigie reads (vigie/inbox), where the
            # case reference of the subject brings them back to their case.
            reply_to=[settings.VIGIE_REPLY_TO] if settings.VIGIE_REPLY_TO else None,
            # RFC 3834: sent by a program. Out-of-office answers are not sent back, and
            # a copy reaching a mailbox Vigie reads tells nobody again (no loop).
            # One Message-ID per outbox row, the same at every attempt: if the SMTP relay
            # accepted a message but the worker died before recording it, the copy sent
            # again is recognisably the same message (mail clients and Vigie's own
            # mailbox reader keep one).
            headers={"Auto-Submitted": "auto-generated", "Message-ID": outbox_message_id(email)},
        )
        try:
            message.send(fail_silently=False)
        except Exception as exc:
            # The failure is recorded and committed before re-raising for a retry.
            email.attempts += 1
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= EmailRetry.max_attempts:
                email.status = EmailStatus.FAILED
            email.save(update_fields=["attempts", "last_error", "status"])
            logger.warning("E-mail %s not sent (attempt %s): %s", email.pk, email.attempts, exc)
            failure = exc
        else:
            email.status = EmailStatus.SENT
            email.sent_at = timezone.now()
            email.attempts += 1
            email.last_error = ""
            email.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    if failure is not None:
        raise failure


@app.periodic(cron=every(settings.VIGIE_HOUSEKEEPING_SECONDS), periodic_id="email_sweep")
@app.task(name="notifications.email_sweep", queue="email", queueing_lock="email_sweep")
def email_sweep(timestamp: int) -> int:
    """Re-queue pending e-mails whose job was lost: a web node or the database gone right
    after the commit, a job left 'doing' by a worker cut from the database. Harmless for
    one still queued (queueing lock) or being sent (row lock, status checked)."""
    stale = timezone.now() - timedelta(seconds=settings.VIGIE_EMAIL_SWEEP_SECONDS)
    ids = list(
        OutgoingEmail.objects.filter(status=EmailStatus.PENDING, created_at__lt=stale)
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    for email_id in ids:
        email_dispatch(email_id=email_id)
    return len(ids)


# --- handing committed outbox rows to the worker ---------------------------------------


def email_dispatch(*, email_id: int) -> None:
    """Hand a committed outbox row to the worker (a duplicate request is harmless). The
    row is committed: if the queue cannot be reached now, the sweep sends it later, and
    the request that wrote it still succeeds."""
    try:
        with contextlib.suppress(exceptions.AlreadyEnqueued):
            email_send.configure(queueing_lock=f"email-{email_id}").defer(email_id=email_id)
    except (exceptions.ConnectorException, DatabaseError) as exc:
        logger.warning("E-mail %s left for the sweep: %s", email_id, type(exc).__name__)


def emails_dispatch(email_ids: list[int]) -> None:
    """Hand several committed outbox rows to the worker in one statement."""
    if not email_ids:
        return
    deferrers = [email_send.configure(queueing_lock=f"email-{email_id}") for email_id in email_ids]
    jobs = [
        deferrer.make_new_job(email_id=email_id)
        for deferrer, email_id in zip(deferrers, email_ids, strict=True)
    ]
    try:
        deferrers[0].job_manager.batch_defer_jobs(jobs=jobs)
    except (exceptions.ConnectorException, DatabaseError) as exc:
        logger.warning("%s e-mails left for the sweep: %s", len(email_ids), type(exc).__name__)
    except exceptions.AlreadyEnqueued:
        # The sweep got to one of them first: the batch was refused as a whole.
        for email_id in email_ids:
            email_dispatch(email_id=email_id)
