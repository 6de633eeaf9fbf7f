"""Access policy for the shared platform: who may read the audit trail, who manages which accounts."""

from django.db.models import Q, QuerySet

from .models import ApiClient, AuditEvent, User


def can_read_audit(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == User.Role.AUDITOR
        and user.bureau_id is not None
    )


def visible_audit_events(user: User) -> QuerySet[AuditEvent]:
    """An auditor reads the records of their bureau's cases and of their bureau's people; nobody else any."""
    if not can_read_audit(user):
        return AuditEvent.objects.none()
    from cases.models import CaseParticipant

    own_cases = CaseParticipant.objects.filter(bureau_id=user.bureau_id).values("case_id")
    own_people = User.objects.filter(bureau_id=user.bureau_id).values("pk")
    within_bureau = Q(internal_bureau__isnull=True) | Q(internal_bureau_id=user.bureau_id)
    return AuditEvent.objects.filter(Q(case_id__in=own_cases) | Q(actor_id__in=own_people)).filter(
        within_bureau
    )


def manageable_accounts(user: User) -> QuerySet[User]:
    """Accounts a bureau administrator manages: those of their own bureau, and no other."""
    if not (
        user.is_authenticated and user.is_active and user.role == User.Role.BUREAU_ADMIN and user.bureau_id
    ):
        return User.objects.none()
    return User.objects.filter(bureau_id=user.bureau_id)


def can_manage_accounts(user: User) -> bool:
    return user.is_authenticated and user.role == User.Role.BUREAU_ADMIN and user.bureau_id is not None


def can_manage_api_clients(user: User) -> bool:
    """Bureau administrators register and revoke their own bureau's systems."""
    return can_manage_accounts(user) and user.is_active


def manageable_api_clients(user: User) -> QuerySet[ApiClient]:
    """System clients of the administrator's bureau; nobody else's."""
    if not can_manage_api_clients(user):
        return ApiClient.objects.none()
    return ApiClient.objects.filter(kind=ApiClient.Kind.SYSTEM, bureau_id=user.bureau_id)


def personal_tokens(user: User) -> QuerySet[ApiClient]:
    """A person's own tokens."""
    if not (user.is_authenticated and user.is_active):
        return ApiClient.objects.none()
    return ApiClient.objects.filter(kind=ApiClient.Kind.PERSONAL, user_id=user.pk)


def can_edit_calendar(user: User) -> bool:
    """The working-day calendar is entered by bureau administrators and superusers."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role == User.Role.BUREAU_ADMIN)
    )


def visible_outbox(user: User):
    """Emails a bureau administrator may follow: those to the people of their own bureau (no content,
    only who, which kind, and the delivery state)."""
    from .models import Notification

    if not can_manage_accounts(user) or not user.is_active:
        return Notification.objects.none()
    return Notification.objects.filter(recipient__bureau_id=user.bureau_id)
