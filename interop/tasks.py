import json
import logging
import time

import requests
from celery import shared_task
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from . import signing
from .models import WebhookDelivery

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
RESPONSE_BODY_LIMIT = 2000
# Named transient failures, retried with back-off; anything else (a 4xx, a redirect) is final.
TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout)


class ReceiverError(Exception):
    """The receiver answered 5xx: it may well accept the same delivery later."""


def encode_body(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


@shared_task(bind=True, max_retries=8, acks_late=True)
def deliver_webhook(self, delivery_id: int) -> str:
    """POST one delivery to its subscription's URL, signed, and record the answer.

    Claims the row with a conditional update (pending → sending), so two runs of the same message send
    once; a row that is gone or already handled is skipped. Connection errors, timeouts and 5xx answers
    put the row back to pending and retry with exponential back-off (30 s, 1 min, 2 min, … up to 1 h);
    after the last retry, or on any other answer than 2xx, the delivery is failed and can be replayed
    from the subscription's page. Redirects are never followed: only the configured URL receives data.
    """
    claimed = WebhookDelivery.objects.filter(pk=delivery_id, status=Status.PENDING).update(
        status=Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.is_active:
        _finish(delivery_id, Status.FAILED, last_error="subscription disabled")
        return "disabled"
    body = encode_body(delivery.payload)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "JointEnforcementPortal-Webhooks/1",
        signing.EVENT_HEADER: delivery.event,
        signing.DELIVERY_HEADER: str(delivery.event_id),
        signing.TIMESTAMP_HEADER: timestamp,
        signing.SIGNATURE_HEADER: signing.sign(subscription.secret, timestamp, body),
    }
    try:
        try:
            response = requests.post(
                subscription.url,
                data=body,
                headers=headers,
                timeout=settings.PORTAL_WEBHOOK_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except TRANSIENT_ERRORS as exc:
            _finish(delivery_id, Status.PENDING, last_error=f"{type(exc).__name__}: {exc}"[:1000])
            raise
        answer = response.text[:RESPONSE_BODY_LIMIT]
        if response.status_code >= 500:
            _finish(delivery_id, Status.PENDING, response_status=response.status_code, response_body=answer)
            raise ReceiverError(f"receiver answered {response.status_code}")
    except (*TRANSIENT_ERRORS, ReceiverError) as exc:
        if self.request.retries >= self.max_retries:
            WebhookDelivery.objects.filter(pk=delivery_id).update(status=Status.FAILED)
            logger.warning("Webhook delivery %s failed for good: %s", delivery_id, exc)
            return "failed"
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc
    ok = 200 <= response.status_code < 300
    _finish(
        delivery_id,
        Status.SUCCEEDED if ok else Status.FAILED,
        response_status=response.status_code,
        response_body=answer,
        last_error="" if ok else f"receiver answered {response.status_code}",
        delivered_at=timezone.now() if ok else None,
    )
    return "delivered" if ok else "failed"


def _finish(delivery_id: int, status: str, **fields) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id).update(status=status, **fields)
