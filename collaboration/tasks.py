import logging

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import services as case_services
from portal import workdays
from portal.services import notify

from .models import AssistanceRequest, DeadlineReminder
from .services import message_params, request_url, team_leaders

logger = logging.getLogger(__name__)


@shared_task
def sweep_deadlines() -> dict:
    """Find open requests whose deadline is near or past and remind once per request, kind and due date.

    Run by Celery beat every few minutes; safe to run any number of times and on several workers at
    once: the unique (request, kind, due_date) row is claimed before the notification, in one transaction.
    """
    today = timezone.localdate()
    horizon_days = max(settings.PORTAL_REMINDER_DAYS, default=0)
    horizon = workdays.add_working_days(today, horizon_days)
    candidates = (
        AssistanceRequest.objects.filter(status__in=AssistanceRequest.OPEN_STATUSES, due_date__lte=horizon)
        .select_related(
            "case", "requested_bureau", "requesting_team__leaders_group", "requested_team__leaders_group"
        )
        .order_by("due_date", "id")
    )
    sent = {"reminder": 0, "overdue": 0}
    for request in candidates.iterator(chunk_size=500):
        if request.due_date < today:
            sent["overdue"] += _send_once(request, "overdue", today)
        else:
            days_left = workdays.working_days_between(today, request.due_date)
            kind = f"before-{min(d for d in settings.PORTAL_REMINDER_DAYS if d >= days_left)}"
            sent["reminder"] += _send_once(request, kind, today, days_left=days_left)
    return sent


def _send_once(request: AssistanceRequest, kind: str, today, days_left: int = 0) -> int:
    try:
        with transaction.atomic():
            DeadlineReminder.objects.create(request=request, kind=kind, due_date=request.due_date)
            recipients = [request.assignee, request.created_by]
            if kind == "overdue":
                recipients += team_leaders(request.requesting_team) + team_leaders(request.requested_team)
                case_services.record_timeline(
                    case=request.case, actor=None, kind="request_overdue", params=message_params(request)
                )
                notify(
                    recipients=recipients,
                    kind="deadline_overdue",
                    params=message_params(request),
                    url=request_url(request),
                )
            else:
                if request.assignee_id is None:
                    recipients += team_leaders(request.requested_team)
                notify(
                    recipients=recipients,
                    kind="deadline_reminder",
                    params=message_params(request, days=days_left),
                    url=request_url(request),
                )
    except IntegrityError:
        return 0  # already sent by an earlier or concurrent sweep
    return 1
