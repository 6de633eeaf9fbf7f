"""Writes of the shared platform: accounts, notifications, audit records."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from .exceptions import WorkflowError
from .models import AuditEvent, Bureau, Notification, Team, User


@transaction.atomic
def team_create(*, bureau: Bureau, name_zh: str, name_en: str = "") -> Team:
    """Create a team with its own leaders group (the holder of the leaders' object permissions)."""
    group = Group.objects.create(name=f"team-leaders:{bureau.code}:{name_zh}")
    return Team.objects.create(bureau=bureau, name_zh=name_zh, name_en=name_en, leaders_group=group)


@transaction.atomic
def user_set_position(*, user: User, team: Team | None, role: str) -> User:
    """Place a user in a team with a role and keep the team leaders' groups in step.

    Leaders see their team's cases through the team's leaders group, so moving a leader out of a team
    or changing the role takes the access away at the next request. Call this for every change of
    team, bureau or role (the admin does).
    """
    user.team = team
    user.bureau = team.bureau if team else user.bureau
    user.role = role
    user.save(update_fields=["team", "bureau", "role"])
    leader_groups = Group.objects.filter(led_team__isnull=False)
    user.groups.remove(*leader_groups.filter(user=user))
    if team and role == User.Role.LEADER:
        user.groups.add(team.leaders_group)
    return user


def notify(*, recipients: Iterable[User], kind: str, params: dict, url: str) -> list[Notification]:
    """Create in-app notifications and queue their emails for after the transaction commits.

    Call inside the transaction of the event: if it rolls back, neither the row nor the email exists.
    """
    from .tasks import send_notification_email

    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    created = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, params=params, url=url) for user in unique.values()
    )
    for notification in created:
        send_notification_email.delay_on_commit(notification.pk)
    return created


def audit(
    *, actor, action: str, obj=None, case_id=None, detail=None, ip_address=None, internal_bureau_id=None
) -> AuditEvent:
    """Append one audit record in the caller's transaction; it is hash-chained after commit.

    Records about an item internal to a bureau pass that bureau, so other bureaus' auditors never see them.
    """
    from .audit import record

    return record(
        actor=actor,
        action=action,
        obj=obj,
        case_id=case_id,
        detail=detail,
        ip_address=ip_address,
        internal_bureau_id=internal_bureau_id,
    )


def mark_notifications_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def two_factor_device_for_setup(*, user: User):
    """The user's unconfirmed TOTP device, created on first use (its secret is shown once, at setup)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name=f"{user.get_username()} TOTP", confirmed=False)


@transaction.atomic
def two_factor_confirm(*, user: User, device, token: str, ip_address=None) -> bool:
    """Confirm a new TOTP device with a first valid code. Returns False (and changes nothing) on a wrong code."""
    if device.user_id != user.pk or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit(actor=user, action="auth.2fa_enabled", ip_address=ip_address)
    return True


def two_factor_verify(*, user: User, token: str, ip_address=None):
    """The confirmed device that accepts the code, or None. django-otp throttles repeated failures."""
    from django_otp import devices_for_user

    for device in devices_for_user(user, confirmed=True):
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(token):
            audit(actor=user, action="auth.2fa_verified", ip_address=ip_address)
            return device
    audit(actor=user, action="auth.2fa_failed", ip_address=ip_address)
    return None


def _require_bureau_admin_of(actor: User, bureau_id: int | None) -> None:
    if actor.role != User.Role.BUREAU_ADMIN or actor.bureau_id is None or actor.bureau_id != bureau_id:
        raise PermissionDenied(_("Only an administrator of this bureau can manage its accounts."))


@transaction.atomic
def account_create(
    *, actor: User, username: str, password: str, role: str, team: Team | None, **fields
) -> User:
    """A bureau administrator opens an account in their own bureau. The password was validated by the form."""
    _require_bureau_admin_of(actor, actor.bureau_id)
    if team is not None:
        _require_bureau_admin_of(actor, team.bureau_id)
    user = User.objects.create_user(username=username, password=password, bureau_id=actor.bureau_id, **fields)
    user_set_position(user=user, team=team, role=role)
    audit(
        actor=actor,
        action="account.create",
        obj=user,
        detail={"role": role, "team": team.pk if team else None},
    )
    return user


@transaction.atomic
def account_update(
    *, actor: User, user: User, role: str, team: Team | None, is_active: bool, **fields
) -> User:
    """Change an account of the administrator's bureau. Role, team and activity changes take effect at the
    user's next request (team leaders' access follows their leaders group; inactive users are logged out).
    An administrator cannot deactivate or demote themselves, so a bureau never loses its last way in.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    _require_bureau_admin_of(actor, user.bureau_id)
    if team is not None:
        _require_bureau_admin_of(actor, team.bureau_id)
    if user.pk == actor.pk and (not is_active or role != User.Role.BUREAU_ADMIN):
        raise WorkflowError(
            _("You cannot deactivate your own account or give up your own administrator role.")
        )
    before = {"role": user.role, "team": user.team_id, "is_active": user.is_active}
    for name, value in fields.items():
        setattr(user, name, value)
    user.is_active = is_active
    user.save()
    user_set_position(user=user, team=team, role=role)
    after = {"role": role, "team": team.pk if team else None, "is_active": is_active}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    audit(actor=actor, action="account.update", obj=user, detail=changes)
    return user
