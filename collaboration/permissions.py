"""Access policy for assistance requests: a request is visible exactly when its case is."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cases.permissions import is_member, visible_cases
from portal.models import User

from .models import AssistanceRequest

PRIVATE_TO_REQUESTER = (AssistanceRequest.Status.DRAFT, AssistanceRequest.Status.AWAITING_APPROVAL)


def visible_requests(user: User) -> QuerySet[AssistanceRequest]:
    """Requests of the cases the user sees; a draft or one awaiting approval only on the requesting side."""
    return AssistanceRequest.objects.filter(case_id__in=visible_cases(user).values("id")).exclude(
        Q(status__in=PRIVATE_TO_REQUESTER) & ~Q(requesting_bureau_id=user.bureau_id)
    )


def access_request(user: User, request_id: int) -> AssistanceRequest:
    """The request if the user may see it (visible_requests), else 404."""
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


def can_ask_extension(user: User, request: AssistanceRequest) -> bool:
    """The receiving side: the assigned officer or a leader of the requested team."""
    return is_assignee(user, request) or leads(user, request.requested_team_id)


def can_decide_extension(user: User, request: AssistanceRequest) -> bool:
    return leads(user, request.requesting_team_id)
