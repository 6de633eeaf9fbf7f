from django.conf import settings
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
    """One row per reminder sent: the unique key makes each reminder go out once per due date."""

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20)  # "before-3", "before-1", "overdue"
    due_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "kind", "due_date"], name="reminder_once_per_due_date")
        ]
