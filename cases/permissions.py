"""The one access policy for joint cases and everything inside them.

Who sees a case: the case team (per-user guardian rows), the leaders of the participating teams (the
team's leaders group holds a guardian row), and the auditors of a participating bureau. Everything a
page, download, count, queue or mail shows of a case goes through `visible_cases`, which filters in SQL
with indexed `id IN (subquery)` clauses — never by looping over objects in Python.
A case outside the policy answers 404; a forbidden action on a visible case answers 403.
"""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from portal.models import User

from .models import (
    CaseGroupObjectPermission,
    CaseMember,
    CaseParticipant,
    CaseUserObjectPermission,
    JointCase,
)

VIEW_CASE = "view_jointcase"


def view_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="cases", codename=VIEW_CASE)


def visible_cases(user: User) -> QuerySet[JointCase]:
    """Cases the user may see. Model-level permissions never widen this list."""
    if not (user.is_authenticated and user.is_active):
        return JointCase.objects.none()
    via_user = CaseUserObjectPermission.objects.filter(user_id=user.pk, permission__codename=VIEW_CASE)
    via_group = CaseGroupObjectPermission.objects.filter(
        group__in=user.groups.values("pk"), permission__codename=VIEW_CASE
    )
    rule = Q(id__in=via_user.values("content_object_id")) | Q(id__in=via_group.values("content_object_id"))
    if user.role == User.Role.AUDITOR and user.bureau_id:
        rule |= Q(id__in=CaseParticipant.objects.filter(bureau_id=user.bureau_id).values("case_id"))
    return JointCase.objects.filter(rule)


def bureau_scope(user: User) -> Q:
    """Notes, documents and timeline lines marked internal to a bureau are seen by that bureau only.

    Apply to every query of such items: pages, downloads, counts, notifications and exports.
    """
    return Q(internal_bureau__isnull=True) | Q(internal_bureau_id=user.bureau_id)


def access_case(user: User, case_id: int, queryset: QuerySet[JointCase] | None = None) -> JointCase:
    """The case if the user may see it; otherwise 404, so that its existence is not revealed."""
    try:
        return (queryset if queryset is not None else visible_cases(user)).filter(pk=case_id).get()
    except JointCase.DoesNotExist:
        raise Http404(_("No such case.")) from None


def is_member(user: User, case: JointCase) -> bool:
    return CaseMember.objects.filter(case=case, user_id=user.pk).exists()


def participant_for(case: JointCase, bureau_id: int) -> CaseParticipant | None:
    return CaseParticipant.objects.filter(case=case, bureau_id=bureau_id).select_related("team").first()


def leads_participating_team(user: User, case: JointCase, bureau_id: int | None = None) -> bool:
    """A leader of the team in charge for a participating bureau (the user's own, or the one named)."""
    if user.role != User.Role.LEADER or not user.team_id:
        return False
    participants = CaseParticipant.objects.filter(case=case, team_id=user.team_id)
    if bureau_id is not None:
        participants = participants.filter(bureau_id=bureau_id)
    return participants.exists()


def can_create_case(user: User) -> bool:
    """Officers and leaders of a team open joint cases; auditors and administrators never do."""
    return user.team_id is not None and user.role in (User.Role.OFFICER, User.Role.LEADER)


def can_work_on(user: User, case: JointCase) -> bool:
    """Officers on the case team and leaders of participating teams may add parties, files and drafts."""
    if case.status == JointCase.Status.CLOSED:
        return False
    return is_member(user, case) or leads_participating_team(user, case)


def can_manage_case(user: User, case: JointCase) -> bool:
    """Editing the case and moving it forward belongs to the lead bureau's team."""
    if user.bureau_id != case.lead_bureau_id:
        return False
    return is_member(user, case) or leads_participating_team(user, case, case.lead_bureau_id)


def can_approve_closure(user: User, case: JointCase) -> bool:
    return leads_participating_team(user, case, case.lead_bureau_id)


def require(allowed: bool, message: str | None = None) -> None:
    """Raise 403 with a clear message when an action on a visible object is not allowed."""
    if not allowed:
        raise PermissionDenied(message or _("You are not allowed to do this."))
