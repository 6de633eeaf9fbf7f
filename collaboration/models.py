from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Document, JointCase
from portal.models import Bureau, Team


class RequestType(models.TextChoices):
    EVIDENCE_COLLECTION = "evidence_collection", _("Evidence collection")
    INFORMATION_VERIFICATION = "information_verification", _("Information verification")
    ONSITE_INSPECTION = "onsite_inspection", _("On-site inspection")
    DOCUMENT_SERVICE = "document_service", _("Service of legal documents")
    PLATFORM_DATA = "platform_data", _("Data retrieval from platforms")
    ENFORCEMENT_ASSISTANCE = "enforcement_assistance", _("Enforcement assistance")


# Open requests whose current due date has not been escalated yet (the overdue sweep's candidates).
# The same expression is the condition of a partial index, so the sweep reads only these rows.
ESCALATION_PENDING = models.Q(status__in=["sent", "accepted", "in_progress"]) & (
    models.Q(escalated_due_date__isnull=True)
    | models.Q(escalated_due_date__lt=models.F("due_date"))
    | models.Q(escalated_due_date__gt=models.F("due_date"))
)


class AssistanceRequest(models.Model):
    """One bureau asking another to do something for a case, by a deadline (协查请求)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted and assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")

    OPEN_STATUSES = (Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS)

    case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="assistance_requests")
    request_type = models.CharField(_("request type"), max_length=40, choices=RequestType.choices)
    title = models.CharField(_("title"), max_length=200)
    items = models.TextField(
        _("items requested"), help_text=_("What the other bureau is asked to do or provide.")
    )
    requesting_bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="+")
    requesting_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="outgoing_requests")
    requested_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested bureau")
    )
    requested_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="incoming_requests")
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    due_date_provisional = models.BooleanField(default=False)
    # The due date whose escalation was sent (the deadline sweep sets it): a request is waiting for its
    # escalation while this differs from `due_date`, which a partial index keeps cheap to find.
    escalated_due_date = models.DateField(null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_requests",
        verbose_name=_("assigned officer"),
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    return_comment = models.TextField(_("leader's comment"), blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="assistance_requests")

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("assistance request")
        verbose_name_plural = _("assistance requests")
        indexes = [
            models.Index(fields=["requesting_team", "status"], name="request_outgoing_idx"),
            models.Index(fields=["requested_team", "status"], name="request_incoming_idx"),
            models.Index(
                fields=["due_date"],
                name="request_open_due_idx",
                condition=models.Q(status__in=["sent", "accepted", "in_progress"]),
            ),
            models.Index(
                fields=["due_date"], name="request_escalation_due_idx", condition=ESCALATION_PENDING
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Response(models.Model):
    """The answer to a request (协查回复), with its documents."""

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="responses")
    body = models.TextField(_("answer"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="responses")

    class Meta:
        ordering = ["created_at", "id"]


class DeadlineReminder(models.Model):
    """One row per reminder sent: the unique key makes each reminder go out once per due date.

    A sweep inserts its rows with its own `sweep` id and conflicting rows skipped, then reads back the
    rows carrying its id: exactly the reminders it is the one to send.
    """

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20)  # "before-3", "before-1", "overdue"
    due_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    sweep = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "due_date"], name="reminder_kind_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["request", "kind", "due_date"], name="reminder_once_per_due_date")
        ]


class RequestTypeTimeLimit(models.Model):
    """The default time limit of a request type, in working days; a type without a row has
    PORTAL_DEFAULT_TIME_LIMIT_DAYS (15, the penalty procedure rules' period for assistance)."""

    request_type = models.CharField(
        _("request type"), max_length=40, choices=RequestType.choices, unique=True
    )
    time_limit_days = models.PositiveSmallIntegerField(
        _("default time limit (working days)"),
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    class Meta:
        ordering = ["request_type"]
        verbose_name = _("default time limit")
        verbose_name_plural = _("default time limits")

    def __str__(self) -> str:
        return f"{self.get_request_type_display()}: {self.time_limit_days}"


class DeadlineExtension(models.Model):
    """The receiving side asks for more time before the due date; the requesting leader decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(_("reason"))
    previous_due_date = models.DateField(_("due date before"))
    proposed_due_date = models.DateField(_("new due date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["request"], condition=models.Q(status="pending"), name="extension_one_pending"
            )
        ]
