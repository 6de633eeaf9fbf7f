"""portal/digest.py: the daily digest — on working days, once per person and day, with what waits for
them, what is due soon and the notifications they chose to read in it; never about a case they cannot see."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from cases import services as case_services
from collaboration.models import AssistanceRequest
from portal import services, workdays
from portal.digest import send_daily_digests
from portal.models import Notification
from portal.services import notify

pytestmark = pytest.mark.django_db

Status = Notification.EmailStatus


def working_day_on_or_after(day: datetime.date) -> datetime.date:
    while not workdays.is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def today():
    return working_day_on_or_after(timezone.localdate())


def digest_of(user) -> Notification:
    return Notification.objects.get(kind="daily_digest", recipient=user)


def run(today, capture):
    with capture(execute=True):
        return send_daily_digests(today=today)


def test_nothing_is_sent_on_a_day_off():
    assert send_daily_digests(today=datetime.date(2026, 10, 1)) == {"digests": 0, "working_day": False}
    assert not Notification.objects.filter(kind="daily_digest").exists()


def test_a_leader_hears_of_the_request_waiting_for_approval_and_the_assignee_of_what_is_due(
    today, accepted_request, sz_officer, sz_leader, hz, django_capture_on_commit_callbacks
):
    """Two requests: one assigned to hz_officer and due tomorrow, one awaiting sz_leader's approval."""
    from collaboration import services as request_services

    AssistanceRequest.objects.filter(pk=accepted_request.pk).update(
        due_date=workdays.add_working_days(today, 1)
    )
    second = request_services.request_create(
        case=accepted_request.case,
        actor=sz_officer,
        request_type="information_verification",
        title="核查账号实名信息",
        items="…",
        requested_bureau=hz,
    )
    request_services.request_submit(request=second, actor=sz_officer)
    mail.outbox.clear()

    result = run(today, django_capture_on_commit_callbacks)

    leader = digest_of(sz_leader)
    assert [(item["what"], item["request"]) for item in leader.params["waiting_items"]] == [
        ("approve", "核查账号实名信息")
    ]
    officer = digest_of(accepted_request.assignee)
    assert [item["what"] for item in officer.params["waiting_items"]] == ["work"]
    assert [(item["due"], item["days"]) for item in officer.params["due_items"]] == [
        (workdays.add_working_days(today, 1).isoformat(), 1)
    ]
    assert result["digests"] == len({m.to[0] for m in mail.outbox})
    assert result["digests"] == Notification.objects.filter(kind="daily_digest").count()
    hz_mail = next(m for m in mail.outbox if m.to == ["hz_officer@example.gov.cn"])
    assert accepted_request.title in hz_mail.body
    assert f"/requests/{accepted_request.pk}/" in hz_mail.alternatives[0][0]


def test_a_digest_is_sent_once_per_person_and_day_however_often_it_runs(
    today, accepted_request, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    first = run(today, django_capture_on_commit_callbacks)
    again = run(today, django_capture_on_commit_callbacks)

    assert first["digests"] > 0 and again["digests"] == 0
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == len(set(recipients)) == first["digests"]
    next_day = working_day_on_or_after(today + datetime.timedelta(days=1))
    assert run(next_day, django_capture_on_commit_callbacks)["digests"] == first["digests"]


def test_notifications_chosen_for_the_digest_are_in_it_once(
    today, sz_officer, django_capture_on_commit_callbacks
):
    services.notification_preferences_save(user=sz_officer, deliveries={"request_answered": "digest"})
    with django_capture_on_commit_callbacks(execute=True):
        waiting = notify(
            recipients=[sz_officer], kind="request_answered", params={"request": "调取档案"}, url="/x/"
        )[0]
    mail.outbox.clear()

    run(today, django_capture_on_commit_callbacks)

    digest = digest_of(sz_officer)
    assert digest.params["notifications"] == 1
    assert Notification.objects.get(pk=waiting.pk).email_status == Status.DIGESTED
    assert "调取档案" in mail.outbox[0].body
    assert digest.read_at is not None  # the digest does not add to the unread count


def test_a_person_who_turned_the_digest_off_gets_none(today, sz_officer, django_capture_on_commit_callbacks):
    services.notification_preferences_save(
        user=sz_officer, deliveries={"request_answered": "digest", "daily_digest": "in_app"}
    )
    waiting = notify(recipients=[sz_officer], kind="request_answered", params={}, url="/")[0]

    run(today, django_capture_on_commit_callbacks)

    assert not Notification.objects.filter(kind="daily_digest", recipient=sz_officer).exists()
    assert Notification.objects.get(pk=waiting.pk).email_status == Status.NONE


def test_a_person_taken_off_the_case_no_longer_hears_of_it(
    today, answered_request, sz_officer, sz_leader, django_capture_on_commit_callbacks
):
    """sz_officer drafted the answered request and would be asked to confirm it, but is off the case."""
    case_services.member_remove(case=answered_request.case, user=sz_officer, actor=sz_leader)

    run(today, django_capture_on_commit_callbacks)

    assert not Notification.objects.filter(kind="daily_digest", recipient=sz_officer).exists()


def test_the_digest_costs_the_same_queries_for_few_and_many_requests(
    today, cast, category, django_assert_max_num_queries
):
    from tests.factories import bulk_cases, bulk_requests

    def fill(n):
        cases = bulk_cases(n, creator=cast.sz_officer, partner_team=cast.hz_team, category=category)
        bulk_requests(
            cases,
            status=AssistanceRequest.Status.ACCEPTED,
            created_by=cast.sz_officer,
            from_team=cast.sz_team,
            to_team=cast.hz_team,
            assignee=cast.hz_officer,
        )

    fill(3)
    with django_assert_max_num_queries(DIGEST_QUERIES):
        send_daily_digests(today=today)
    Notification.objects.filter(kind="daily_digest").delete()
    fill(60)
    with django_assert_max_num_queries(DIGEST_QUERIES):
        send_daily_digests(today=today)


# Calendar (2), requests, leaders, pending extensions, visibility (4), digest notifications, opted out,
# the update of those, people, then per thousand people: insert, read back, mark digested.
DIGEST_QUERIES = 20
