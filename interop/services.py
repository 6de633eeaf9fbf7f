"""Writes of the data-exchange app: webhook subscriptions and their deliveries, case import.

The case export and import themselves live in interop.exchange (the format); `case_import` here is the
audited, permission-checked entry point the API and the management command call.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from portal.exceptions import WorkflowError
from portal.models import User
from portal.services import audit

from . import permissions
from .events import EVENTS
from .models import WebhookDelivery, WebhookSubscription

validate_webhook_url = URLValidator(schemes=["http", "https"])


def _require_admin(actor: User) -> None:
    if not permissions.can_manage_webhooks(actor):
        raise PermissionDenied(_("Only an administrator of this bureau can manage its webhooks."))


@transaction.atomic
def webhook_subscription_create(
    *, actor: User, url: str, events: list[str], description: str = ""
) -> tuple[WebhookSubscription, str]:
    """A bureau administrator subscribes one of their systems' URLs to events of their bureau's cases.

    Returns the subscription and its signing secret (shown once to the administrator). The URL must be
    http or https (ValidationError otherwise); deliveries go to exactly this URL and follow no redirect.
    """
    _require_admin(actor)
    try:
        validate_webhook_url(url)
    except ValidationError:
        raise ValidationError({"url": [_("Enter an http:// or https:// address.")]}) from None
    unknown = [event for event in events if event not in EVENTS]
    if unknown or not events:
        raise WorkflowError(_("Choose one or more of the listed events."))
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    subscription = WebhookSubscription.objects.create(
        bureau_id=actor.bureau_id,
        url=url,
        events=sorted(set(events)),
        description=description,
        secret=secret,
        created_by=actor,
    )
    audit(actor=actor, action="webhook.create", obj=subscription, detail={"url": url, "events": events})
    return subscription, secret


@transaction.atomic
def webhook_subscription_set_active(
    *, actor: User, subscription: WebhookSubscription, active: bool
) -> WebhookSubscription:
    """Pause or resume a subscription of the administrator's bureau. Paused ones receive nothing."""
    _require_admin(actor)
    if subscription.bureau_id != actor.bureau_id:
        raise PermissionDenied(_("Only an administrator of this bureau can manage its webhooks."))
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=active)
    subscription.is_active = active
    audit(actor=actor, action="webhook.enable" if active else "webhook.disable", obj=subscription)
    return subscription


@transaction.atomic
def webhook_delivery_replay(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a past delivery again, as a new delivery with the same payload and event id (receivers that
    deduplicate on `X-Portal-Delivery` see it as the same event). Queued after commit."""
    from .tasks import deliver_webhook

    subscription = delivery.subscription
    _require_admin(actor)
    if subscription.bureau_id != actor.bureau_id:
        raise PermissionDenied(_("Only an administrator of this bureau can manage its webhooks."))
    if not subscription.is_active:
        raise WorkflowError(_("Resume the subscription before replaying its deliveries."))
    replay = WebhookDelivery.objects.create(
        subscription=subscription,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        replay_of=delivery,
    )
    audit(actor=actor, action="webhook.replay", obj=replay, detail={"replay_of": delivery.pk})
    deliver_webhook.delay_on_commit(replay.pk)
    return replay


def case_import(*, actor: User, document: dict):
    """Import a case from an exchange document (interop.exchange.import_case): idempotent, conflicts
    reported and not overwritten; only for officers, leaders and administrators of a participating
    bureau (403 otherwise). Returns an ImportResult."""
    from .exchange import import_case

    return import_case(document=document, actor=actor)
