"""Email delivery of notifications: a transactional outbox.

The Notification row is the outbox entry: it is written in the transaction of the event, so an event
that rolls back leaves no row and no mail. After the commit a task is queued for it
(`dispatch_on_commit`); the worker that runs it claims the row, sends the mail, and marks it sent.

What this guarantees, and where the limits are:

- No mail is lost. A row stays `pending` until a worker marks it `sent`, or `failed` after
  PORTAL_MAIL_MAX_ATTEMPTS attempts or a permanent refusal by the mail server. When the task for a
  row is lost (the broker was down at commit time, a worker was killed, Redis restarted empty), the
  outbox sweep (`redeliver_due`, run by beat every minute) queues it again. Mail-server errors are
  retried by the same sweep with exponential back-off (`email_next_attempt_at`); no countdown tasks
  wait in the broker.
- No mail is doubled by the queue. A worker claims the row with one conditional UPDATE (pending →
  sending, with a random claim token and a lease); any other message for the same row finds it claimed
  or sent and does nothing, and only the holder of the claim can mark it sent. Tasks are acknowledged
  late, so a message whose worker dies is delivered again — and then skipped or, after the lease,
  retried.
- The limit: SMTP has no transactions. If a worker dies after the mail server accepted a message and
  before the UPDATE that marks the row sent commits — a window of one local UPDATE — the lease runs
  out and the mail is sent again. The duplicate carries the same Message-ID, derived from the
  notification, so mail systems and people can recognise it. Closing that window entirely would need
  the mail server's cooperation (it would have to deduplicate by Message-ID).
"""

import datetime
import logging
import smtplib
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from .models import Notification
from .notifications import DIGEST_KIND, render_message, render_subject

logger = logging.getLogger(__name__)

Status = Notification.EmailStatus
# Errors of the broker when a task is queued: the row stays pending and the sweep queues it later.
BROKER_ERRORS = (OperationalError, ConnectionError, OSError, TimeoutError)


def _seconds(name: str) -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, name))


def message_id(notification: Notification) -> str:
    """The Message-ID of the notification's email: the same for every attempt, so a duplicate sent after
    a crash in the unavoidable window (see the module docstring) is recognisable as one."""
    domain = settings.PORTAL_MAIL_ID_DOMAIN or urlsplit(settings.PORTAL_BASE_URL).hostname or "portal.local"
    stamp = int(notification.created_at.timestamp()) if notification.created_at else 0
    return f"<notification.{notification.pk}.{stamp}@{domain}>"


# --- queueing ----------------------------------------------------------------------------------


# Emails per task message: one message per email would cost a sweep that notifies thousands of people
# more in publishing than in everything else; a few dozen per message still spread over the workers.
DISPATCH_CHUNK = 25


def dispatch(ids: list[int]) -> int:
    """Queue delivery tasks for these notification ids; return how many ids were queued.

    Never raises for a broker that is down: the user's action has committed and must succeed. The
    rows not queued are marked as such (`email_dispatched_at` = None) and the outbox sweep queues them
    once the broker is back.
    """
    from .tasks import send_notification_email, send_notification_emails

    for start in range(0, len(ids), DISPATCH_CHUNK):
        chunk = ids[start : start + DISPATCH_CHUNK]
        try:
            # One try, no publish retries: a user may be waiting for the page.
            if len(chunk) == 1:
                send_notification_email.apply_async((chunk[0],), retry=False)
            else:
                send_notification_emails.apply_async((chunk,), retry=False)
        except BROKER_ERRORS as error:
            logger.warning(
                "Broker unavailable, %d notification email(s) left for the outbox sweep: %s",
                len(ids) - start,
                error,
            )
            Notification.objects.filter(pk__in=ids[start:]).update(email_dispatched_at=None)
            return start
    return len(ids)


def dispatch_on_commit(ids: list[int]) -> None:
    """Queue the deliveries once the current transaction commits (at once outside a transaction)."""
    if ids:
        ids = list(ids)
        transaction.on_commit(lambda: dispatch(ids))


# --- delivery ----------------------------------------------------------------------------------


def _claim(notification_id: int) -> uuid.UUID | None:
    """Claim the row for one delivery attempt: pending and due, or sending with an expired lease."""
    now = timezone.now()
    claim = uuid.uuid4()
    due = Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now)
    claimed = Notification.objects.filter(
        due,
        pk=notification_id,
        email_status__in=[Status.PENDING, Status.SENDING],
        email_attempts__lt=settings.PORTAL_MAIL_MAX_ATTEMPTS,
    ).update(
        email_status=Status.SENDING,
        email_claim=claim,
        email_next_attempt_at=now + _seconds("PORTAL_MAIL_CLAIM_SECONDS"),
        email_dispatched_at=None,
        email_attempts=F("email_attempts") + 1,
    )
    return claim if claimed else None


def _is_permanent(error: Exception) -> bool:
    """A refusal the mail server will repeat (5xx for the recipient, sender or content)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before attempt `attempts + 1`: the base, doubled after every failure, at most an hour."""
    base = settings.PORTAL_MAIL_RETRY_SECONDS
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def _finish(notification_id: int, claim: uuid.UUID, **fields) -> bool:
    """Write the outcome of an attempt, only if we still hold the claim."""
    return bool(
        Notification.objects.filter(pk=notification_id, email_claim=claim).update(email_claim=None, **fields)
    )


def deliver(notification_id: int) -> str:
    """Send one notification's email, at most once per claim. Safe to call any number of times.

    Returns what happened: "sent", "skipped" (gone, already sent, claimed by another worker, or not due
    yet), "no-address", "retry" (a mail-server error; the sweep retries after the back-off) or "failed".
    """
    claim = _claim(notification_id)
    if claim is None:
        return "skipped"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    if not recipient.email or not recipient.is_active:
        _finish(notification_id, claim, email_status=Status.NONE, email_next_attempt_at=None)
        return "no-address"
    try:
        build_email(notification).send()
    except Exception as error:  # every failure is recorded on the row for the administrators
        permanent = _is_permanent(error)
        give_up = permanent or notification.email_attempts >= settings.PORTAL_MAIL_MAX_ATTEMPTS
        if not isinstance(error, smtplib.SMTPException | OSError):
            logger.exception("Notification %s: unexpected error while sending", notification_id)
        _finish(
            notification_id,
            claim,
            email_status=Status.FAILED if give_up else Status.PENDING,
            email_next_attempt_at=None if give_up else timezone.now() + backoff(notification.email_attempts),
            email_last_error=f"{type(error).__name__}: {error}"[:1000],
        )
        return "failed" if give_up else "retry"
    # The window of the module docstring: from the server's "250 OK" to this UPDATE's commit.
    if not _finish(
        notification_id,
        claim,
        email_status=Status.SENT,
        email_sent_at=timezone.now(),
        email_next_attempt_at=None,
        email_last_error="",
    ):
        logger.warning(
            "Notification %s: sent, but the claim had expired and was taken over; a duplicate with "
            "Message-ID %s may follow",
            notification_id,
            message_id(notification),
        )
    return "sent"


def redeliver_due(*, limit: int = 1000) -> dict:
    """The outbox sweep: queue again every email whose task was lost, whose back-off is over, or whose
    worker's claim expired; give up on claims that expired on the last allowed attempt.

    Run by beat every minute. Idempotent: a row queued twice is sent once (the claim). A row queued
    recently (PORTAL_MAIL_REDISPATCH_SECONDS) is left alone, so a long queue is not flooded.
    """
    now = timezone.now()
    abandoned = Notification.objects.filter(
        email_status=Status.SENDING,
        email_next_attempt_at__lte=now,
        email_attempts__gte=settings.PORTAL_MAIL_MAX_ATTEMPTS,
    ).update(
        email_status=Status.FAILED,
        email_claim=None,
        email_next_attempt_at=None,
        email_last_error="The delivery was interrupted on its last attempt (worker lost).",
    )
    due = (
        Notification.objects.filter(email_status__in=[Status.PENDING, Status.SENDING])
        .filter(Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now))
        .filter(
            Q(email_dispatched_at__isnull=True)
            | Q(email_dispatched_at__lte=now - _seconds("PORTAL_MAIL_REDISPATCH_SECONDS"))
        )
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    if ids:
        Notification.objects.filter(pk__in=ids).update(email_dispatched_at=now)
        queued = dispatch(ids)
    else:
        queued = 0
    return {"queued": queued, "failed": abandoned}


def retry_failed(ids: list[int]) -> int:
    """Put failed emails back in the outbox with a fresh count of attempts (administrators' action);
    the caller queues them (dispatch_on_commit)."""
    return Notification.objects.filter(pk__in=ids, email_status=Status.FAILED).update(
        email_status=Status.PENDING,
        email_attempts=0,
        email_next_attempt_at=None,
        email_dispatched_at=timezone.now(),
    )


# --- the message -------------------------------------------------------------------------------


def build_email(notification: Notification) -> EmailMultiAlternatives:
    """The email of a notification: plain text and HTML, in the recipient's language, linking to the object."""
    recipient = notification.recipient
    base = settings.PORTAL_BASE_URL.rstrip("/")
    template = "daily_digest" if notification.kind == DIGEST_KIND else "notification"
    with translation.override(recipient.language):
        context = {
            "recipient": recipient,
            "message": render_message(notification.kind, notification.params),
            "link": base + notification.url,
            "base_url": base,
            "site_name": settings.PORTAL_SITE_NAME,
            "params": notification.params,
        }
        if template == "daily_digest":
            from .digest import digest_context

            context |= digest_context(notification.params, base)
        subject = render_subject(notification.kind, notification.params)
        text = render_to_string(f"emails/{template}/body.txt", context)
        html = render_to_string(f"emails/{template}/body.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[recipient.email],
        headers={
            "Message-ID": message_id(notification),
            "X-Portal-Kind": notification.kind,
            "X-Portal-Notification": str(notification.pk),
        },
    )
    message.attach_alternative(html, "text/html")
    return message
