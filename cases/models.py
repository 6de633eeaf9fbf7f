from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.models import BilingualNameMixin, Bureau, Team

from .validators import mask_id_number, validate_id_number, validate_uscc


class Category(BilingualNameMixin):
    """A business format (直播电商, 电子商务, …). Data, editable by administrators."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class JointCase(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        INVESTIGATING = "investigating", _("Investigating")
        CLOSURE_PENDING = "closure_pending", _("Closure pending")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("case number"), max_length=50, blank=True)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    number_seq = models.PositiveIntegerField(null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("category"))
    lead_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="led_cases", verbose_name=_("lead bureau")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("joint case")
        verbose_name_plural = _("joint cases")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead_bureau", "number_year", "number_seq"],
                name="case_number_unique_per_bureau_year",
                condition=models.Q(number_seq__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["-updated_at", "-id"], name="case_recent_idx")]

    def __str__(self) -> str:
        return f"{self.number or _('(draft)')} {self.title}"

    @property
    def reference(self) -> str:
        """What mails and timelines call the case: its number, or its title while a draft."""
        return self.number or self.title


class CaseNumberCounter(models.Model):
    """The last case number issued per lead bureau and year; locked row by row to stay gap-free."""

    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bureau", "year"], name="counter_unique_bureau_year")]


class CaseParticipant(models.Model):
    """A bureau taking part in a case, through the team in charge on its side."""

    case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="participants")
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="case_participations")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "bureau"], name="participant_unique_bureau")]
        indexes = [models.Index(fields=["bureau", "case"], name="participant_bureau_idx")]


class CaseMember(models.Model):
    """A person on the case team. Membership is what grants the case's object permissions."""

    case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_memberships"
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="member_unique_user")]


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key permission rows: list filtering is one indexed subquery, and rows die with the case."""

    content_object = models.ForeignKey(JointCase, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [
            models.Index(fields=["user", "permission", "content_object"], name="case_uperm_lookup_idx")
        ]


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(JointCase, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [
            models.Index(fields=["group", "permission", "content_object"], name="case_gperm_lookup_idx")
        ]


class Party(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual")
        ONLINE_SHOP = "online_shop", _("Online shop")
        PLATFORM_ACCOUNT = "platform_account", _("Platform account")

    case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc]
    )
    id_number = models.CharField(
        _("identity card number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    platform = models.CharField(_("platform"), max_length=100, blank=True)
    platform_account_id = models.CharField(_("shop / account ID"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        """Lists and exports show only the region and the last four characters."""
        return mask_id_number(self.id_number)


class Document(models.Model):
    """A sealed file of a case: hash, size, type, uploader and server time never change after upload."""

    case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(max_length=200)  # content-derived name, set by the upload service
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.BigIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    internal_bureau = models.ForeignKey(
        Bureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("internal to bureau"),
        help_text=_("When set, only this bureau's people see it; the partner bureau never does."),
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["case", "sha256"], name="document_case_hash_idx")]

    def __str__(self) -> str:
        return self.title


class TimelineEntry(models.Model):
    """One line of the case's 办理记录. Written only by services; the message is rendered per reader."""

    case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="timeline")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=50)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    internal_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="timeline_case_idx")]

    def message(self) -> str:
        from .timeline import render_entry

        return render_entry(self)


class CaseNote(models.Model):
    """A comment on the case; may be internal to the author's bureau."""

    case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    internal_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="note_case_idx")]
