"""Writes of the shared platform: accounts, notifications, audit records."""

import hashlib
import secrets
from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions
from .exceptions import WorkflowError
from .models import ApiClient, AuditEvent, Bureau, Notification, Team, User


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
    Each recipient's preference for the kind decides the email: at once (the row enters the outbox as
    pending), in the daily digest, or none.
    """
    return notify_many([(recipients, kind, params, url)])


def notify_many(batch: Iterable[tuple[Iterable[User], str, dict, str]]) -> list[Notification]:
    """`notify` for many events at once, as (recipients, kind, params, url): two queries for any number.

    Inactive recipients and repeats within one event are dropped. Used by sweeps that notify about
    thousands of requests in one go.
    """
    from . import outbox
    from .models import NotificationPreference
    from .notifications import ALWAYS_IMMEDIATE, DIGEST, IMMEDIATE

    events = []
    for recipients, kind, params, url in batch:
        unique = {user.pk: user for user in recipients if user is not None and user.is_active}
        events.append((unique, kind, params, url))
    user_ids = {pk for unique, *_rest in events for pk in unique}
    kinds = {kind for _unique, kind, *_rest in events if kind not in ALWAYS_IMMEDIATE}
    chosen = {}
    if user_ids and kinds:
        chosen = {
            (user_id, kind): delivery
            for user_id, kind, delivery in NotificationPreference.objects.filter(
                user_id__in=list(user_ids), kind__in=list(kinds)
            ).values_list("user_id", "kind", "delivery")
        }
    now = timezone.now()
    statuses = {
        IMMEDIATE: Notification.EmailStatus.PENDING,
        DIGEST: Notification.EmailStatus.DIGEST,
    }
    rows = []
    for unique, kind, params, url in events:
        for user in unique.values():
            delivery = IMMEDIATE if kind in ALWAYS_IMMEDIATE else chosen.get((user.pk, kind), IMMEDIATE)
            status = (
                statuses.get(delivery, Notification.EmailStatus.NONE)
                if user.email
                else Notification.EmailStatus.NONE
            )
            rows.append(
                Notification(
                    recipient=user,
                    kind=kind,
                    params=params,
                    url=url,
                    email_status=status,
                    email_dispatched_at=now if status == Notification.EmailStatus.PENDING else None,
                )
            )
    created = Notification.objects.bulk_create(rows, batch_size=2000)
    outbox.dispatch_on_commit([n.pk for n in created if n.email_status == Notification.EmailStatus.PENDING])
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


# --- API clients and personal tokens ------------------------------------------------------------

TOKEN_PREFIX = "jep"


def hash_token(token: str) -> str:
    """The stored form of a token. The secret is 32 random bytes, so a plain SHA-256 cannot be guessed
    back (a slow hash protects low-entropy passwords, which these are not) and checking stays cheap."""
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_token(**fields) -> tuple[ApiClient, str]:
    """Create the client row with a fresh `jep_<prefix>_<secret>` token; return it with the token."""
    for _attempt in range(5):
        prefix = secrets.token_hex(6)
        token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                client = ApiClient.objects.create(prefix=prefix, secret_hash=hash_token(token), **fields)
            return client, token
        except IntegrityError:  # a prefix collision: draw again
            continue
    raise RuntimeError("could not draw a unique token prefix")


@transaction.atomic
def api_client_create(
    *, actor: User, name: str, scope: str, team: Team | None = None
) -> tuple[ApiClient, str]:
    """A bureau administrator registers one of their bureau's systems; returns the client and its token.

    The token is returned once and only its hash is kept. The client acts through a service account made
    here, so the one access policy judges every call without a rule of its own for machines:
    a read client's account is an auditor of the bureau (it reads every case the bureau takes part in,
    changes nothing); a write client's account is an officer of the team the administrator chooses (it
    opens cases and works on the cases whose team it is put on, like a colleague would). The account has
    no usable password, so nobody can log in with it. Refused (403) for anyone but the bureau's
    administrators; a write client needs a team of that bureau.
    """
    if not permissions.can_manage_api_clients(actor):
        raise PermissionDenied(_("Only an administrator of this bureau can manage its API clients."))
    if not name.strip():
        raise WorkflowError(_("Give the client a name."))
    if scope == ApiClient.Scope.WRITE:
        if team is None or team.bureau_id != actor.bureau_id:
            raise WorkflowError(_("A client that writes acts as an officer: choose a team of your bureau."))
        role = User.Role.OFFICER
    elif scope == ApiClient.Scope.READ:
        team, role = None, User.Role.AUDITOR
    else:
        raise WorkflowError(_("Unknown scope."))
    service_user = User.objects.create_user(
        username=f"api.{actor.bureau.code.lower()}.{secrets.token_hex(4)}",
        password=None,
        bureau_id=actor.bureau_id,
        display_name=f"{name.strip()} (API)"[:100],
        language=actor.language,
    )
    user_set_position(user=service_user, team=team, role=role)
    client, token = _issue_token(
        kind=ApiClient.Kind.SYSTEM,
        name=name.strip(),
        scope=scope,
        bureau_id=actor.bureau_id,
        user=service_user,
        created_by=actor,
    )
    audit(
        actor=actor,
        action="api_client.create",
        obj=client,
        detail={"scope": scope, "team": team.pk if team else None, "user": service_user.pk},
    )
    return client, token


@transaction.atomic
def personal_token_create(*, actor: User, name: str, scope: str) -> tuple[ApiClient, str]:
    """A person makes a token for their own scripts; it acts as them, with their rights and no more.

    Returns the client row and the token (shown once). Service accounts cannot make tokens.
    """
    if (
        not (actor.is_authenticated and actor.is_active)
        or ApiClient.objects.filter(user=actor, kind=ApiClient.Kind.SYSTEM).exists()
    ):
        raise PermissionDenied(_("This account cannot have personal tokens."))
    if not name.strip():
        raise WorkflowError(_("Give the token a name."))
    if scope not in ApiClient.Scope.values:
        raise WorkflowError(_("Unknown scope."))
    client, token = _issue_token(
        kind=ApiClient.Kind.PERSONAL, name=name.strip(), scope=scope, user=actor, created_by=actor
    )
    audit(actor=actor, action="api_token.create", obj=client, detail={"scope": scope})
    return client, token


@transaction.atomic
def api_client_revoke(*, actor: User, client: ApiClient) -> ApiClient:
    """Revoke a client or token at once (its next call is refused). Idempotent.

    A system client is revoked by an administrator of its bureau, and its service account is deactivated
    with it; a personal token by its owner.
    """
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.kind == ApiClient.Kind.SYSTEM:
        allowed = permissions.can_manage_api_clients(actor) and client.bureau_id == actor.bureau_id
    else:
        allowed = client.user_id == actor.pk
    if not allowed:
        raise PermissionDenied(_("You cannot revoke this token."))
    if client.revoked_at is not None:
        return client
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    if client.kind == ApiClient.Kind.SYSTEM:
        User.objects.filter(pk=client.user_id).update(is_active=False)
    audit(actor=actor, action="api_client.revoke", obj=client)
    return client


LAST_USE_RESOLUTION_SECONDS = 60


def api_client_touch(client: ApiClient) -> None:
    """Record the client's last use, at most once a minute (one conditional UPDATE, usually a no-op)."""
    now = timezone.now()
    if client.last_used_at and (now - client.last_used_at).total_seconds() < LAST_USE_RESOLUTION_SECONDS:
        return
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now


# --- Notification preferences and the calendar feed ----------------------------------------------


@transaction.atomic
def notification_preferences_save(*, user: User, deliveries: dict[str, str]) -> None:
    """Store how the user wants to hear of each kind of event; a kind at the default keeps no row.

    Only the user themself calls this (the preferences page). Unknown kinds and deliveries are refused.
    """
    from .models import NotificationPreference
    from .notifications import DEFAULT_DELIVERY, deliveries_for_kind

    for kind, delivery in deliveries.items():
        if delivery not in deliveries_for_kind(kind):
            raise WorkflowError(_("This way of delivery is not available for this kind of event."))
    NotificationPreference.objects.filter(user=user, kind__in=list(deliveries)).delete()
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=user, kind=kind, delivery=delivery)
        for kind, delivery in deliveries.items()
        if delivery != DEFAULT_DELIVERY
    )
    audit(actor=user, action="notifications.preferences", obj=user, detail=deliveries)


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_issue(*, user: User) -> str:
    """Give the user a new secret feed link token (the old one stops working at once); returns the token.

    Only its hash is stored, so the link is shown once, when it is made.
    """
    from .models import CalendarFeed

    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": feed_token_hash(token), "created_at": timezone.now()}
    )
    audit(actor=user, action="calendar_feed.issue", obj=user)
    return token


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> None:
    """Revoke the user's feed link; it answers 404 from now on. Idempotent."""
    from .models import CalendarFeed

    if CalendarFeed.objects.filter(user=user).delete()[0]:
        audit(actor=user, action="calendar_feed.revoke", obj=user)


def calendar_feed_owner(token: str) -> User | None:
    """The active owner of a feed token, or None (unknown, revoked, or the owner was deactivated).
    Records the feed's last use, at most once an hour."""
    from .models import CalendarFeed

    feed = CalendarFeed.objects.select_related("user").filter(token_hash=feed_token_hash(token)).first()
    if feed is None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_used_at is None or (now - feed.last_used_at).total_seconds() > 3600:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user


# --- The working-day calendar ------------------------------------------------------------------

# The package names holidays in English; the portal shows Chinese first.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def calendar_seed_from_package() -> list[int]:
    """Add every year the `chinesecalendar` package knows and the calendar table lacks; return those years.

    Idempotent and safe to run concurrently (conflicting rows are skipped). A year already in the table,
    whether seeded earlier or entered by an administrator, is never changed: administrators' corrections
    win over the package. Run after every `migrate` (portal.apps) and by `manage.py seed_calendar`, so a
    newer package brings its new years in at the next deployment.
    """
    from collections import defaultdict

    import chinese_calendar.constants as package

    from .models import CalendarDay, CalendarYear

    by_year: dict[int, list[tuple]] = defaultdict(list)
    for working, days in ((False, package.holidays), (True, package.workdays)):
        for day, name in days.items():
            by_year[day.year].append((day, working, name))
    missing = sorted(set(by_year) - set(CalendarYear.objects.values_list("year", flat=True)))
    if not missing:
        return []
    with transaction.atomic():
        CalendarYear.objects.bulk_create(
            [CalendarYear(year=year, source=CalendarYear.Source.PACKAGE) for year in missing],
            ignore_conflicts=True,
        )
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(
                    year_id=year,
                    date=day,
                    is_working_day=working,
                    name_zh=HOLIDAY_NAMES_ZH.get(name, name),
                    name_en=name,
                )
                for year in missing
                for day, working, name in by_year[year]
            ],
            ignore_conflicts=True,
        )
    return missing


@transaction.atomic
def calendar_year_save(*, actor: User, year: int, days: list[tuple]):
    """Enter or correct one year of the calendar: `days` is every exceptional day of the year as
    (date, is_working_day, name_zh, name_en). The year's previous days are replaced.

    Bureau administrators and superusers only. Provisional due dates of open requests are counted again
    on the new calendar after the commit (collaboration.tasks.recount_provisional_due_dates).
    """
    from .models import CalendarDay, CalendarYear

    if not permissions.can_edit_calendar(actor):
        raise PermissionDenied(_("Only administrators can edit the working-day calendar."))
    dates = [day for day, *_rest in days]
    if any(day.year != year for day in dates):
        raise WorkflowError(_("Every date must fall in %(year)s.") % {"year": year})
    if len(set(dates)) != len(dates):
        raise WorkflowError(_("A date is listed twice."))
    entry, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": CalendarYear.Source.MANUAL, "updated_by": actor}
    )
    CalendarDay.objects.filter(year_id=year).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(year_id=year, date=day, is_working_day=working, name_zh=name_zh, name_en=name_en)
        for day, working, name_zh, name_en in days
    )
    audit(
        actor=actor,
        action="calendar.year_saved",
        detail={
            "year": year,
            "holidays": sorted(day.isoformat() for day, working, *_r in days if not working),
            "working_days": sorted(day.isoformat() for day, working, *_r in days if working),
        },
    )
    from collaboration.tasks import recount_provisional_due_dates

    from .outbox import BROKER_ERRORS

    def recount():
        try:
            recount_provisional_due_dates.apply_async(retry=False)
        except BROKER_ERRORS:  # the hourly beat run does it then
            pass

    transaction.on_commit(recount)
    return entry


@transaction.atomic
def outbox_retry_failed(*, actor: User, ids: Iterable[int]) -> int:
    """A bureau administrator sends failed emails of their bureau's people again (fresh attempts)."""
    from . import outbox

    allowed = list(permissions.visible_outbox(actor).filter(pk__in=list(ids)).values_list("pk", flat=True))
    count = outbox.retry_failed(allowed)
    if count:
        audit(actor=actor, action="mail.retry", detail={"notifications": allowed})
        outbox.dispatch_on_commit(allowed)
    return count


@transaction.atomic
def account_unlock(*, actor: User, user: User) -> int:
    """Lift a login lockout of an account of the administrator's bureau (every address). Audited."""
    from axes.handlers.proxy import AxesProxyHandler

    _require_bureau_admin_of(actor, user.bureau_id)
    removed = AxesProxyHandler.reset_attempts(username=user.get_username())
    audit(actor=actor, action="account.unlock", obj=user, detail={"attempts_removed": removed})
    return removed


@transaction.atomic
def account_reset_two_factor(*, actor: User, user: User) -> None:
    """Remove the user's authenticators (a lost phone): their next login sets up a new one. Audited."""
    from django_otp import devices_for_user

    _require_bureau_admin_of(actor, user.bureau_id)
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
    audit(actor=actor, action="account.reset_2fa", obj=user)


@transaction.atomic
def account_set_password(*, actor: User, user: User, password: str) -> User:
    """Give an account of the administrator's bureau a new password (validated by the form). Audited."""
    _require_bureau_admin_of(actor, user.bureau_id)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit(actor=actor, action="account.set_password", obj=user)
    return user
