import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification
from .notifications import render_message, render_subject

logger = logging.getLogger(__name__)

TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_notification_email(self, notification_id: int) -> str:
    """Send the email of one notification, in the recipient's language.

    Claims the row with a conditional update (pending → sending) so that two deliveries of the same
    task message send one email; a row that is gone or already claimed is skipped. Mail-server errors
    put the row back to pending and retry with exponential back-off.
    """
    claimed = Notification.objects.filter(
        pk=notification_id, email_status=Notification.EmailStatus.PENDING
    ).update(email_status=Notification.EmailStatus.SENDING)
    if not claimed:
        return "skipped"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    if not recipient.email:
        Notification.objects.filter(pk=notification_id).update(email_status=Notification.EmailStatus.NONE)
        return "no-address"
    try:
        build_email(notification).send()
    except TRANSIENT_MAIL_ERRORS as exc:
        Notification.objects.filter(pk=notification_id).update(
            email_status=Notification.EmailStatus.PENDING,
            email_attempts=notification.email_attempts + 1,
            email_last_error=str(exc)[:1000],
        )
        if self.request.retries >= self.max_retries:
            Notification.objects.filter(pk=notification_id).update(
                email_status=Notification.EmailStatus.FAILED
            )
            raise
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc
    Notification.objects.filter(pk=notification_id).update(
        email_status=Notification.EmailStatus.SENT,
        email_sent_at=timezone.now(),
        email_attempts=notification.email_attempts + 1,
    )
    return "sent"


def build_email(notification: Notification) -> EmailMultiAlternatives:
    recipient = notification.recipient
    with translation.override(recipient.language):
        context = {
            "recipient": recipient,
            "message": render_message(notification.kind, notification.params),
            "link": settings.PORTAL_BASE_URL.rstrip("/") + notification.url,
            "site_name": settings.PORTAL_SITE_NAME,
        }
        subject = render_subject(notification.kind, notification.params)
        text = render_to_string("emails/notification/body.txt", context)
        html = render_to_string("emails/notification/body.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[recipient.email],
        headers={"X-Portal-Kind": notification.kind},
    )
    message.attach_alternative(html, "text/html")
    return message


@shared_task
def chain_audit_trail() -> int:
    """Chain audit records that a crashed process committed but did not chain. Safe to run any time."""
    from .audit import chain_pending

    total = 0
    while chained := chain_pending():
        total += chained
    return total


@shared_task
def verify_audit_trail() -> bool:
    """Recompute the audit chain; on a break, alert every administrator once per broken record."""
    from .audit import verify_chain
    from .models import User
    from .services import notify

    report = verify_chain()
    if report.ok:
        return True
    logger.error("Audit chain broken at #%s: %s", report.broken_seq, report.reason)
    already = Notification.objects.filter(kind="audit_chain_broken", params__seq=report.broken_seq).exists()
    if not already:
        admins = User.objects.filter(is_active=True, role=User.Role.BUREAU_ADMIN)
        notify(
            recipients=admins,
            kind="audit_chain_broken",
            params={"seq": report.broken_seq, "reason": report.reason},
            url="/audit/",
        )
    return False
