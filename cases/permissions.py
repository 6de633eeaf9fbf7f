"""The one access policy for joint cases and everything inside them.

Who sees a case: the case team (per-user guardian rows), the leaders of the participating teams (the
team's leaders group holds a guardian row), and the auditors of a participating bureau. Everything a
page, download, count, queue or mail shows of a case goes through `visible_cases`, which filters in SQL
with indexed `id IN (subquery)` clauses — never by looping over objects in Python.
A case outside the policy answers 404; a forbidden action on a visible case answers 403.
"""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
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
        # Auditors read their bureau's cases; a partner's draft is not a joint case yet.
        rule |= Q(id__in=CaseParticipant.objects.filter(bureau_id=user.bureau_id).values("case_id")) & (
            Q(lead_bureau_id=user.bureau_id) | ~Q(status=JointCase.Status.DRAFT)
        )
    return JointCase.objects.filter(rule)


def visible_pairs(user_ids, case_ids) -> set[tuple[int, int]]:
    """Which of these users see which of these cases, as (user_id, case_id): `visible_cases` asked for
    many people at once (four queries), for sweeps and digests that write to thousands of people."""
    user_ids, case_ids = list(user_ids), list(case_ids)
    if not user_ids or not case_ids:
        return set()
    active = User.objects.filter(pk__in=user_ids, is_active=True)
    pairs = set(
        CaseUserObjectPermission.objects.filter(
            user__in=active, permission__codename=VIEW_CASE, content_object_id__in=case_ids
        ).values_list("user_id", "content_object_id")
    )
    memberships = User.groups.through.objects.filter(user__in=active).values_list("group_id", "user_id")
    members_of: dict[int, list[int]] = {}
    for group_id, user_id in memberships:
        members_of.setdefault(group_id, []).append(user_id)
    for group_id, case_id in CaseGroupObjectPermission.objects.filter(
        group_id__in=list(members_of), permission__codename=VIEW_CASE, content_object_id__in=case_ids
    ).values_list("group_id", "content_object_id"):
        pairs.update((user_id, case_id) for user_id in members_of[group_id])
    auditors = dict(
        active.filter(role=User.Role.AUDITOR, bureau__isnull=False).values_list("pk", "bureau_id")
    )
    if auditors:
        by_bureau: dict[int, list[int]] = {}
        for user_id, bureau_id in auditors.items():
            by_bureau.setdefault(bureau_id, []).append(user_id)
        for case_id, bureau_id in (
            CaseParticipant.objects.filter(case_id__in=case_ids, bureau_id__in=list(by_bureau))
            .filter(Q(case__lead_bureau_id=F("bureau_id")) | ~Q(case__status=JointCase.Status.DRAFT))
            .values_list("case_id", "bureau_id")
        ):
            pairs.update((user_id, case_id) for user_id in by_bureau[bureau_id])
    return pairs


def bureau_scope(user: User) -> Q:
    """Notes, documents and timeline lines marked internal to a bureau are seen by that bureau only.

    Apply to every query of such items: pages, downloads, counts, notifications and exports.
    """
    return Q(internal_bureau__isnull=True) | Q(internal_bureau_id=user.bureau_id)


def document_scope(user: User) -> Q:
    """The documents of a visible case the user may see: not internal to another bureau, and not an
    attachment of another bureau's request that has not been sent yet (it reaches the partner with it).
    Apply to every query of documents."""
    from collaboration.selectors import unsent_attachment_ids  # collaboration builds on cases

    return bureau_scope(user) & ~Q(id__in=unsent_attachment_ids(user))


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


def can_see_case(user: User, case: JointCase) -> bool:
    """Whoever may see the case may read its evidence, download it and export it as a package."""
    return visible_cases(user).filter(pk=case.pk).exists()


def can_correct_document(user: User, document) -> bool:
    """A new version or a withdrawal: by the bureau that provided the evidence, on a case it works on.

    The document must come through `access_document` (visible to the user, uploader loaded).
    """
    return user.bureau_id == document.uploaded_by.bureau_id and can_work_on(user, document.case)


def can_approve_closure(user: User, case: JointCase) -> bool:
    return leads_participating_team(user, case, case.lead_bureau_id)


def require(allowed: bool, message: str | None = None) -> None:
    """Raise 403 with a clear message when an action on a visible object is not allowed."""
    if not allowed:
        raise PermissionDenied(message or _("You are not allowed to do this."))
