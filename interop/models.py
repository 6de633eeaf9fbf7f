import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import JointCase
from collaboration.models import AssistanceRequest, Response
from portal.models import Bureau


class CaseExchange(models.Model):
    """A case's identity in the exchange format, and for an imported case what was imported.

    `exchange_id` is drawn at the first export (or comes with an imported document) and never changes:
    with the source bureau's code and the case number it makes the external id other systems store.
    An import looks the case up by it, which makes importing the same document twice a no-op.
    """

    case = models.OneToOneField(JointCase, on_delete=models.CASCADE, related_name="exchange")
    exchange_id = models.UUIDField(default=uuid.uuid4, unique=True)
    external_id = models.CharField(max_length=200, blank=True)
    imported = models.BooleanField(default=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    content_hash = models.CharField(max_length=64, blank=True)
    section_hashes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class ExternalEvidence(models.Model):
    """An evidence item of an imported case known by its seal only: the manifest travels, the bytes do not.

    The seal (SHA-256, size, type, uploader, time) is the source system's; anyone holding the file can
    check it against these values.
    """

    case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="external_evidence")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.BigIntegerField(_("size"))
    title = models.CharField(_("title"), max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by_name = models.CharField(max_length=150, blank=True)
    uploaded_at = models.DateTimeField()
    internal_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requests = models.ManyToManyField(AssistanceRequest, blank=True, related_name="external_evidence")
    responses = models.ManyToManyField(Response, blank=True, related_name="external_evidence")

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["case", "sha256"], name="external_evidence_case_idx")]


class WebhookSubscription(models.Model):
    """A bureau administrator's subscription of one URL to some events of their bureau's cases.

    The secret signs every delivery (HMAC-SHA256); it is shown once at creation and kept to sign.
    """

    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="+", verbose_name=_("bureau"))
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        indexes = [models.Index(fields=["bureau", "is_active"], name="webhook_bureau_idx")]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one subscription, with what the receiver answered."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SUCCEEDED = "succeeded", _("delivered")
        FAILED = "failed", _("failed")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=50)
    event_id = models.UUIDField(default=uuid.uuid4)
    payload = models.JSONField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response"), blank=True)
    last_error = models.TextField(blank=True)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_idx")]
