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
from interop import events as webhook_events
from portal import workdays
from portal.exceptions import WorkflowError
from portal.models import Bureau, User
from portal.services import audit, notify

from . import permissions
from .models import AssistanceRequest, DeadlineExtension, RequestType, RequestTypeTimeLimit, Response

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
    # Until a request is sent it is the requesting bureau's own business: its lines stay on that side.
    private = request.requesting_bureau_id if request.status in permissions.PRIVATE_TO_REQUESTER else None
    case_services.record_timeline(
        case=request.case,
        actor=actor,
        kind=kind,
        params=message_params(request, **extra),
        internal_bureau_id=private,
    )
    audit(
        actor=actor,
        action=kind.replace("_", ".", 1),
        obj=request,
        case_id=request.case_id,
        detail=extra,
        internal_bureau_id=private,
    )


def team_leaders(team) -> list[User]:
    return list(team.leaders_group.user_set.filter(is_active=True))


def _notify(request: AssistanceRequest, recipients, kind: str, actor: User | None = None, **extra) -> None:
    notify(
        recipients=recipients,
        kind=kind,
        params=message_params(request, actor, **extra),
        url=request_url(request),
    )


MAX_TIME_LIMIT_DAYS = 90


def default_time_limit(request_type: str | None = None) -> int:
    """The default time limit in working days of a request type (administrators set one per type in
    RequestTypeTimeLimit); PORTAL_DEFAULT_TIME_LIMIT_DAYS, 15 as in the penalty procedure rules, otherwise."""
    if request_type:
        limit = (
            RequestTypeTimeLimit.objects.filter(request_type=request_type)
            .values_list("time_limit_days", flat=True)
            .first()
        )
        if limit:
            return limit
    return settings.PORTAL_DEFAULT_TIME_LIMIT_DAYS


def default_time_limits() -> dict[str, int]:
    """Every request type's default time limit (one query), for forms that explain them."""
    limits = dict(RequestTypeTimeLimit.objects.values_list("request_type", "time_limit_days"))
    return {value: limits.get(value, settings.PORTAL_DEFAULT_TIME_LIMIT_DAYS) for value in RequestType.values}


def _check_time_limit(days: int) -> None:
    if not 1 <= days <= MAX_TIME_LIMIT_DAYS:
        raise WorkflowError(_("The time limit must be between 1 and 90 working days."))


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
        time_limit_days=time_limit_days or default_time_limit(request_type),
        created_by=actor,
    )
    _check_time_limit(request.time_limit_days)
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
    if not request.time_limit_days:
        request.time_limit_days = default_time_limit(request.request_type)
    _check_time_limit(request.time_limit_days)
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
        case=request.case, actor=actor, uploaded_file=uploaded_file, title=title, announce=False
    )
    request.documents.add(document)  # hidden from the partner until sent: cases.permissions.document_scope
    _timeline(request, actor, "request_attachment_added", title=document.title)
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

    Only a leader of the requesting team; they may change the time limit the drafter proposed. A due date
    in a year the calendar does not cover is counted Monday–Friday and marked provisional. Exactly one of
    two concurrent approvals succeeds: the row lock serialises them and the second sees the new state.
    """
    request = _lock(request)
    require(permissions.can_approve(actor, request), _("Only a leader of the requesting team can approve."))
    _expect(request, Status.AWAITING_APPROVAL)
    changed_limit = {}
    if time_limit_days and time_limit_days != request.time_limit_days:
        _check_time_limit(time_limit_days)
        changed_limit = {"time_limit_days": [request.time_limit_days, time_limit_days]}
        request.time_limit_days = time_limit_days
    today = timezone.localdate()
    request.status = Status.SENT
    request.approved_by = actor
    request.sent_at = timezone.now()
    request.due_date, request.due_date_provisional = workdays.due_date(today, request.time_limit_days)
    request.save()
    _timeline(request, actor, "request_approved", **changed_limit)
    _notify(
        request,
        team_leaders(request.requested_team),
        "request_received",
        actor,
        bureau=str(request.requesting_bureau),
    )
    _notify(request, [request.created_by], "request_approved", actor)
    webhook_events.request_event("request.sent", request, to=[request.requested_bureau_id])
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
    webhook_events.request_event(
        "request.answered", request, to=[request.requesting_bureau_id, request.requested_bureau_id]
    )
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


# --- Deadline extensions -------------------------------------------------------------------------


def _pending_extension(request: AssistanceRequest) -> DeadlineExtension:
    extension = (
        DeadlineExtension.objects.select_for_update()
        .filter(request=request, status=DeadlineExtension.Status.PENDING)
        .first()
    )
    if extension is None:
        raise WorkflowError(
            _("No deadline extension is waiting for a decision; someone may have decided a moment ago.")
        )
    return extension


@transaction.atomic
def extension_request(
    *, request: AssistanceRequest, actor: User, new_due_date, reason: str
) -> DeadlineExtension:
    """The receiving side asks for a later due date, with a reason, before the due date has passed.

    The assigned officer or a leader of the requested team, while the request is open (sent, accepted or
    in progress); one pending extension per request at a time. The requesting team's leaders are asked
    to decide. Locks the request row.
    """
    request = _lock(request)
    require(
        permissions.can_ask_extension(actor, request),
        _("Only the assigned officer or a leader of the requested team can ask for more time."),
    )
    _expect(request, *AssistanceRequest.OPEN_STATUSES)
    if not reason.strip():
        raise WorkflowError(_("Please say why more time is needed."))
    if request.due_date is None or timezone.localdate() > request.due_date:
        raise WorkflowError(_("An extension must be asked for before the due date has passed."))
    if new_due_date <= request.due_date:
        raise WorkflowError(
            _("The new due date must be later than the current one (%(due)s).")
            % {"due": request.due_date.isoformat()}
        )
    if not workdays.is_working_day(new_due_date):
        raise WorkflowError(_("The new due date must be a working day."))
    if DeadlineExtension.objects.filter(request=request, status=DeadlineExtension.Status.PENDING).exists():
        raise WorkflowError(_("An extension of this request is already waiting for a decision."))
    extension = DeadlineExtension.objects.create(
        request=request,
        requested_by=actor,
        reason=reason,
        previous_due_date=request.due_date,
        proposed_due_date=new_due_date,
    )
    _timeline(request, actor, "extension_requested", new_due=new_due_date.isoformat(), reason=reason)
    _notify(
        request,
        team_leaders(request.requesting_team),
        "extension_requested",
        actor,
        new_due=new_due_date.isoformat(),
        reason=reason,
    )
    return extension


def _receiving_side(request: AssistanceRequest, extension: DeadlineExtension) -> list[User]:
    return [
        extension.requested_by,
        request.assignee,
        *team_leaders(request.requested_team),
        request.created_by,
    ]


@transaction.atomic
def extension_approve(*, request: AssistanceRequest, actor: User, comment: str = "") -> DeadlineExtension:
    """A leader of the requesting team grants the pending extension: the due date moves, and the
    reminders re-arm for it (they are kept per due date). Locks the request and the extension."""
    request = _lock(request)
    require(
        permissions.can_decide_extension(actor, request),
        _("Only a leader of the requesting team can decide on an extension."),
    )
    extension = _pending_extension(request)
    _expect(request, *AssistanceRequest.OPEN_STATUSES)
    extension.status = DeadlineExtension.Status.APPROVED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_comment = comment
    extension.save()
    previous = request.due_date
    request.due_date = extension.proposed_due_date
    request.due_date_provisional = workdays.is_provisional(request.due_date)
    request.save()
    _timeline(request, actor, "extension_approved", previous_due=previous.isoformat() if previous else "")
    _notify(request, _receiving_side(request, extension), "extension_approved", actor)
    return extension


@transaction.atomic
def extension_refuse(*, request: AssistanceRequest, actor: User, reason: str) -> DeadlineExtension:
    """A leader of the requesting team refuses the pending extension, with a reason; the due date stays."""
    request = _lock(request)
    require(
        permissions.can_decide_extension(actor, request),
        _("Only a leader of the requesting team can decide on an extension."),
    )
    if not reason.strip():
        raise WorkflowError(_("Please give the reason for refusing."))
    extension = _pending_extension(request)
    extension.status = DeadlineExtension.Status.REFUSED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_comment = reason
    extension.save()
    _timeline(request, actor, "extension_refused", comment=reason)
    _notify(request, _receiving_side(request, extension), "extension_refused", actor, comment=reason)
    return extension


def recount_provisional_due_dates() -> int:
    """Count provisional due dates again once their year is in the calendar; return how many changed.

    A due date counted Monday–Friday in a year the calendar did not cover is counted again from the day
    the request was sent; a due date a leader granted in an extension keeps its date and only loses the
    provisional mark. Each change is one transaction that locks its request, records it on the timeline
    and tells the people concerned. Idempotent; run by beat and after an administrator saves a year.
    """
    candidates = list(
        AssistanceRequest.objects.filter(
            status__in=AssistanceRequest.OPEN_STATUSES, due_date_provisional=True
        ).values_list("pk", "sent_at", "due_date")
    )
    if not candidates:
        return 0
    first = min(timezone.localdate(sent) for _pk, sent, _due in candidates if sent)
    working = workdays.calendar(first, max(due for _pk, _sent, due in candidates))
    covered = [pk for pk, _sent, due in candidates if not working.is_provisional(due)]
    extended = set(
        DeadlineExtension.objects.filter(
            request_id__in=covered, status=DeadlineExtension.Status.APPROVED
        ).values_list("request_id", flat=True)
    )
    changed = 0
    for pk in covered:
        with transaction.atomic():
            request = AssistanceRequest.objects.select_for_update().select_related("case").get(pk=pk)
            if not request.due_date_provisional or request.status not in AssistanceRequest.OPEN_STATUSES:
                continue
            previous = request.due_date
            if pk not in extended:
                request.due_date = working.add_working_days(
                    timezone.localdate(request.sent_at), request.time_limit_days
                )
            request.due_date_provisional = working.is_provisional(request.due_date)
            request.save(update_fields=["due_date", "due_date_provisional", "updated_at"])
            if request.due_date != previous:
                changed += 1
                _timeline(request, None, "request_due_date_recounted", old_due=previous.isoformat())
                recipients = [request.assignee, request.created_by, *team_leaders(request.requested_team)]
                _notify(request, recipients, "due_date_recounted", old_due=previous.isoformat())
    return changed
