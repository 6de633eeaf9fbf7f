import logging

from celery import shared_task

from . import outbox
from .models import Notification

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_notification_email(notification_id: int) -> str:
    """Deliver the email of one notification (portal.outbox.deliver: claim, send, mark sent).

    Takes an id and re-reads the row; a row that is gone, sent or claimed by another worker is skipped,
    so a message delivered twice sends one mail. Acknowledged late: a worker killed mid-send leaves the
    message to be delivered again, and the claim's lease lets the outbox sweep retry the row.
    Mail-server errors are recorded on the row and retried by the sweep with back-off.
    """
    return outbox.deliver(notification_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_notification_emails(notification_ids: list[int]) -> dict:
    """Deliver several notifications' emails, one claim each (as send_notification_email): a message
    delivered again after a worker died skips the sent ones and the one whose claim still runs."""
    outcomes: dict[str, int] = {}
    for notification_id in notification_ids:
        outcome = outbox.deliver(notification_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task
def redeliver_notification_emails() -> dict:
    """The outbox sweep (beat, every minute): queue again what was lost, backed off or abandoned."""
    return outbox.redeliver_due()


@shared_task
def send_daily_digests() -> dict:
    """The daily digest (beat, at PORTAL_DIGEST_TIME on working days); once per person and day."""
    from .digest import send_daily_digests as run

    return run()


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


@shared_task
def purge_idempotency_keys() -> int:
    """Forget Idempotency-Keys older than PORTAL_IDEMPOTENCY_KEY_HOURS (daily by beat; safe any time)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from .models import IdempotencyKey

    cutoff = timezone.now() - timedelta(hours=settings.PORTAL_IDEMPOTENCY_KEY_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
