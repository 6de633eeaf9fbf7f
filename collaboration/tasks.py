"""Periodic work on assistance requests: the deadline sweep and the recount of provisional due dates."""

import datetime
import logging
import uuid
from collections import defaultdict

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases import services as case_services
from interop import events as webhook_events
from portal import workdays
from portal.models import User
from portal.services import notify_many

from . import services
from .models import ESCALATION_PENDING, AssistanceRequest, DeadlineReminder
from .services import message_params, request_url

logger = logging.getLogger(__name__)

OVERDUE = "overdue"
# Requests handled per transaction: bounds the memory and the length of a sweep's transaction when a
# great many requests fall due at once; the next batch follows at once, in the same run.
SWEEP_BATCH = 5000


def reminder_windows(today: datetime.date, working=None) -> list[tuple[str, datetime.date, datetime.date]]:
    """The due dates each reminder is for, as (kind, first, end) with `end` excluded.

    With reminders 3 and 1 working days before: "before-1" is for due dates 0 or 1 working day away
    (today included), "before-3" for 2 or 3. A request first seen with 2 working days left still gets
    the 3-day reminder, so a missed sweep (or a short time limit) loses no reminder.
    """
    days = sorted({d for d in settings.PORTAL_REMINDER_DAYS if d >= 0})
    if not days:
        return []
    working = working or workdays.calendar(today, today + datetime.timedelta(days=days[-1] * 2 + 30))
    windows, low = [], 0
    for day in days:
        first = today if low == 0 else working.add_working_days(today, low)
        windows.append((f"before-{day}", first, working.add_working_days(today, day + 1)))
        low = day + 1
    return windows


@shared_task
def sweep_deadlines() -> dict:
    """Remind once before the due date and escalate once after it, for every open request.

    Run by Celery beat every few minutes. Set-based, and proportional to what falls due, not to the
    number of open requests: the overdue requests not escalated yet are read from a partial index
    (AssistanceRequest.escalated_due_date differs from the due date), the reminder windows are a few
    days of due dates each, compared with the reminders already sent for those days — a handful of
    indexed range queries. Then per batch: claim, read the claim back, the leaders, the timeline lines,
    the notifications.

    Safe to run any number of times and on several workers at once: a reminder is a row unique per
    (request, kind, due date); a sweep inserts its rows with its own sweep id, skipping conflicts, and
    notifies only about the rows that carry its id — in the same transaction, so a crash leaves neither
    the row nor the notification. An extended due date is a new key, so its reminders come again.

    "Today" is the date in Asia/Shanghai (TIME_ZONE), also just after midnight when UTC is still on
    the previous day.
    """
    today = timezone.localdate()
    horizon = max(settings.PORTAL_REMINDER_DAYS, default=0)
    working = workdays.calendar(today, today + datetime.timedelta(days=horizon * 2 + 30))
    windows = reminder_windows(today, working)
    sent = {"reminder": 0, "overdue": 0}
    while True:
        found, more = _not_yet_reminded(today, windows)
        for start in range(0, len(found), SWEEP_BATCH):
            claimed = _sweep_batch(today, found[start : start + SWEEP_BATCH], working)
            sent["reminder"] += claimed["reminder"]
            sent["overdue"] += claimed["overdue"]
        if not more:
            return sent


def _not_yet_reminded(today, windows) -> tuple[list[tuple[int, str, datetime.date]], bool]:
    """(request id, kind, due date) of every reminder due now and not sent yet; and whether more overdue
    requests than one batch were waiting (the caller comes back for them)."""
    overdue = list(
        AssistanceRequest.objects.filter(ESCALATION_PENDING, due_date__lt=today)
        .order_by()
        .values_list("pk", "due_date")[:SWEEP_BATCH]
    )
    found = [(pk, OVERDUE, due) for pk, due in overdue]
    for kind, first, end in windows:
        # Two range scans compared in memory rather than NOT EXISTS: the plan cannot go wrong on
        # statistics that lag behind the reminders a sweep has just inserted.
        in_window = AssistanceRequest.objects.filter(
            status__in=AssistanceRequest.OPEN_STATUSES, due_date__gte=first, due_date__lt=end
        ).values_list("pk", "due_date")
        sent = set(
            DeadlineReminder.objects.filter(kind=kind, due_date__gte=first, due_date__lt=end).values_list(
                "request_id", "due_date"
            )
        )
        found += [(pk, kind, due) for pk, due in in_window.order_by() if (pk, due) not in sent]
    return found, len(overdue) == SWEEP_BATCH


@transaction.atomic
def _sweep_batch(today, found, working) -> dict:
    sweep = uuid.uuid4()
    rows = [DeadlineReminder(request_id=pk, kind=kind, due_date=due, sweep=sweep) for pk, kind, due in found]
    if not rows:
        return {"reminder": 0, "overdue": 0}
    # Rows another sweep inserted a moment ago are skipped; we then read back only our own.
    DeadlineReminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=SWEEP_BATCH)
    # Every overdue request of the batch has its escalation row now (ours or another sweep's): it
    # leaves the partial index of pending escalations. A due date changed meanwhile stays pending.
    AssistanceRequest.objects.bulk_update(
        [AssistanceRequest(pk=pk, escalated_due_date=due) for pk, kind, due in found if kind == OVERDUE],
        ["escalated_due_date"],
        batch_size=SWEEP_BATCH,
    )
    mine = list(
        DeadlineReminder.objects.filter(sweep=sweep).select_related(
            "request__case", "request__requested_bureau", "request__assignee", "request__created_by"
        )
    )
    team_ids = {r.request.requesting_team_id for r in mine} | {r.request.requested_team_id for r in mine}
    leaders = defaultdict(list)
    for leader in User.objects.filter(is_active=True, groups__led_team__in=team_ids).annotate(
        led_team_id=F("groups__led_team")
    ):
        leaders[leader.led_team_id].append(leader)

    events, timeline = [], []
    for reminder in mine:
        request = reminder.request
        people = [request.assignee, request.created_by]
        if reminder.kind == OVERDUE:
            people += leaders[request.requesting_team_id] + leaders[request.requested_team_id]
            params = message_params(request)
            timeline.append((request.case, "request_overdue", params))
            events.append((people, "deadline_overdue", params, request_url(request)))
        else:
            if request.assignee_id is None:
                people += leaders[request.requested_team_id]
            params = message_params(request, days=working.working_days_between(today, request.due_date))
            events.append((people, "deadline_reminder", params, request_url(request)))
    case_services.record_system_timeline(entries=timeline)
    notify_many(events)
    webhook_events.deadline_events([(reminder.kind, reminder.request) for reminder in mine])
    overdue = sum(1 for r in mine if r.kind == OVERDUE)
    return {"reminder": len(mine) - overdue, "overdue": overdue}


@shared_task
def recount_provisional_due_dates() -> int:
    """Count provisional due dates again once their year is entered (beat hourly, and after an
    administrator saves a calendar year). Idempotent."""
    return services.recount_provisional_due_dates()
