"""Writes of assistance requests: one function per workflow step (DESIGN.md §3).

Every step locks the request row, checks the actor's right and the current state, changes it, writes the
case timeline and the audit trail, and queues notifications for after the commit. When two people act at
once, the second finds the state already changed and gets a WorkflowError that says so.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.models import Document, JointCase
from cases.permissions import can_work_on, participant_for, require
from portal import workdays
from portal.exceptions import WorkflowError
from portal.models import Bureau, User
from portal.services import audit, notify

from . import permissions
from .models import AssistanceRequest, Response

Status = AssistanceRequest.Status


def request_url(request: AssistanceRequest) -> str:
    return reverse("collaboration:request_detail", args=[request.pk])


def _lock(request: AssistanceRequest) -> AssistanceRequest:
    """Re-read the request under a row lock: rights and state are checked on what is current."""
    return AssistanceRequest.objects.select_for_update().select_related("case").get(pk=request.pk)


def _expect(request: AssistanceRequest, *allowed: str) -> None:
    if request.status not in allowed:
        raise WorkflowError(
            _(
                "This step is not possible while the request is “%(status)s”. Someone may have acted on it a moment ago; reload the page."
            )
            % {"status": request.get_status_display()}
        )


def message_params(request: AssistanceRequest, actor: User | None = None, **extra) -> dict:
    params = {
        "request": request.title,
        "case": request.case.reference,
        "bureau": str(request.requested_bureau),
    }
    if actor is not None:
        params["actor"] = str(actor)
    if request.due_date:
        params["due"] = request.due_date.isoformat()
    params.update(extra)
    return params


def _timeline(request: AssistanceRequest, actor: User | None, kind: str, **extra) -> None:
    case_services.record_timeline(
        case=request.case, actor=actor, kind=kind, params=message_params(request, **extra)
    )
    audit(actor=actor, action=kind.replace("_", ".", 1), obj=request, case_id=request.case_id, detail=extra)


def team_leaders(team) -> list[User]:
    return list(team.leaders_group.user_set.filter(is_active=True))


def _notify(request: AssistanceRequest, recipients, kind: str, actor: User | None = None, **extra) -> None:
    notify(
        recipients=recipients,
        kind=kind,
        params=message_params(request, actor, **extra),
        url=request_url(request),
    )


def default_time_limit() -> int:
    return settings.PORTAL_DEFAULT_TIME_LIMIT_DAYS


@transaction.atomic
def request_create(
    *,
    case: JointCase,
    actor: User,
    request_type: str,
    title: str,
    items: str,
    requested_bureau: Bureau,
    time_limit_days: int | None = None,
) -> AssistanceRequest:
    """Draft a request from the actor's bureau to another bureau taking part in the case."""
    require(can_work_on(actor, case))
    own_side = participant_for(case, actor.bureau_id)
    other_side = participant_for(case, requested_bureau.pk)
    if own_side is None:
        raise WorkflowError(_("Your bureau does not take part in this case."))
    if other_side is None or requested_bureau.pk == actor.bureau_id:
        raise WorkflowError(_("Requests can only be sent to another bureau taking part in the case."))
    if case.status in (JointCase.Status.CLOSURE_PENDING, JointCase.Status.CLOSED):
        raise WorkflowError(_("No new requests can be drafted once closure has been asked for."))
    request = AssistanceRequest.objects.create(
        case=case,
        request_type=request_type,
        title=title,
        items=items,
        requesting_bureau_id=actor.bureau_id,
        requesting_team=own_side.team,
        requested_bureau=requested_bureau,
        requested_team=other_side.team,
        time_limit_days=time_limit_days or default_time_limit(),
        created_by=actor,
    )
    _timeline(request, actor, "request_created")
    return request


@transaction.atomic
def request_update(*, request: AssistanceRequest, actor: User, **fields) -> AssistanceRequest:
    """Edit a draft (requesting side only)."""
    request = _lock(request)
    require(permissions.on_requesting_side(actor, request))
    _expect(request, Status.DRAFT)
    for name in ("request_type", "title", "items", "time_limit_days"):
        if name in fields:
            setattr(request, name, fields[name])
    request.save()
    _timeline(request, actor, "request_updated")
    return request


@transaction.atomic
def request_attach_document(
    *, request: AssistanceRequest, actor: User, uploaded_file, title: str = ""
) -> Document:
    """Attach a file to a draft request; it becomes a sealed document of the case."""
    request = _lock(request)
    require(permissions.on_requesting_side(actor, request))
    _expect(request, Status.DRAFT)
    document = case_services.document_upload(
        case=request.case, actor=actor, uploaded_file=uploaded_file, title=title
    )
    request.documents.add(document)
    return document


@transaction.atomic
def request_submit(*, request: AssistanceRequest, actor: User) -> AssistanceRequest:
    """Draft → awaiting approval by the requesting team's leaders."""
    request = _lock(request)
    require(permissions.on_requesting_side(actor, request))
    _expect(request, Status.DRAFT)
    if request.case.status not in (JointCase.Status.OPEN, JointCase.Status.INVESTIGATING):
        raise WorkflowError(_("Requests can be submitted only once the case is open."))
    request.status = Status.AWAITING_APPROVAL
    request.submitted_at = timezone.now()
    request.return_comment = ""
    request.save()
    _timeline(request, actor, "request_submitted")
    _notify(request, team_leaders(request.requesting_team), "request_awaiting_approval", actor)
    return request


@transaction.atomic
def request_approve(
    *, request: AssistanceRequest, actor: User, time_limit_days: int | None = None
) -> AssistanceRequest:
    """Awaiting approval → sent. The due date is counted in working days from today (today not counted).

    Only a leader of the requesting team. Exactly one of two concurrent approvals succeeds: the row lock
    serialises them and the second sees the new state.
    """
    request = _lock(request)
    require(permissions.can_approve(actor, request), _("Only a leader of the requesting team can approve."))
    _expect(request, Status.AWAITING_APPROVAL)
    if time_limit_days:
        request.time_limit_days = time_limit_days
    today = timezone.localdate()
    request.status = Status.SENT
    request.approved_by = actor
    request.sent_at = timezone.now()
    request.due_date = workdays.add_working_days(today, request.time_limit_days)
    request.due_date_provisional = workdays.is_provisional(request.due_date)
    request.save()
    _timeline(request, actor, "request_approved")
    _notify(
        request,
        team_leaders(request.requested_team),
        "request_received",
        actor,
        bureau=str(request.requesting_bureau),
    )
    _notify(request, [request.created_by], "request_approved", actor)
    return request


@transaction.atomic
def request_return(*, request: AssistanceRequest, actor: User, comment: str) -> AssistanceRequest:
    """Awaiting approval → draft, with the leader's comment for the drafter."""
    request = _lock(request)
    require(
        permissions.can_approve(actor, request),
        _("Only a leader of the requesting team can return a request."),
    )
    if not comment.strip():
        raise WorkflowError(_("Please say what needs to change before the request can be approved."))
    _expect(request, Status.AWAITING_APPROVAL)
    request.status = Status.DRAFT
    request.return_comment = comment
    request.save()
    _timeline(request, actor, "request_returned", comment=comment)
    _notify(request, [request.created_by], "request_returned", actor, comment=comment)
    return request


@transaction.atomic
def request_accept(*, request: AssistanceRequest, actor: User, assignee: User) -> AssistanceRequest:
    """Sent → accepted: a leader of the requested team accepts and assigns an officer of that team.

    The officer joins the case team, so from now on they can see the case they work for.
    """
    request = _lock(request)
    require(permissions.can_accept(actor, request), _("Only a leader of the requested team can accept."))
    if not assignee.is_active or assignee.team_id != request.requested_team_id:
        raise WorkflowError(_("Choose an active officer of your own team."))
    _expect(request, Status.SENT)
    request.status = Status.ACCEPTED
    request.accepted_by = actor
    request.assignee = assignee
    request.save()
    case_services.member_add(case=request.case, user=assignee, actor=actor)
    _timeline(request, actor, "request_accepted", assignee=str(assignee))
    _notify(request, [assignee], "request_assigned", actor)
    return request


@transaction.atomic
def request_decline(*, request: AssistanceRequest, actor: User, reason: str) -> AssistanceRequest:
    """Sent → declined, with a reason for the requesting side."""
    request = _lock(request)
    require(permissions.can_accept(actor, request), _("Only a leader of the requested team can decline."))
    if not reason.strip():
        raise WorkflowError(_("Please give the reason for declining."))
    _expect(request, Status.SENT)
    request.status = Status.DECLINED
    request.decline_reason = reason
    request.save()
    _timeline(request, actor, "request_declined", reason=reason)
    recipients = [request.created_by, *team_leaders(request.requesting_team)]
    _notify(request, recipients, "request_declined", actor, reason=reason)
    return request


@transaction.atomic
def request_start(*, request: AssistanceRequest, actor: User) -> AssistanceRequest:
    """Accepted → in progress (the assigned officer)."""
    request = _lock(request)
    require(permissions.is_assignee(actor, request), _("Only the assigned officer can start work."))
    _expect(request, Status.ACCEPTED)
    request.status = Status.IN_PROGRESS
    request.save()
    _timeline(request, actor, "request_started")
    return request


@transaction.atomic
def request_answer(*, request: AssistanceRequest, actor: User, body: str, files=()) -> Response:
    """Accepted or in progress → answered, with the answer text and its documents (the assigned officer)."""
    request = _lock(request)
    require(permissions.is_assignee(actor, request), _("Only the assigned officer can answer."))
    if not body.strip():
        raise WorkflowError(_("The answer cannot be empty."))
    _expect(request, Status.ACCEPTED, Status.IN_PROGRESS)
    response = Response.objects.create(request=request, body=body, created_by=actor)
    for uploaded in files:
        document = case_services.document_upload(case=request.case, actor=actor, uploaded_file=uploaded)
        response.documents.add(document)
    request.status = Status.ANSWERED
    request.answered_at = timezone.now()
    request.save()
    _timeline(request, actor, "request_answered")
    _notify(request, [request.created_by], "request_answered", actor)
    return response


@transaction.atomic
def request_complete(*, request: AssistanceRequest, actor: User) -> AssistanceRequest:
    """Answered → completed: the requesting side confirms the answer."""
    request = _lock(request)
    require(
        permissions.on_requesting_side(actor, request), _("Only the requesting side can confirm the answer.")
    )
    _expect(request, Status.ANSWERED)
    request.status = Status.COMPLETED
    request.completed_at = timezone.now()
    request.save()
    _timeline(request, actor, "request_completed")
    _notify(request, [request.assignee], "request_completed", actor)
    return request
