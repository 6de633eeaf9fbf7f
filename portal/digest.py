"""The daily digest: once per person and working day, one email with what waits for them, what is due
soon, and the notifications they chose to receive in the digest.

The digest is itself a notification (kind "daily_digest") with a key unique per person and day, so it
goes through the email outbox like every other mail and is sent once however often the task runs.
Set-based: a handful of queries per thousand people, whatever the number of requests.
"""

import datetime
import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import outbox, workdays
from .models import Notification, NotificationPreference, User
from .notifications import DIGEST_KIND, IN_APP, render_message

Status = Notification.EmailStatus
# Longer lists are cut; the digest says how many more there are and links to the portal.
MAX_ITEMS = 50
PEOPLE_PER_TRANSACTION = 1000

WHAT = {
    "approve": _("Approve and send"),
    "accept": _("Accept and assign"),
    "extension": _("Decide on a deadline extension"),
    "work": _("Work on it"),
    "confirm": _("Confirm the answer"),
}


def dedupe_key(user_id: int, day: datetime.date) -> str:
    return f"digest:{user_id}:{day.isoformat()}"


def send_daily_digests(*, today: datetime.date | None = None) -> dict:
    """Create today's digest of everyone who has something in it and has not turned the digest off,
    and queue the emails. Does nothing on a day off. Idempotent per person and day.
    """
    from collaboration.selectors import digest_items

    today = today or timezone.localdate()
    working = workdays.calendar(today, today + datetime.timedelta(days=30))
    if not working.is_working_day(today):
        return {"digests": 0, "working_day": False}
    due_until = working.add_working_days(today, settings.PORTAL_DIGEST_DUE_DAYS)
    items = digest_items(due_until=due_until)
    waiting_notifications: dict[int, list[tuple]] = {}
    for row in (
        Notification.objects.filter(email_status=Status.DIGEST)
        .order_by("created_at", "id")
        .values_list("pk", "recipient_id", "kind", "params", "url")
    ):
        waiting_notifications.setdefault(row[1], []).append(row)
    turned_off = set(
        NotificationPreference.objects.filter(kind=DIGEST_KIND, delivery=IN_APP).values_list(
            "user_id", flat=True
        )
    )
    # People who turned the digest email off keep their notifications in the portal only.
    Notification.objects.filter(email_status=Status.DIGEST, recipient_id__in=turned_off).update(
        email_status=Status.NONE
    )
    candidates = (set(items) | set(waiting_notifications)) - turned_off
    people = list(
        User.objects.filter(pk__in=candidates, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    created = 0
    for start in range(0, len(people), PEOPLE_PER_TRANSACTION):
        chunk = people[start : start + PEOPLE_PER_TRANSACTION]
        created += _create_digests(today, working, chunk, items, waiting_notifications)
    return {"digests": created, "working_day": True}


@transaction.atomic
def _create_digests(today, working, user_ids, items, waiting_notifications) -> int:
    run = uuid.uuid4().hex
    now = timezone.now()
    rows, included = [], {}
    for user_id in user_ids:
        lists = items.get(user_id, {"waiting": [], "due": []})
        notes = waiting_notifications.get(user_id, [])
        due = [
            entry | {"days": working.working_days_between(today, datetime.date.fromisoformat(entry["due"]))}
            for entry in lists["due"]
        ]
        included[user_id] = [pk for pk, *_rest in notes]
        params = {
            "run": run,
            "date": today.isoformat(),
            "waiting": len(lists["waiting"]),
            "due_soon": len(due),
            "waiting_items": lists["waiting"][:MAX_ITEMS],
            "due_items": due[:MAX_ITEMS],
            "notification_items": [
                {"kind": kind, "params": params, "url": url}
                for _pk, _user, kind, params, url in notes[:MAX_ITEMS]
            ],
            "notifications": len(notes),
        }
        rows.append(
            Notification(
                recipient_id=user_id,
                kind=DIGEST_KIND,
                params=params,
                url=reverse("notifications"),
                read_at=now,  # its content is in the portal already; it does not count as unread
                email_status=Status.PENDING,
                email_dispatched_at=now,
                dedupe_key=dedupe_key(user_id, today),
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # Ours are the rows of this run; a key that was taken already (an earlier run today) is skipped.
    mine = list(
        Notification.objects.filter(
            dedupe_key__in=[row.dedupe_key for row in rows], params__run=run
        ).values_list("pk", "recipient_id")
    )
    Notification.objects.filter(
        pk__in=[pk for _digest, user_id in mine for pk in included[user_id]], email_status=Status.DIGEST
    ).update(email_status=Status.DIGESTED)
    outbox.dispatch_on_commit([pk for pk, _user in mine])
    return len(mine)


def digest_context(params: dict, base_url: str) -> dict:
    """What the digest email's templates show, in the active language."""

    def absolute(entry):
        return entry | {"link": base_url + entry["url"]}

    return {
        "waiting_items": [
            absolute(entry) | {"what_label": WHAT.get(entry["what"], "")}
            for entry in params.get("waiting_items", [])
        ],
        "due_items": [
            absolute(entry) | {"overdue": max(-entry.get("days", 0), 0)}
            for entry in params.get("due_items", [])
        ],
        "notification_items": [
            {"message": render_message(item["kind"], item["params"]), "link": base_url + item["url"]}
            for item in params.get("notification_items", [])
        ],
        "more_waiting": max(params.get("waiting", 0) - MAX_ITEMS, 0),
        "more_due": max(params.get("due_soon", 0) - MAX_ITEMS, 0),
        "more_notifications": max(params.get("notifications", 0) - MAX_ITEMS, 0),
        "portal_link": base_url + "/",
    }
