"""portal/outbox.py: the email outbox — claim, send once, back off, redeliver what was lost.

These run in one process with Django's in-memory mail backend; the same guarantees with a real Redis,
real worker processes and a real SMTP server are in tests/integration/test_mail_faults.py.
"""

import datetime
import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from portal import outbox
from portal.models import Notification
from portal.services import notify

pytestmark = pytest.mark.django_db

Status = Notification.EmailStatus


@pytest.fixture
def pending(sz_officer):
    """One committed notification whose email is pending and not queued (as if the task were lost)."""
    notification = notify(
        recipients=[sz_officer],
        kind="request_completed",
        params={"request": "调取档案", "case": "深市监协〔2026〕0001号"},
        url="/",
    )[0]
    Notification.objects.filter(pk=notification.pk).update(email_dispatched_at=None)
    mail.outbox.clear()
    return notification


class FailingBackend:
    """Patches EmailMessage.send to fail with the given error the first `times` calls."""

    def __init__(self, monkeypatch, error, times=1):
        self.calls = 0
        original = outbox.EmailMultiAlternatives.send

        def send(message, fail_silently=False):
            self.calls += 1
            if self.calls <= times:
                raise error
            return original(message, fail_silently)

        monkeypatch.setattr(outbox.EmailMultiAlternatives, "send", send)


def row(notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


def test_a_delivery_claims_sends_once_and_marks_sent(pending):
    assert outbox.deliver(pending.pk) == "sent"
    assert outbox.deliver(pending.pk) == "skipped"  # a second message for the same row

    assert len(mail.outbox) == 1
    sent = row(pending)
    assert (sent.email_status, sent.email_attempts, sent.email_claim) == (Status.SENT, 1, None)
    assert sent.email_sent_at is not None


def test_the_message_id_is_the_same_for_every_attempt_so_a_duplicate_is_recognisable(pending, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.gov.cn"
    first = outbox.build_email(row(pending)).message()["Message-ID"]
    assert first == outbox.build_email(row(pending)).message()["Message-ID"]
    assert first.startswith(f"<notification.{pending.pk}.") and first.endswith("@portal.example.gov.cn>")


def test_a_mail_server_error_backs_off_and_the_sweep_retries_after_it(pending, monkeypatch, settings):
    FailingBackend(monkeypatch, smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))

    assert outbox.deliver(pending.pk) == "retry"
    failed_once = row(pending)
    assert failed_once.email_status == Status.PENDING and failed_once.email_attempts == 1
    assert "Connection unexpectedly closed" in failed_once.email_last_error
    assert failed_once.email_next_attempt_at > timezone.now()
    assert outbox.redeliver_due() == {"queued": 0, "failed": 0}  # still backing off
    assert outbox.deliver(pending.pk) == "skipped"  # a stray message does not jump the back-off

    Notification.objects.filter(pk=pending.pk).update(email_next_attempt_at=timezone.now())
    assert outbox.redeliver_due() == {"queued": 1, "failed": 0}  # eager: the task ran and sent it
    assert row(pending).email_status == Status.SENT
    assert row(pending).email_attempts == 2
    assert len(mail.outbox) == 1


def test_the_back_off_doubles_up_to_an_hour(settings):
    settings.PORTAL_MAIL_RETRY_SECONDS = 30
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_after_the_last_attempt_the_email_is_failed_with_its_error(pending, monkeypatch, settings):
    settings.PORTAL_MAIL_MAX_ATTEMPTS = 2
    FailingBackend(monkeypatch, ConnectionRefusedError(111, "Connection refused"), times=5)

    assert outbox.deliver(pending.pk) == "retry"
    Notification.objects.filter(pk=pending.pk).update(email_next_attempt_at=None)
    assert outbox.deliver(pending.pk) == "failed"

    failed = row(pending)
    assert (failed.email_status, failed.email_attempts) == (Status.FAILED, 2)
    assert "Connection refused" in failed.email_last_error
    assert outbox.redeliver_due() == {"queued": 0, "failed": 0}


def test_a_permanent_refusal_fails_at_once(pending, monkeypatch):
    FailingBackend(monkeypatch, smtplib.SMTPRecipientsRefused({"x@example.gov.cn": (550, b"No such user")}))
    assert outbox.deliver(pending.pk) == "failed"
    assert row(pending).email_attempts == 1


def test_a_claim_of_a_worker_that_died_is_taken_over_after_its_lease(pending, settings):
    """A worker killed between the claim and the mail leaves the row `sending`; after the lease the
    sweep queues it again and it is sent once."""
    Notification.objects.filter(pk=pending.pk).update(
        email_status=Status.SENDING,
        email_attempts=1,
        email_next_attempt_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    assert outbox.deliver(pending.pk) == "skipped"  # the lease still runs
    assert outbox.redeliver_due() == {"queued": 0, "failed": 0}

    Notification.objects.filter(pk=pending.pk).update(email_next_attempt_at=timezone.now())
    assert outbox.redeliver_due() == {"queued": 1, "failed": 0}
    assert row(pending).email_status == Status.SENT
    assert row(pending).email_attempts == 2
    assert len(mail.outbox) == 1


def test_a_claim_that_dies_on_the_last_attempt_is_failed_by_the_sweep(pending, settings):
    settings.PORTAL_MAIL_MAX_ATTEMPTS = 3
    Notification.objects.filter(pk=pending.pk).update(
        email_status=Status.SENDING, email_attempts=3, email_next_attempt_at=timezone.now()
    )
    assert outbox.redeliver_due() == {"queued": 0, "failed": 1}
    assert row(pending).email_status == Status.FAILED


def test_only_the_holder_of_the_claim_marks_the_email_sent(pending, monkeypatch):
    """A worker so slow that its lease ran out does not overwrite the state of the worker that took over."""

    def slow_send(message, fail_silently=False):
        Notification.objects.filter(pk=pending.pk).update(email_claim=None)  # taken over meanwhile
        return 1

    monkeypatch.setattr(outbox.EmailMultiAlternatives, "send", slow_send)
    assert outbox.deliver(pending.pk) == "sent"
    assert row(pending).email_status == Status.SENDING


def test_an_email_queued_recently_is_not_queued_again(pending):
    Notification.objects.filter(pk=pending.pk).update(email_dispatched_at=timezone.now())
    assert outbox.redeliver_due() == {"queued": 0, "failed": 0}
    Notification.objects.filter(pk=pending.pk).update(
        email_dispatched_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert outbox.redeliver_due() == {"queued": 1, "failed": 0}


def test_a_broker_that_is_down_fails_nobody_and_leaves_the_email_for_the_sweep(
    sz_officer, monkeypatch, django_capture_on_commit_callbacks
):
    from portal import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(tasks.send_notification_email, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            created = notify(recipients=[sz_officer], kind="request_completed", params={}, url="/")

    left = row(created[0])
    assert left.email_status == Status.PENDING and left.email_dispatched_at is None
    monkeypatch.undo()
    assert outbox.redeliver_due() == {"queued": 1, "failed": 0}
    assert row(created[0]).email_status == Status.SENT


def test_a_rolled_back_transaction_leaves_no_notification_and_queues_nothing(
    sz_officer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(recipients=[sz_officer], kind="request_completed", params={}, url="/")
            raise RuntimeError("the step failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_recipient_without_an_address_gets_no_email(sz_officer):
    sz_officer.email = ""
    sz_officer.save()
    created = notify(recipients=[sz_officer], kind="request_completed", params={}, url="/")
    assert row(created[0]).email_status == Status.NONE


def test_the_email_is_in_the_recipients_language_with_the_case_number_in_the_subject(pending, sz_officer):
    sz_officer.language = "zh-hans"
    sz_officer.save()
    message = outbox.build_email(row(pending))
    assert "深市监协〔2026〕0001号" in message.subject
    assert message.alternatives[0].mimetype == "text/html"
    assert message.extra_headers["X-Portal-Notification"] == str(pending.pk)
