from django.conf import settings
from django.db import models
from django.utils import timezone
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


class SealedError(Exception):
    """Raised when code tries to change or delete the seal of a document (a programming error)."""


# The seal and the facts of the upload: fixed when the row is inserted, never written again.
SEALED_FIELDS = frozenset(
    {
        "case",
        "title",
        "original_name",
        "file",
        "sha256",
        "size",
        "content_type",
        "declared_type",
        "type_mismatch",
        "uploaded_by",
        "uploaded_at",
        "internal_bureau",
        "version",
        "supersedes",
        "first_version",
    }
)


class DocumentQuerySet(models.QuerySet):
    """Bulk updates may touch the document's state (withdrawal, integrity check), never its seal."""

    def update(self, **kwargs):
        sealed = {name.removesuffix("_id") for name in kwargs} & SEALED_FIELDS
        if sealed:
            raise SealedError(f"sealed fields cannot be updated: {sorted(sealed)}")
        return super().update(**kwargs)

    def delete(self):
        raise SealedError("sealed documents are never deleted; withdraw them instead")

    delete.queryset_only = True


class Document(models.Model):
    """A sealed file of a case: hash, size, type, uploader and server time never change after upload.

    A correction is a new version (`supersedes`), a withdrawal is a state with a reason; neither changes
    the sealed row. The model refuses updates of sealed fields and deletion, and the database refuses them
    too (triggers of migration 0004).
    """

    class Integrity(models.TextChoices):
        UNCHECKED = "unchecked", _("Not checked yet")
        OK = "ok", _("Intact")
        MISMATCH = "mismatch", _("Changed")
        MISSING = "missing", _("Missing")

    case = models.ForeignKey(JointCase, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(max_length=200)  # content-derived name, set by the upload service
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.BigIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)  # detected from the content
    declared_type = models.CharField(_("type by file name"), max_length=100, blank=True)
    type_mismatch = models.BooleanField(_("content contradicts the file name"), default=False)
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
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("corrects"),
    )
    # The first version of the chain (None for a first version): one query finds every version.
    first_version = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    integrity = models.CharField(
        _("integrity"), max_length=20, choices=Integrity.choices, default=Integrity.UNCHECKED
    )
    integrity_checked_at = models.DateTimeField(_("last integrity check"), null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["case", "sha256"], name="document_case_hash_idx"),
            models.Index(fields=["sha256"], name="document_hash_idx"),
            models.Index(fields=["integrity_checked_at", "id"], name="document_check_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, update_fields=None, **kwargs):
        if not self._state.adding:
            if update_fields is None or SEALED_FIELDS & {f.removesuffix("_id") for f in update_fields}:
                raise SealedError("a sealed document's seal cannot be saved again")
        return super().save(*args, update_fields=update_fields, **kwargs)

    def delete(self, *args, **kwargs):
        raise SealedError("sealed documents are never deleted; withdraw them instead")

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def lineage_id(self) -> int:
        """The id of the first version: the same for every version of one piece of evidence."""
        return self.first_version_id or self.pk

    @property
    def previewable(self) -> bool:
        from .evidence.filetypes import previewable

        return previewable(self.content_type)

    @property
    def active_content(self) -> bool:
        """HTML, SVG, scripts and programs: evidence like any other, but only ever downloaded."""
        from .evidence.filetypes import is_active_content

        return is_active_content(self.content_type)


class EvidencePackage(models.Model):
    """An exported evidence package: the exact manifest issued, and its SHA-256.

    The ZIP is streamed from the stored manifest and the sealed files whenever it is downloaded, so every
    download carries byte-identical manifests. A package holding documents internal to a bureau is itself
    internal to that bureau.
    """

    case = models.ForeignKey(JointCase, on_delete=models.PROTECT, related_name="evidence_packages")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("exported at"), default=timezone.now)
    documents = models.ManyToManyField(Document, related_name="+")
    document_count = models.PositiveIntegerField(_("documents"))
    total_size = models.BigIntegerField(_("size"))
    manifest_json = models.TextField()
    manifest_csv = models.TextField()
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64, db_index=True)
    internal_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("evidence package")
        verbose_name_plural = _("evidence packages")


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
