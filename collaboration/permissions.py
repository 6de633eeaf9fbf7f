"""Access policy for assistance requests: a request is visible exactly when its case is."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cases.permissions import is_member, visible_cases
from portal.models import User

from .models import AssistanceRequest


def visible_requests(user: User) -> QuerySet[AssistanceRequest]:
    return AssistanceRequest.objects.filter(case_id__in=visible_cases(user).values("id"))


def access_request(user: User, request_id: int) -> AssistanceRequest:
    """The request if its case is visible to the user, else 404."""
    try:
        return visible_requests(user).select_related("case").get(pk=request_id)
    except AssistanceRequest.DoesNotExist:
        raise Http404(_("No such assistance request.")) from None


def leads(user: User, team_id: int) -> bool:
    return user.role == User.Role.LEADER and user.team_id == team_id


def on_requesting_side(user: User, request: AssistanceRequest) -> bool:
    """Case-team members of the requesting bureau, and the requesting team's leaders."""
    if leads(user, request.requesting_team_id):
        return True
    return user.bureau_id == request.requesting_bureau_id and is_member(user, request.case)


def can_edit_draft(user: User, request: AssistanceRequest) -> bool:
    return request.status == AssistanceRequest.Status.DRAFT and on_requesting_side(user, request)


def can_approve(user: User, request: AssistanceRequest) -> bool:
    return leads(user, request.requesting_team_id)


def can_accept(user: User, request: AssistanceRequest) -> bool:
    return leads(user, request.requested_team_id)


def is_assignee(user: User, request: AssistanceRequest) -> bool:
    return request.assignee_id is not None and request.assignee_id == user.pk
