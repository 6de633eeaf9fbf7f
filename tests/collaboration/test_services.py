"""collaboration/services.py: every assistance-request transition, allowed and refused."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases.models import Document, JointCase
from cases.permissions import visible_cases
from collaboration import services
from collaboration.models import AssistanceRequest, RequestType
from portal import workdays
from portal.exceptions import WorkflowError
from portal.models import Notification
from tests.helpers import nothing_changes, notified, timeline_kinds, upload

pytestmark = pytest.mark.django_db

Status = AssistanceRequest.Status


def refreshed(request: AssistanceRequest) -> AssistanceRequest:
    request.refresh_from_db()
    return request


def force_status(request: AssistanceRequest, status: str) -> AssistanceRequest:
    AssistanceRequest.objects.filter(pk=request.pk).update(status=status)
    return refreshed(request)


def create(case, actor, requested_bureau, **overrides):
    fields = dict(request_type=RequestType.INFORMATION_VERIFICATION, title="核查", items="核查某账号实名信息")
    return services.request_create(
        case=case, actor=actor, requested_bureau=requested_bureau, **(fields | overrides)
    )


# --- create and edit a draft ----------------------------------------------------------------------


def test_a_case_officer_drafts_a_request_to_the_partner_team(joint_case, sz_officer, cast, settings):
    request = create(joint_case, sz_officer, cast.hz)

    assert request.status == Status.DRAFT
    assert (request.requesting_bureau, request.requesting_team) == (cast.sz, cast.sz_team)
    assert (request.requested_bureau, request.requested_team) == (cast.hz, cast.hz_team)
    assert request.time_limit_days == settings.PORTAL_DEFAULT_TIME_LIMIT_DAYS == 15
    assert timeline_kinds(joint_case)[-1] == "request_created"
    assert Notification.objects.count() == 0


def test_a_partner_leader_may_draft_a_request_back_to_the_lead_bureau(joint_case, hz_leader, cast):
    request = create(joint_case, hz_leader, cast.sz, time_limit_days=5)
    assert (request.requested_team, request.time_limit_days) == (cast.sz_team, 5)


@pytest.mark.parametrize("who", ["sz_officer2", "hz_officer2", "gz_officer", "sz_auditor"])
def test_only_people_working_on_the_case_can_draft_requests(cast, joint_case, who):
    with nothing_changes(joint_case), pytest.raises(PermissionDenied):
        create(joint_case, getattr(cast, who), cast.hz)


@pytest.mark.parametrize("bureau", ["sz", "gz"])
def test_requests_go_only_to_another_participating_bureau(cast, joint_case, sz_officer, bureau):
    with nothing_changes(joint_case), pytest.raises(WorkflowError):
        create(joint_case, sz_officer, getattr(cast, bureau))


def test_no_request_is_drafted_once_closure_is_asked_for(cast, joint_case, sz_officer):
    JointCase.objects.filter(pk=joint_case.pk).update(status=JointCase.Status.CLOSURE_PENDING)
    joint_case.refresh_from_db()
    with nothing_changes(joint_case), pytest.raises(WorkflowError):
        create(joint_case, sz_officer, cast.hz)


def test_the_drafter_edits_the_draft(draft_request, sz_officer):
    services.request_update(request=draft_request, actor=sz_officer, title="新标题", time_limit_days=10)
    assert (refreshed(draft_request).title, draft_request.time_limit_days) == ("新标题", 10)


def test_the_requested_side_cannot_edit_a_draft(draft_request, hz_leader):
    with nothing_changes(draft_request), pytest.raises(PermissionDenied):
        services.request_update(request=draft_request, actor=hz_leader, title="x")


def test_a_submitted_request_cannot_be_edited(submitted_request, sz_officer):
    with nothing_changes(submitted_request), pytest.raises(WorkflowError):
        services.request_update(request=submitted_request, actor=sz_officer, title="x")


def test_a_file_attached_to_a_draft_becomes_a_sealed_document_of_the_case(
    draft_request, sz_officer, media_storage
):
    document = services.request_attach_document(
        request=draft_request, actor=sz_officer, uploaded_file=upload("协查函.pdf", b"%PDF-1.4")
    )
    assert list(draft_request.documents.all()) == [document]
    assert document.case_id == draft_request.case_id
    last = draft_request.case.timeline.last()
    assert last.kind == "request_attachment_added"
    assert last.internal_bureau_id == draft_request.requesting_bureau_id  # the partner reads it once sent


def test_the_requested_side_cannot_attach_to_a_draft(draft_request, hz_leader, media_storage):
    with nothing_changes(draft_request), pytest.raises(PermissionDenied):
        services.request_attach_document(request=draft_request, actor=hz_leader, uploaded_file=upload())


def test_nothing_is_attached_once_the_request_is_submitted(submitted_request, sz_officer, media_storage):
    with nothing_changes(submitted_request), pytest.raises(WorkflowError):
        services.request_attach_document(request=submitted_request, actor=sz_officer, uploaded_file=upload())
    assert not media_storage.exists()


# --- submit, approve, return ----------------------------------------------------------------------


def test_submitting_asks_the_requesting_team_leaders_for_approval(draft_request, sz_officer):
    request = services.request_submit(request=draft_request, actor=sz_officer)

    assert refreshed(request).status == Status.AWAITING_APPROVAL
    assert request.submitted_at is not None
    assert timeline_kinds(request.case)[-1] == "request_submitted"
    assert notified("request_awaiting_approval") == {"sz_leader"}


@pytest.mark.parametrize("who", ["hz_leader", "sz_officer2", "sz_auditor"])
def test_only_the_requesting_side_can_submit(cast, draft_request, who):
    with nothing_changes(draft_request), pytest.raises(PermissionDenied):
        services.request_submit(request=draft_request, actor=getattr(cast, who))


def test_a_request_cannot_be_submitted_twice(submitted_request, sz_officer):
    with nothing_changes(submitted_request), pytest.raises(WorkflowError):
        services.request_submit(request=submitted_request, actor=sz_officer)
    assert refreshed(submitted_request).status == Status.AWAITING_APPROVAL


def test_a_request_on_a_draft_case_cannot_be_submitted(draft_case, sz_officer, cast):
    request = create(draft_case, sz_officer, cast.hz)
    with nothing_changes(request), pytest.raises(WorkflowError):
        services.request_submit(request=request, actor=sz_officer)


def test_approving_sends_the_request_with_a_due_date_in_working_days(submitted_request, sz_leader):
    request = services.request_approve(request=submitted_request, actor=sz_leader)

    request = refreshed(request)
    expected_due = workdays.add_working_days(timezone.localdate(), 15)
    assert (request.status, request.approved_by) == (Status.SENT, sz_leader)
    assert request.sent_at is not None
    assert request.due_date == expected_due
    assert request.due_date_provisional == workdays.is_provisional(expected_due)
    assert timeline_kinds(request.case)[-1] == "request_approved"
    assert notified("request_received") == {"hz_leader"}
    assert notified("request_approved") == {"sz_officer"}


def test_the_approving_leader_may_shorten_the_time_limit(submitted_request, sz_leader):
    request = refreshed(
        services.request_approve(request=submitted_request, actor=sz_leader, time_limit_days=5)
    )
    assert request.time_limit_days == 5
    assert request.due_date == workdays.add_working_days(timezone.localdate(), 5)


@pytest.mark.parametrize("who", ["sz_officer", "sz_leader2", "hz_leader", "sz_auditor"])
def test_only_a_leader_of_the_requesting_team_can_approve(cast, submitted_request, who):
    with nothing_changes(submitted_request), pytest.raises(PermissionDenied):
        services.request_approve(request=submitted_request, actor=getattr(cast, who))


def test_leader_cannot_approve_request_twice(sent_request, sz_leader):
    with nothing_changes(sent_request), pytest.raises(WorkflowError):
        services.request_approve(request=sent_request, actor=sz_leader)
    assert refreshed(sent_request).status == Status.SENT
    assert timeline_kinds(sent_request.case).count("request_approved") == 1


def test_leader_cannot_approve_a_draft_that_was_never_submitted(draft_request, sz_leader):
    with nothing_changes(draft_request), pytest.raises(WorkflowError):
        services.request_approve(request=draft_request, actor=sz_leader)


def test_returning_sends_the_draft_back_with_the_leader_comment(submitted_request, sz_leader, sz_officer):
    services.request_return(request=submitted_request, actor=sz_leader, comment="补充线索来源")

    request = refreshed(submitted_request)
    assert (request.status, request.return_comment) == (Status.DRAFT, "补充线索来源")
    assert timeline_kinds(request.case)[-1] == "request_returned"
    assert notified("request_returned") == {"sz_officer"}

    services.request_submit(request=request, actor=sz_officer)
    assert refreshed(request).return_comment == ""


def test_a_return_needs_a_comment(submitted_request, sz_leader):
    with nothing_changes(submitted_request), pytest.raises(WorkflowError):
        services.request_return(request=submitted_request, actor=sz_leader, comment=" ")


def test_the_drafter_cannot_return_own_request(submitted_request, sz_officer):
    with nothing_changes(submitted_request), pytest.raises(PermissionDenied):
        services.request_return(request=submitted_request, actor=sz_officer, comment="x")


def test_a_sent_request_cannot_be_returned(sent_request, sz_leader):
    with nothing_changes(sent_request), pytest.raises(WorkflowError):
        services.request_return(request=sent_request, actor=sz_leader, comment="x")


# --- accept, decline ------------------------------------------------------------------------------


def test_accepting_assigns_an_officer_who_then_sees_the_case(sent_request, hz_leader, hz_officer):
    assert not visible_cases(hz_officer).filter(pk=sent_request.case_id).exists()

    services.request_accept(request=sent_request, actor=hz_leader, assignee=hz_officer)

    request = refreshed(sent_request)
    assert (request.status, request.accepted_by, request.assignee) == (Status.ACCEPTED, hz_leader, hz_officer)
    assert visible_cases(hz_officer).filter(pk=request.case_id).exists()
    assert timeline_kinds(request.case)[-2:] == ["member_added", "request_accepted"]
    assert notified("request_assigned") == {"hz_officer"}


@pytest.mark.parametrize("who", ["sz_leader", "hz_officer", "hz_auditor"])
def test_only_a_leader_of_the_requested_team_can_accept(cast, sent_request, who):
    with nothing_changes(sent_request), pytest.raises(PermissionDenied):
        services.request_accept(request=sent_request, actor=getattr(cast, who), assignee=cast.hz_officer)


@pytest.mark.parametrize("assignee", ["sz_officer", "gz_officer", "inactive hz_officer2"])
def test_the_assignee_must_be_an_active_officer_of_the_requested_team(
    cast, sent_request, hz_leader, assignee
):
    person = getattr(cast, assignee.split()[-1])
    if assignee.startswith("inactive"):
        person.is_active = False
        person.save()
    with nothing_changes(sent_request), pytest.raises(WorkflowError):
        services.request_accept(request=sent_request, actor=hz_leader, assignee=person)


def test_a_request_cannot_be_accepted_twice(accepted_request, hz_leader, hz_officer2):
    with nothing_changes(accepted_request), pytest.raises(WorkflowError):
        services.request_accept(request=accepted_request, actor=hz_leader, assignee=hz_officer2)
    assert refreshed(accepted_request).assignee.username == "hz_officer"


def test_declining_tells_the_drafter_and_the_requesting_leaders_why(sent_request, hz_leader):
    services.request_decline(request=sent_request, actor=hz_leader, reason="不属于本局管辖")

    request = refreshed(sent_request)
    assert (request.status, request.decline_reason) == (Status.DECLINED, "不属于本局管辖")
    assert timeline_kinds(request.case)[-1] == "request_declined"
    assert notified("request_declined") == {"sz_officer", "sz_leader"}


def test_a_decline_needs_a_reason(sent_request, hz_leader):
    with nothing_changes(sent_request), pytest.raises(WorkflowError):
        services.request_decline(request=sent_request, actor=hz_leader, reason="")


def test_the_requesting_leader_cannot_decline(sent_request, sz_leader):
    with nothing_changes(sent_request), pytest.raises(PermissionDenied):
        services.request_decline(request=sent_request, actor=sz_leader, reason="x")


def test_an_accepted_request_cannot_be_declined(accepted_request, hz_leader):
    with nothing_changes(accepted_request), pytest.raises(WorkflowError):
        services.request_decline(request=accepted_request, actor=hz_leader, reason="x")


# --- start, answer, complete ----------------------------------------------------------------------


def test_the_assigned_officer_starts_work(accepted_request, hz_officer):
    services.request_start(request=accepted_request, actor=hz_officer)
    assert refreshed(accepted_request).status == Status.IN_PROGRESS
    assert timeline_kinds(accepted_request.case)[-1] == "request_started"


@pytest.mark.parametrize("who", ["hz_leader", "hz_officer2", "sz_officer"])
def test_only_the_assigned_officer_starts_work(cast, accepted_request, who):
    with nothing_changes(accepted_request), pytest.raises(PermissionDenied):
        services.request_start(request=accepted_request, actor=getattr(cast, who))


def test_work_cannot_start_twice(in_progress_request, hz_officer):
    with nothing_changes(in_progress_request), pytest.raises(WorkflowError):
        services.request_start(request=in_progress_request, actor=hz_officer)


@pytest.mark.parametrize("fixture", ["accepted_request", "in_progress_request"])
def test_the_assigned_officer_answers_with_documents(request, fixture, hz_officer, media_storage):
    assistance_request = request.getfixturevalue(fixture)

    response = services.request_answer(
        request=assistance_request,
        actor=hz_officer,
        body="登记档案见附件。",
        files=[upload("档案.pdf", b"%PDF-1.4 a"), upload("发货.xlsx", b"xlsx")],
    )

    answered = refreshed(assistance_request)
    assert (answered.status, answered.answered_at is not None) == (Status.ANSWERED, True)
    assert (response.body, response.created_by) == ("登记档案见附件。", hz_officer)
    assert sorted(response.documents.values_list("original_name", flat=True)) == ["发货.xlsx", "档案.pdf"]
    assert timeline_kinds(answered.case)[-1] == "request_answered"
    assert notified("request_answered") == {"sz_officer"}


def test_an_empty_answer_is_refused(in_progress_request, hz_officer):
    with nothing_changes(in_progress_request), pytest.raises(WorkflowError):
        services.request_answer(request=in_progress_request, actor=hz_officer, body="  ")


@pytest.mark.parametrize("who", ["hz_leader", "sz_officer"])
def test_only_the_assigned_officer_answers(cast, in_progress_request, who):
    with nothing_changes(in_progress_request), pytest.raises(PermissionDenied):
        services.request_answer(request=in_progress_request, actor=getattr(cast, who), body="x")


def test_an_answered_request_cannot_be_answered_again(answered_request, hz_officer, media_storage):
    with nothing_changes(answered_request), pytest.raises(WorkflowError):
        services.request_answer(request=answered_request, actor=hz_officer, body="again", files=[upload()])
    assert answered_request.responses.count() == 1
    assert not media_storage.exists()


def test_an_answer_with_a_file_over_the_limit_leaves_no_answer(
    in_progress_request, hz_officer, settings, media_storage
):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    with nothing_changes(in_progress_request), pytest.raises(WorkflowError):
        services.request_answer(
            request=in_progress_request, actor=hz_officer, body="x", files=[upload(content=b"x" * 1001)]
        )
    assert Document.objects.count() == 0


@pytest.mark.parametrize("who", ["sz_officer", "sz_leader"])
def test_the_requesting_side_confirms_the_answer(cast, answered_request, who):
    services.request_complete(request=answered_request, actor=getattr(cast, who))

    request = refreshed(answered_request)
    assert (request.status, request.completed_at is not None) == (Status.COMPLETED, True)
    assert timeline_kinds(request.case)[-1] == "request_completed"
    assert notified("request_completed") == {"hz_officer"}


@pytest.mark.parametrize("who", ["hz_officer", "hz_leader", "sz_officer2"])
def test_only_the_requesting_side_confirms_the_answer(cast, answered_request, who):
    with nothing_changes(answered_request), pytest.raises(PermissionDenied):
        services.request_complete(request=answered_request, actor=getattr(cast, who))


@pytest.mark.parametrize("status", [Status.IN_PROGRESS, Status.COMPLETED])
def test_only_an_answered_request_can_be_completed(answered_request, sz_officer, status):
    request = force_status(answered_request, status)
    with nothing_changes(request), pytest.raises(WorkflowError):
        services.request_complete(request=request, actor=sz_officer)
