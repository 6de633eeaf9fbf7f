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
    """An in-app notification; its email (if any) is sent by a task after the transaction commits."""

    class EmailStatus(models.TextChoices):
        NONE = "none", _("no email")
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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notif_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_idx"),
        ]

    def message(self) -> str:
        from .notifications import render_message

        return render_message(self.kind, self.params)


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
