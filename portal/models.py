from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualNameMixin(models.Model):
    """Reference data names are data, not code: each row carries its Chinese and English name."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class Bureau(BilingualNameMixin):
    """A participating authority. Adding a city is adding a row."""

    code = models.SlugField(_("code"), max_length=20, unique=True, help_text="e.g. SZ-AMR")
    short_name = models.CharField(_("short name"), max_length=20)
    case_number_prefix = models.CharField(
        _("case number prefix"),
        max_length=20,
        help_text=_("e.g. 深市监协; numbers read 深市监协〔2026〕0001号"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("bureau")
        verbose_name_plural = _("bureaus")


class Team(BilingualNameMixin):
    """A unit inside a bureau. Its leaders group carries the object permissions its leaders share."""

    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="teams", verbose_name=_("bureau")
    )
    leaders_group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="led_team", editable=False
    )

    class Meta:
        ordering = ["bureau__code", "name_zh"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name_zh"], name="team_unique_name_per_bureau")
        ]


class User(AbstractUser):
    class Role(models.TextChoices):
        OFFICER = "officer", _("Case officer")
        LEADER = "leader", _("Team leader")
        BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
        AUDITOR = "auditor", _("Auditor")

    bureau = models.ForeignKey(
        Bureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("bureau"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("team")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_leader(self) -> bool:
        return self.role == self.Role.LEADER


class Notification(models.Model):
    """An in-app notification and the outbox row of its email.

    The row is written in the transaction of the event; its email is delivered by a task after the
    commit (portal.tasks.send_notification_email) and, when that task was lost or failed, by the outbox
    sweep (portal.tasks.redeliver_notification_emails). `email_next_attempt_at` is when the sweep
    looks at the row next: a back-off after a mail-server error, or the end of a worker's claim.
    """

    class EmailStatus(models.TextChoices):
        NONE = "none", _("no email")
        DIGEST = "digest", _("waits for the daily digest")
        DIGESTED = "digested", _("in a daily digest")
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=50)
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_last_error = models.TextField(blank=True)
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a delivery task was last queued; None when none is known to be queued (the broker was down).
    email_dispatched_at = models.DateTimeField(null=True, blank=True)
    # The claim of the worker sending the email: only its holder may mark the email sent.
    email_claim = models.UUIDField(null=True, blank=True)
    # One notification per key (e.g. one daily digest per person and day), whatever the number of runs.
    dedupe_key = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notif_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_idx"),
            models.Index(
                fields=["email_next_attempt_at"],
                name="notif_outbox_idx",
                condition=models.Q(email_status__in=["pending", "sending"]),
            ),
            models.Index(
                fields=["recipient", "created_at"],
                name="notif_digest_idx",
                condition=models.Q(email_status="digest"),
            ),
        ]

    def message(self) -> str:
        from .notifications import render_message

        return render_message(self.kind, self.params)


class NotificationPreference(models.Model):
    """How a person wants to hear of one kind of event. No row means the default: an email at once."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", _("Email at once")
        DIGEST = "digest", _("In the daily digest")
        IN_APP = "in_app", _("In the portal only")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=50)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once_per_kind")
        ]


class CalendarFeed(models.Model):
    """A person's secret iCalendar feed link. Only a hash of the token is kept; deleting the row revokes it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)


class CalendarYear(models.Model):
    """A year of the mainland working-day calendar whose holidays and make-up working days are entered.

    Counting in a year without a row falls back to Monday–Friday, and deadlines in it are provisional.
    """

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinesecalendar package")
        MANUAL = "manual", _("entered by an administrator")

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("working-day calendar")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that is not what Monday–Friday says: a statutory holiday, or a make-up working day (调休)."""

    year = models.ForeignKey(
        CalendarYear, on_delete=models.CASCADE, related_name="days", verbose_name=_("year")
    )
    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("make-up working day"), help_text=_("Ticked: a make-up working day. Unticked: a holiday.")
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.date and self.year_id and self.date.year != self.year_id:
            raise ValidationError(
                {"date": _("The date must fall in the calendar year %(year)s.") % {"year": self.year_id}}
            )

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class AuditEvent(models.Model):
    """Append-only record of who did what, from where.

    Rows are written inside the transaction of the change they record and chained right after commit
    (portal.audit): `seq` numbers them without gaps and `hash` covers the previous hash and the record,
    so an edit, a deletion or an insertion made directly in the database breaks the chain.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=50)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=50, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Set when the record is about something internal to a bureau: only that bureau's auditors read it.
    internal_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["id"], name="audit_unchained_idx", condition=models.Q(seq__isnull=True)),
            models.Index(fields=["actor", "created_at"], name="audit_actor_idx"),
            models.Index(fields=["action", "created_at"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq or '-'} {self.action} {self.actor_name}"


class AuditChainHead(models.Model):
    """The end of the audit chain: the lock that orders chaining, and the proof the tail was not cut."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)


class ApiClient(models.Model):
    """A credential for the REST API: a bureau's system (created by its administrator) or a person's token.

    Both kinds act through a `user`, so every API call is judged by the same access policy as the pages:
    a system client acts through a service account made for it (see portal.services.api_client_create),
    a personal token acts as the person who made it. Only a SHA-256 of the secret is stored; the secret
    is shown once, at creation. `prefix` is the public part of the token that finds the row in one query.
    """

    class Kind(models.TextChoices):
        SYSTEM = "system", _("System client")
        PERSONAL = "personal", _("Personal token")

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bureau")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name=_("acts as"),
    )
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        indexes = [models.Index(fields=["bureau", "kind"], name="apiclient_bureau_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """The first result of a POST sent with an `Idempotency-Key` header, per acting user and key.

    The unique (user, key) row is claimed before the work starts: a retry gets the stored result, a
    concurrent duplicate finds the row still in progress and is told so (409).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    completed = models.BooleanField(default=False)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]
