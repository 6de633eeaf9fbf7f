"""Reads of assistance requests: queues, counts, per-case lists."""

from django.db.models import QuerySet

from portal.models import User

from .models import AssistanceRequest
from .permissions import visible_requests

Status = AssistanceRequest.Status


def _with_rows(qs: QuerySet[AssistanceRequest]) -> QuerySet[AssistanceRequest]:
    return qs.select_related("case", "requesting_bureau", "requested_bureau", "created_by", "assignee")


def awaiting_my_approval(user: User) -> QuerySet[AssistanceRequest]:
    """Outgoing requests of the leader's team waiting for approval."""
    if user.role != User.Role.LEADER or not user.team_id:
        return AssistanceRequest.objects.none()
    return visible_requests(user).filter(requesting_team_id=user.team_id, status=Status.AWAITING_APPROVAL)


def awaiting_my_acceptance(user: User) -> QuerySet[AssistanceRequest]:
    """Incoming requests for the leader's team waiting to be accepted and assigned."""
    if user.role != User.Role.LEADER or not user.team_id:
        return AssistanceRequest.objects.none()
    return visible_requests(user).filter(requested_team_id=user.team_id, status=Status.SENT)


def queue(user: User) -> dict[str, QuerySet[AssistanceRequest]]:
    return {
        "outgoing": _with_rows(awaiting_my_approval(user)).order_by("submitted_at", "id"),
        "incoming": _with_rows(awaiting_my_acceptance(user)).order_by("sent_at", "id"),
    }


def queue_count(user: User) -> int:
    if user.role != User.Role.LEADER:
        return 0
    return (awaiting_my_approval(user) | awaiting_my_acceptance(user)).count()


def assigned_to_me(user: User) -> QuerySet[AssistanceRequest]:
    return _with_rows(
        visible_requests(user).filter(assignee_id=user.pk, status__in=[Status.ACCEPTED, Status.IN_PROGRESS])
    ).order_by("due_date", "id")


UNFINISHED = (Status.AWAITING_APPROVAL, Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS, Status.ANSWERED)


def unfinished_requests_of_case(case) -> QuerySet[AssistanceRequest]:
    """Requests that still need someone to act: a case with any of these cannot be closed."""
    return AssistanceRequest.objects.filter(case=case, status__in=UNFINISHED)


def requests_of_case(case) -> QuerySet[AssistanceRequest]:
    return _with_rows(AssistanceRequest.objects.filter(case=case)).order_by("created_at", "id")
