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
