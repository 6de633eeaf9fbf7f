"""collaboration/tasks.py: the deadline sweep reminds once before the due date and escalates once after it."""

import datetime

import pytest
from django.utils import timezone

from collaboration.models import AssistanceRequest, DeadlineReminder
from collaboration.tasks import sweep_deadlines
from portal import workdays
from portal.models import Notification
from tests.helpers import notified, timeline_kinds

pytestmark = pytest.mark.django_db


def due_in(request: AssistanceRequest, *, working_days: int = 0, calendar_days: int = 0) -> AssistanceRequest:
    """Move the due date relative to today (no clock mocking needed)."""
    today = timezone.localdate()
    due = workdays.add_working_days(today, working_days) + datetime.timedelta(days=calendar_days)
    AssistanceRequest.objects.filter(pk=request.pk).update(due_date=due)
    request.refresh_from_db()
    return request


def sweep_times(n: int) -> list[dict]:
    return [sweep_deadlines() for _ in range(n)]


def test_a_request_due_in_one_working_day_is_reminded_once_however_often_the_sweep_runs(accepted_request):
    due_in(accepted_request, working_days=1)

    results = sweep_times(5)

    assert results == [{"reminder": 1, "overdue": 0}] + [{"reminder": 0, "overdue": 0}] * 4
    assert list(DeadlineReminder.objects.values_list("kind", flat=True)) == ["before-1"]
    assert notified("deadline_reminder") == {"hz_officer", "sz_officer"}
    assert Notification.objects.filter(kind="deadline_reminder").count() == 2


def test_the_reminder_mail_is_sent_once(accepted_request, mailoutbox, django_capture_on_commit_callbacks):
    due_in(accepted_request, working_days=1)
    mailoutbox.clear()

    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            sweep_deadlines()

    assert sorted(message.to[0] for message in mailoutbox) == [
        "hz_officer@example.gov.cn",
        "sz_officer@example.gov.cn",
    ]


def test_a_request_nobody_was_assigned_yet_reminds_the_requested_team_leaders(sent_request):
    due_in(sent_request, working_days=1)
    sweep_deadlines()
    assert notified("deadline_reminder") == {"sz_officer", "hz_leader"}


def test_a_request_due_in_three_working_days_gets_the_three_day_reminder(accepted_request):
    due_in(accepted_request, working_days=3)
    assert sweep_deadlines() == {"reminder": 1, "overdue": 0}
    assert DeadlineReminder.objects.get().kind == "before-3"
    assert (
        Notification.objects.get(kind="deadline_reminder", recipient__username="hz_officer").params["days"]
        == 3
    )


def test_a_request_due_later_is_left_alone(accepted_request):
    due_in(accepted_request, working_days=4)
    assert sweep_deadlines() == {"reminder": 0, "overdue": 0}
    assert not DeadlineReminder.objects.exists()


def test_an_overdue_request_escalates_to_the_leaders_of_both_sides_once(accepted_request):
    due_in(accepted_request, calendar_days=-1)
    before = timeline_kinds(accepted_request.case)

    results = sweep_times(5)

    assert results == [{"reminder": 0, "overdue": 1}] + [{"reminder": 0, "overdue": 0}] * 4
    assert notified("deadline_overdue") == {"hz_officer", "sz_officer", "sz_leader", "hz_leader"}
    assert Notification.objects.filter(kind="deadline_overdue").count() == 4
    assert timeline_kinds(accepted_request.case) == [*before, "request_overdue"]
    assert DeadlineReminder.objects.get().kind == "overdue"


@pytest.mark.parametrize("fixture", ["answered_request", "submitted_request"])
def test_requests_not_open_on_the_requested_side_are_not_chased(request, fixture):
    assistance_request = request.getfixturevalue(fixture)
    due_in(assistance_request, calendar_days=-3)
    assert sweep_deadlines() == {"reminder": 0, "overdue": 0}
    assert not Notification.objects.filter(kind__startswith="deadline_").exists()


def test_an_extended_due_date_gets_its_own_reminders(accepted_request):
    due_in(accepted_request, working_days=1)
    sweep_deadlines()

    due_in(accepted_request, working_days=3)  # the deadline was extended

    assert sweep_deadlines() == {"reminder": 1, "overdue": 0}
    assert sorted(DeadlineReminder.objects.values_list("kind", flat=True)) == ["before-1", "before-3"]


# --- set-based, once per key, on the Shanghai date ---------------------------------------------------


@pytest.fixture
def many_accepted(cast, category):
    """`many_accepted(n, due)`: n more accepted requests of sz_team to hz_team, assigned to hz_officer."""
    from tests.factories import bulk_cases, bulk_requests

    def make(n: int, due: datetime.date):
        cases = bulk_cases(n, creator=cast.sz_officer, partner_team=cast.hz_team, category=category)
        rows = bulk_requests(
            cases,
            status=AssistanceRequest.Status.ACCEPTED,
            created_by=cast.sz_officer,
            from_team=cast.sz_team,
            to_team=cast.hz_team,
            assignee=cast.hz_officer,
        )
        AssistanceRequest.objects.filter(pk__in=[r.pk for r in rows]).update(due_date=due)
        return rows

    return make


def test_the_sweep_costs_the_same_queries_for_3_and_60_due_requests(many_accepted, django_assert_num_queries):
    """Set-based: the number of queries does not grow with the number of requests that fall due."""
    today = timezone.localdate()
    tomorrow = workdays.add_working_days(today, 1)
    overdue = today - datetime.timedelta(days=3)

    def queries_for(n):
        many_accepted(n, tomorrow)
        many_accepted(n, overdue)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            result = sweep_deadlines()
        assert result == {"reminder": n, "overdue": n}
        return len(captured)

    # SQLite caps the parameters of one statement, so there bulk inserts split beyond ~70 rows.
    from django.db import connection

    n = 60 if connection.vendor == "postgresql" else 10
    few, many = queries_for(3), queries_for(n)
    assert few == many, f"{few} queries for 3+3 requests, {many} for {n}+{n}"
    assert many <= 20  # calendar 2, finding 5, then claim, mark, read back, leaders, timeline, notify…


def test_ten_sweeps_in_a_row_send_each_reminder_and_escalation_once(many_accepted):
    today = timezone.localdate()
    many_accepted(4, workdays.add_working_days(today, 3))
    many_accepted(4, workdays.add_working_days(today, 1))
    many_accepted(4, today - datetime.timedelta(days=10))

    results = sweep_times(10)

    assert results[0] == {"reminder": 8, "overdue": 4}
    assert results[1:] == [{"reminder": 0, "overdue": 0}] * 9
    assert DeadlineReminder.objects.count() == 12
    # Each reminder: the assignee and the drafter; each escalation: also both teams' leaders.
    assert Notification.objects.filter(kind="deadline_reminder").count() == 8 * 2
    assert Notification.objects.filter(kind="deadline_overdue").count() == 4 * 4


def test_a_sweep_just_after_midnight_in_shanghai_counts_from_the_shanghai_date(accepted_request, monkeypatch):
    """00:05 on Friday 9 October 2026 in Shanghai is still Thursday 8 October in UTC."""
    from tests.helpers import freeze_time

    due_8th = accepted_request
    AssistanceRequest.objects.filter(pk=due_8th.pk).update(due_date=datetime.date(2026, 10, 8))
    freeze_time(monkeypatch, "2026-10-08T16:05:00+00:00")
    assert timezone.localdate() == datetime.date(2026, 10, 9)

    assert sweep_deadlines() == {"reminder": 0, "overdue": 1}  # in UTC it would be "due today"

    # Due on the make-up Saturday 10 October: one working day away in Shanghai, two in UTC.
    AssistanceRequest.objects.filter(pk=due_8th.pk).update(due_date=datetime.date(2026, 10, 10))
    assert sweep_deadlines() == {"reminder": 1, "overdue": 0}
    assert DeadlineReminder.objects.get(due_date=datetime.date(2026, 10, 10)).kind == "before-1"


def test_reminder_windows_skip_holidays_and_count_make_up_days(monkeypatch):
    from collaboration.tasks import reminder_windows

    # Wednesday 30 September 2026: the National Day holiday follows, then Thursday 8 October.
    windows = reminder_windows(datetime.date(2026, 9, 30))
    assert windows == [
        # 0 or 1 working day away: today up to (not including) the 2nd working day, Friday 9 October.
        ("before-1", datetime.date(2026, 9, 30), datetime.date(2026, 10, 9)),
        # 2 or 3 working days away: Friday 9 and the make-up Saturday 10 October.
        ("before-3", datetime.date(2026, 10, 9), datetime.date(2026, 10, 12)),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once(require_postgres, cast, category, run_concurrently):
    from tests.factories import bulk_cases, bulk_requests

    cases = bulk_cases(40, creator=cast.sz_officer, partner_team=cast.hz_team, category=category)
    rows = bulk_requests(
        cases,
        status=AssistanceRequest.Status.ACCEPTED,
        created_by=cast.sz_officer,
        from_team=cast.sz_team,
        to_team=cast.hz_team,
        assignee=cast.hz_officer,
    )
    AssistanceRequest.objects.filter(pk__in=[r.pk for r in rows]).update(
        due_date=timezone.localdate() - datetime.timedelta(days=2)
    )

    outcomes = run_concurrently(sweep_deadlines, sweep_deadlines, sweep_deadlines)

    assert [kind for kind, _ in outcomes] == ["ok"] * 3, outcomes
    assert sum(result["overdue"] for _, result in outcomes) == 40
    assert DeadlineReminder.objects.count() == 40
    assert Notification.objects.filter(kind="deadline_overdue").count() == 40 * 4


# --- due dates on the calendar, and a year the calendar does not cover ------------------------------


@pytest.mark.parametrize(
    "sent_at, due",
    [
        # Sent on Tuesday 10 February 2026: the make-up Saturdays 14th and 28th count, the Spring
        # Festival (15–23 February) does not.
        ("2026-02-10T10:00:00+08:00", "2026-03-09"),
        # Sent on Monday 28 September 2026: National Day (1–7 October) off, the make-up Saturday
        # 10 October counts.
        ("2026-09-28T10:00:00+08:00", "2026-10-23"),
        # Sent just after midnight in Shanghai on Friday 18 September (still Thursday in UTC): the next
        # working day is the make-up Sunday 20 September.
        ("2026-09-18T00:10:00+08:00", "2026-10-15"),  # (counted from the 17th in UTC: the 14th)
    ],
)
def test_approval_counts_fifteen_working_days_on_the_mainland_calendar(
    submitted_request, sz_leader, monkeypatch, sent_at, due
):
    from collaboration import services
    from tests.helpers import freeze_time

    freeze_time(monkeypatch, sent_at)
    approved = services.request_approve(request=submitted_request, actor=sz_leader)
    assert approved.due_date == datetime.date.fromisoformat(due)
    assert approved.due_date_provisional is False


def test_a_deadline_running_into_a_year_the_calendar_lacks_is_provisional_and_counted_monday_to_friday(
    submitted_request, sz_leader, monkeypatch
):
    from collaboration import services
    from portal.models import CalendarYear
    from tests.helpers import freeze_time

    CalendarYear.objects.filter(year=2027).delete()
    freeze_time(monkeypatch, "2026-12-24T09:00:00+08:00")
    approved = services.request_approve(request=submitted_request, actor=sz_leader)
    # 25, 28–31 December 2026 on the calendar, then Monday–Friday in January 2027.
    assert approved.due_date == datetime.date(2027, 1, 14)
    assert approved.due_date_provisional is True


def test_entering_the_missing_year_counts_provisional_due_dates_again(
    submitted_request, sz_leader, monkeypatch, cast
):
    from collaboration import services
    from collaboration.tasks import recount_provisional_due_dates
    from portal.models import CalendarYear, User
    from portal.services import calendar_year_save, user_set_position
    from tests.helpers import freeze_time

    CalendarYear.objects.filter(year=2027).delete()
    freeze_time(monkeypatch, "2026-12-24T09:00:00+08:00")
    approved = services.request_approve(request=submitted_request, actor=sz_leader)
    assert approved.due_date == datetime.date(2027, 1, 14)
    admin = user_set_position(
        user=User.objects.create_user("sz_admin", bureau=cast.sz), team=None, role=User.Role.BUREAU_ADMIN
    )
    # Suppose 4–6 January 2027 were declared holidays.
    calendar_year_save(
        actor=admin,
        year=2027,
        days=[(datetime.date(2027, 1, day), False, "假日", "Holiday") for day in (1, 4, 5, 6)],
    )

    assert recount_provisional_due_dates() == 1
    approved.refresh_from_db()
    assert approved.due_date == datetime.date(2027, 1, 20)
    assert approved.due_date_provisional is False
    assert timeline_kinds(approved.case)[-1] == "request_due_date_recounted"
    assert notified("due_date_recounted") >= {"sz_officer", "hz_leader"}
    assert recount_provisional_due_dates() == 0
