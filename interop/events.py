"""Webhook events: the one dispatch function the services call, and the payload of each event.

A service calls `dispatch` inside its transaction (the outbox pattern): one delivery row per matching
subscription is written with the change, and its sending task is queued only when the transaction
commits, so a rolled-back step sends nothing. A subscription receives an event only if its bureau is
among the bureaus the event is for *and* takes part in the case; an item internal to a bureau is only
ever for that bureau.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseParticipant, Document, JointCase
from portal.models import Bureau

from .models import WebhookDelivery, WebhookSubscription

EVENTS = {
    "request.sent": _("An assistance request was sent to my bureau"),
    "request.answered": _("An assistance request of my bureau's cases was answered"),
    "deadline.near": _("A request's deadline is near"),
    "deadline.overdue": _("A request is overdue"),
    "document.added": _("A document was added to a case"),
}


EVERY_PARTICIPANT = None  # bureau_ids meaning "every bureau taking part in the case"


def dispatch(
    event: str, *, case: JointCase, bureau_ids: Iterable[int | None] | None, data: Callable[[], dict]
) -> int:
    """Queue `event` for the active subscriptions of `bureau_ids` (or of every participating bureau, for
    EVERY_PARTICIPANT) that take part in `case`; `data` builds the event's data when someone receives it.
    Returns the number of deliveries queued. Call inside the transaction of the change."""
    return dispatch_many([(event, case.pk, bureau_ids, data)])


def dispatch_many(items: list[tuple[str, int, Iterable[int | None] | None, Callable[[], dict]]]) -> int:
    """Queue many events at once: items of (event, case id, bureau ids or EVERY_PARTICIPANT, data builder).

    Costs one query when no bureau concerned has a subscription (the usual case), two when one has,
    whatever the number of items; the data of an event is built only when someone receives it.
    """
    from .tasks import deliver_webhook

    if not items:
        return 0
    items = [
        (event, case_id, None if bureau_ids is None else {b for b in bureau_ids if b is not None}, data)
        for event, case_id, bureau_ids, data in items
    ]
    active = WebhookSubscription.objects.filter(is_active=True)
    if all(bureaus is not None for _e, _c, bureaus, _d in items):
        active = active.filter(bureau_id__in=set().union(*(bureaus for _e, _c, bureaus, _d in items)))
    subscriptions = defaultdict(list)
    for subscription in active.select_related("bureau"):
        subscriptions[subscription.bureau_id].append(subscription)
    if not subscriptions:
        return 0
    taking_part = set(
        CaseParticipant.objects.filter(
            case_id__in={case_id for _e, case_id, _b, _d in items}, bureau_id__in=subscriptions.keys()
        ).values_list("case_id", "bureau_id")
    )
    created_at = timezone.now().isoformat()
    deliveries = []
    for event, case_id, bureau_ids, make_data in items:
        if bureau_ids is None:
            bureau_ids = {bureau_id for taking_case, bureau_id in taking_part if taking_case == case_id}
        receivers = [
            subscription
            for bureau_id in sorted(bureau_ids)
            if (case_id, bureau_id) in taking_part
            for subscription in subscriptions[bureau_id]
            if event in subscription.events
        ]
        if not receivers:
            continue
        data = make_data()
        for subscription in receivers:
            event_id = uuid.uuid4()
            payload = {
                "id": str(event_id),
                "event": event,
                "created_at": created_at,
                "bureau": subscription.bureau.code,
                "data": data,
            }
            deliveries.append(
                WebhookDelivery(subscription=subscription, event=event, event_id=event_id, payload=payload)
            )
    deliveries = WebhookDelivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        deliver_webhook.delay_on_commit(delivery.pk)
    return len(deliveries)


def case_data(case: JointCase) -> dict:
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "url": reverse("api:case-detail", args=[case.pk]),
    }


def request_data(request, codes: dict[int, str] | None = None) -> dict:
    codes = codes or {
        request.requesting_bureau_id: request.requesting_bureau.code,
        request.requested_bureau_id: request.requested_bureau.code,
    }
    return {
        "id": request.pk,
        "title": request.title,
        "request_type": request.request_type,
        "items": request.items,
        "status": request.status,
        "requesting_bureau": codes[request.requesting_bureau_id],
        "requested_bureau": codes[request.requested_bureau_id],
        "sent_at": request.sent_at.isoformat() if request.sent_at else None,
        "due_date": request.due_date.isoformat() if request.due_date else None,
        "url": reverse("api:request-detail", args=[request.pk]),
    }


def request_event(event: str, request, *, to: Iterable[int], **extra) -> int:
    """An event about an assistance request, for the bureaus `to` (requesting and/or requested side)."""
    return dispatch(
        event,
        case=request.case,
        bureau_ids=to,
        data=lambda: {"case": case_data(request.case), "request": request_data(request), **extra},
    )


def deadline_events(reminders: list[tuple[str, object]]) -> int:
    """`deadline.near` / `deadline.overdue` for the deadline sweep's (kind, request) pairs, in one batch:
    for both bureaus of each request. `kind` is the sweep's reminder kind ("overdue", "before-3", …)."""
    codes: dict[int, str] = {}

    def data_for(kind, request):
        def make() -> dict:
            if not codes:
                codes.update(Bureau.objects.values_list("pk", "code"))
            return {
                "case": case_data(request.case),
                "request": request_data(request, codes),
                "reminder": kind,
            }

        return make

    return dispatch_many(
        [
            (
                "deadline.overdue" if kind == "overdue" else "deadline.near",
                request.case_id,
                [request.requesting_bureau_id, request.requested_bureau_id],
                data_for(kind, request),
            )
            for kind, request in reminders
        ]
    )


def document_added(document: Document, *, only_bureau_id: int | None = None) -> int:
    """A sealed document was added: for every participating bureau, or only its owner's if internal (or
    `only_bureau_id`'s, for an attachment of a draft that the other side does not see yet)."""
    case = document.case
    owner = document.internal_bureau_id or only_bureau_id
    bureau_ids = EVERY_PARTICIPANT if owner is None else [owner]

    def data() -> dict:
        return {
            "case": case_data(case),
            "document": {
                "id": document.pk,
                "title": document.title,
                "original_name": document.original_name,
                "sha256": document.sha256,
                "size": document.size,
                "content_type": document.content_type,
                "uploaded_at": document.uploaded_at.isoformat(),
                "internal": document.internal_bureau_id is not None,
                "url": reverse("api:document-detail", args=[case.pk, document.pk]),
            },
        }

    return dispatch("document.added", case=case, bureau_ids=bureau_ids, data=data)
