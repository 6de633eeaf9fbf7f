"""The audit trail's hash chain detects edits, deletions and a cut tail made directly in the database."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from portal.audit import chain_pending, record, verify_chain
from portal.models import AuditEvent, Notification, User
from portal.tasks import verify_audit_trail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chained_events(django_user_model):
    actor = django_user_model.objects.create_user("auditee", password="x-Long-Password-1")
    for n in range(5):
        with transaction.atomic():
            record(actor=actor, action="case.view", detail={"n": n}, ip_address="10.1.2.3")
    return list(AuditEvent.objects.order_by("seq"))


def _raw(sql, params):
    # Tampering "directly in the database": bypass the ORM and its model entirely.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_records_are_chained_after_commit_with_consecutive_seq(chained_events):
    assert [e.seq for e in chained_events] == [1, 2, 3, 4, 5]
    assert chained_events[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(chained_events, chained_events[1:], strict=False))
    assert verify_chain().ok


def test_a_record_rolled_back_with_its_transaction_leaves_no_trace(chained_events):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=None, action="case.update")
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == 5
    assert verify_chain().ok


def test_an_edited_record_is_detected_and_named(chained_events):
    target = chained_events[2]
    _raw("UPDATE portal_auditevent SET action = %s WHERE id = %s", ["case.delete", target.pk])
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == 3
    assert "changed" in report.reason


def test_an_edited_detail_json_is_detected(chained_events):
    _raw("UPDATE portal_auditevent SET ip_address = %s WHERE id = %s", ["192.0.2.9", chained_events[1].pk])
    assert verify_chain().broken_seq == 2


def test_a_deleted_record_is_detected_and_named(chained_events):
    _raw("DELETE FROM portal_auditevent WHERE id = %s", [chained_events[3].pk])
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == 4
    assert "missing" in report.reason


def test_a_cut_tail_is_detected(chained_events):
    _raw("DELETE FROM portal_auditevent WHERE id = %s", [chained_events[-1].pk])
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == 5


def test_verify_audit_command_exits_non_zero_naming_the_first_broken_record(chained_events):
    call_command("verify_audit")  # intact: no error
    _raw("UPDATE portal_auditevent SET actor_name = %s WHERE id = %s", ["someone-else", chained_events[1].pk])
    with pytest.raises(CommandError, match="#2"):
        call_command("verify_audit")


def test_periodic_verification_alerts_administrators_once(chained_events, django_user_model):
    admin = django_user_model.objects.create_user("bureau-admin", password="x", role=User.Role.BUREAU_ADMIN)
    assert verify_audit_trail() is True
    _raw("DELETE FROM portal_auditevent WHERE id = %s", [chained_events[0].pk])
    assert verify_audit_trail() is False
    assert verify_audit_trail() is False
    alerts = Notification.objects.filter(recipient=admin, kind="audit_chain_broken")
    assert alerts.count() == 1
    assert "#1" in alerts.get().message()


def test_unchained_records_left_by_a_crash_are_chained_by_the_sweep(chained_events):
    AuditEvent.objects.create(action="case.view")  # written without record(): nobody chained it
    assert chain_pending() == 1
    assert verify_chain().ok and verify_chain().checked == 6


def test_login_logout_and_failed_login_are_audited(client, django_user_model):
    django_user_model.objects.create_user("officer-x", password="Correct-Horse-9")
    client.post("/accounts/login/", {"username": "officer-x", "password": "wrong"}, REMOTE_ADDR="10.9.9.9")
    client.post("/accounts/login/", {"username": "officer-x", "password": "Correct-Horse-9"})
    client.post("/accounts/logout/")
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["auth.login_failed", "auth.login", "auth.logout"]
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.detail == {"username": "officer-x"} and failed.ip_address == "10.9.9.9"
    assert verify_chain().ok
