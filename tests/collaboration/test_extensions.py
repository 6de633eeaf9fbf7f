"""Deadline extensions (collaboration/services.py): the receiving side asks before the due date, the
requesting leader decides, and the reminders re-arm for the new date."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from collaboration import services
from collaboration.models import AssistanceRequest, DeadlineExtension, DeadlineReminder
from collaboration.tasks import sweep_deadlines
from portal import workdays
from portal.exceptions import WorkflowError
from portal.models import AuditEvent
from tests.helpers import freeze_time, nothing_changes, notified, timeline_kinds

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """Services speak the active language; these tests read their messages in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


def later(request: AssistanceRequest, working_days: int = 5) -> datetime.date:
    return workdays.add_working_days(request.due_date, working_days)


def ask(request, actor, *, days: int = 5, reason: str = "需要调取外地仓库记录，时间不足。"):
    return services.extension_request(
        request=request, actor=actor, new_due_date=later(request, days), reason=reason
    )


@pytest.mark.parametrize("who", ["hz_officer", "hz_leader"])
def test_the_assignee_or_the_requested_leader_asks_and_the_requesting_leaders_are_told(
    request, accepted_request, who
):
    actor = request.getfixturevalue(who)
    extension = ask(accepted_request, actor)

    assert extension.status == DeadlineExtension.Status.PENDING
    assert extension.previous_due_date == accepted_request.due_date
    assert notified("extension_requested") == {"sz_leader"}
    assert timeline_kinds(accepted_request.case)[-1] == "extension_requested"
    assert AuditEvent.objects.filter(
        action="extension.requested", object_id=str(accepted_request.pk)
    ).exists()


@pytest.mark.parametrize("who", ["sz_officer", "sz_leader", "hz_officer2", "sz_auditor"])
def test_the_requesting_side_and_other_colleagues_cannot_ask_for_more_time(request, accepted_request, who):
    with nothing_changes(accepted_request), pytest.raises(PermissionDenied):
        ask(accepted_request, request.getfixturevalue(who))


def test_an_extension_must_be_asked_before_the_due_date_passes(accepted_request, hz_officer):
    AssistanceRequest.objects.filter(pk=accepted_request.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    accepted_request.refresh_from_db()
    with nothing_changes(accepted_request), pytest.raises(WorkflowError, match="before the due date"):
        ask(accepted_request, hz_officer)


def test_asking_on_the_due_date_itself_is_still_in_time(accepted_request, hz_officer):
    AssistanceRequest.objects.filter(pk=accepted_request.pk).update(due_date=timezone.localdate())
    accepted_request.refresh_from_db()
    assert ask(accepted_request, hz_officer).status == DeadlineExtension.Status.PENDING


@pytest.mark.parametrize(
    "new_due, message",
    [
        ("2026-09-29", "later than the current one"),
        ("2026-09-25", "later than the current one"),
        ("2026-10-01", "working day"),  # National Day
    ],
)
def test_the_new_date_must_be_a_later_working_day(
    accepted_request, hz_officer, monkeypatch, new_due, message
):
    freeze_time(monkeypatch, "2026-09-20T10:00:00+08:00")
    AssistanceRequest.objects.filter(pk=accepted_request.pk).update(due_date=datetime.date(2026, 9, 29))
    accepted_request.refresh_from_db()
    with nothing_changes(accepted_request), pytest.raises(WorkflowError, match=message):
        services.extension_request(
            request=accepted_request,
            actor=hz_officer,
            new_due_date=datetime.date.fromisoformat(new_due),
            reason="x",
        )


def test_a_reason_is_needed(accepted_request, hz_officer):
    with nothing_changes(accepted_request), pytest.raises(WorkflowError):
        ask(accepted_request, hz_officer, reason="  ")


def test_one_extension_at_a_time(accepted_request, hz_officer, hz_leader):
    ask(accepted_request, hz_officer)
    with nothing_changes(accepted_request), pytest.raises(WorkflowError, match="already waiting"):
        ask(accepted_request, hz_leader, days=8)


def test_approval_moves_the_due_date_and_the_reminders_come_again(accepted_request, hz_officer, sz_leader):
    today = timezone.localdate()
    AssistanceRequest.objects.filter(pk=accepted_request.pk).update(
        due_date=workdays.add_working_days(today, 1)
    )
    accepted_request.refresh_from_db()
    assert sweep_deadlines() == {"reminder": 1, "overdue": 0}  # the 1-day reminder for the old date
    new_due = workdays.add_working_days(today, 3)
    services.extension_request(request=accepted_request, actor=hz_officer, new_due_date=new_due, reason="x")

    extension = services.extension_approve(request=accepted_request, actor=sz_leader, comment="同意")

    accepted_request.refresh_from_db()
    assert accepted_request.due_date == new_due
    assert extension.status == DeadlineExtension.Status.APPROVED and extension.decided_by == sz_leader
    assert notified("extension_approved") == {"hz_officer", "hz_leader", "sz_officer"}
    assert timeline_kinds(accepted_request.case)[-2:] == ["extension_requested", "extension_approved"]
    assert sweep_deadlines() == {"reminder": 1, "overdue": 0}  # the 3-day reminder for the new date
    assert sorted(DeadlineReminder.objects.values_list("kind", "due_date")) == sorted(
        [("before-1", workdays.add_working_days(today, 1)), ("before-3", new_due)]
    )


def test_refusal_keeps_the_due_date_and_says_why(accepted_request, hz_officer, sz_leader):
    due = accepted_request.due_date
    ask(accepted_request, hz_officer)

    extension = services.extension_refuse(request=accepted_request, actor=sz_leader, reason="案件期限紧迫")

    accepted_request.refresh_from_db()
    assert accepted_request.due_date == due
    assert extension.status == DeadlineExtension.Status.REFUSED
    assert extension.decision_comment == "案件期限紧迫"
    assert notified("extension_refused") == {"hz_officer", "hz_leader", "sz_officer"}


@pytest.mark.parametrize("who", ["hz_leader", "hz_officer", "sz_officer", "sz_leader2"])
def test_only_a_requesting_leader_decides(request, accepted_request, hz_officer, who):
    ask(accepted_request, hz_officer)
    with nothing_changes(accepted_request), pytest.raises(PermissionDenied):
        services.extension_approve(request=accepted_request, actor=request.getfixturevalue(who))


def test_deciding_twice_is_refused_with_a_message(accepted_request, hz_officer, sz_leader):
    ask(accepted_request, hz_officer)
    services.extension_approve(request=accepted_request, actor=sz_leader)
    with pytest.raises(WorkflowError, match="No deadline extension is waiting"):
        services.extension_refuse(request=accepted_request, actor=sz_leader, reason="x")


# --- through the page ---------------------------------------------------------------------------------


def test_the_assignee_asks_and_the_leader_approves_through_the_request_page(
    accepted_request, hz_officer_client, sz_leader_client
):
    url = reverse("collaboration:request_detail", args=[accepted_request.pk])
    assert 'data-testid="extension-form"' in hz_officer_client.get(url).content.decode()
    new_due = later(accepted_request)
    hz_officer_client.post(
        reverse("collaboration:request_step", args=[accepted_request.pk, "extend"]),
        {"new_due_date": new_due.isoformat(), "reason": "仓库在外地"},
    )
    page = sz_leader_client.get(url).content.decode()
    assert 'data-testid="extension-decision"' in page and "仓库在外地" in page

    sz_leader_client.post(
        reverse("collaboration:request_step", args=[accepted_request.pk, "extension_approve"])
    )

    accepted_request.refresh_from_db()
    assert accepted_request.due_date == new_due
    assert new_due.isoformat() in sz_leader_client.get(url).content.decode()


def test_the_leader_may_change_the_time_limit_when_approving(submitted_request, sz_leader_client):
    sz_leader_client.post(
        reverse("collaboration:request_step", args=[submitted_request.pk, "approve"]),
        {"time_limit_days": "20"},
    )
    submitted_request.refresh_from_db()
    assert submitted_request.status == AssistanceRequest.Status.SENT
    assert submitted_request.time_limit_days == 20
    assert submitted_request.due_date == workdays.add_working_days(timezone.localdate(), 20)


def test_a_request_type_default_time_limit_applies_when_the_drafter_proposes_none(joint_case, hz, sz_officer):
    from collaboration.models import RequestType, RequestTypeTimeLimit

    RequestTypeTimeLimit.objects.create(request_type=RequestType.DOCUMENT_SERVICE, time_limit_days=10)
    draft = services.request_create(
        case=joint_case,
        actor=sz_officer,
        request_type=RequestType.DOCUMENT_SERVICE,
        title="送达",
        items="送达文书",
        requested_bureau=hz,
    )
    other = services.request_create(
        case=joint_case,
        actor=sz_officer,
        request_type=RequestType.PLATFORM_DATA,
        title="调取",
        items="调取数据",
        requested_bureau=hz,
    )
    assert (draft.time_limit_days, other.time_limit_days) == (10, 15)


def test_the_page_says_how_many_working_days_a_request_is_overdue(accepted_request, sz_officer_client):
    today = timezone.localdate()
    due = today - datetime.timedelta(days=14)
    AssistanceRequest.objects.filter(pk=accepted_request.pk).update(due_date=due)
    overdue_by = -workdays.working_days_between(today, due)
    page = sz_officer_client.get(reverse("collaboration:request_detail", args=[accepted_request.pk]))
    assert f"overdue by {overdue_by} working days" in page.content.decode()
