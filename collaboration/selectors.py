"""Reads of assistance requests: queues, counts, per-case lists."""

from django.db.models import Q, QuerySet
from django.urls import reverse

from portal.models import User

from .models import AssistanceRequest
from .permissions import PRIVATE_TO_REQUESTER, visible_requests

Status = AssistanceRequest.Status


def _with_rows(qs: QuerySet[AssistanceRequest]) -> QuerySet[AssistanceRequest]:
    return qs.select_related("case", "requesting_bureau", "requested_bureau", "created_by", "assignee")


def awaiting_my_approval(user: User) -> QuerySet[AssistanceRequest]:
    """Outgoing requests of the leader's team waiting for approval."""
    if user.role != User.Role.LEADER or not user.team_id:
        return AssistanceRequest.objects.none()
    return visible_requests(user).filter(requesting_team_id=user.team_id, status=Status.AWAITING_APPROVAL)


def awaiting_my_acceptance(user: User) -> QuerySet[AssistanceRequest]:
    """Incoming requests for the leader's team waiting to be accepted and assigned."""
    if user.role != User.Role.LEADER or not user.team_id:
        return AssistanceRequest.objects.none()
    return visible_requests(user).filter(requested_team_id=user.team_id, status=Status.SENT)


def queue(user: User) -> dict[str, QuerySet[AssistanceRequest]]:
    return {
        "outgoing": _with_rows(awaiting_my_approval(user)).order_by("submitted_at", "id"),
        "incoming": _with_rows(awaiting_my_acceptance(user)).order_by("sent_at", "id"),
    }


def queue_count(user: User) -> int:
    """What waits for a leader: requests to approve or accept, and case closures to decide (two queries)."""
    from cases.selectors import closures_awaiting_my_approval

    if user.role != User.Role.LEADER:
        return 0
    requests = (awaiting_my_approval(user) | awaiting_my_acceptance(user)).count()
    return requests + closures_awaiting_my_approval(user).count()


def assigned_to_me(user: User) -> QuerySet[AssistanceRequest]:
    return _with_rows(
        visible_requests(user).filter(assignee_id=user.pk, status__in=[Status.ACCEPTED, Status.IN_PROGRESS])
    ).order_by("due_date", "id")


def unsent_attachment_ids(user: User) -> QuerySet:
    """Ids of documents attached to requests of another bureau that are not sent yet (a subquery)."""
    return (
        AssistanceRequest.documents.through.objects.filter(assistancerequest__status__in=PRIVATE_TO_REQUESTER)
        .exclude(assistancerequest__requesting_bureau_id=user.bureau_id)
        .values("document_id")
    )


UNFINISHED = (Status.AWAITING_APPROVAL, Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS, Status.ANSWERED)


def unfinished_requests_of_case(case) -> QuerySet[AssistanceRequest]:
    """Requests that still need someone to act: a case with any of these cannot be closed."""
    return AssistanceRequest.objects.filter(case=case, status__in=UNFINISHED)


def requests_of_case(case, user: User) -> QuerySet[AssistanceRequest]:
    return _with_rows(visible_requests(user).filter(case=case)).order_by("created_at", "id")


# --- the daily digest ----------------------------------------------------------------------------

# What a person is waiting to do, per request state: (who, what).
WAITING_FOR = {
    Status.AWAITING_APPROVAL: ("requesting_leaders", "approve"),
    Status.SENT: ("requested_leaders", "accept"),
    Status.ACCEPTED: ("assignee", "work"),
    Status.IN_PROGRESS: ("assignee", "work"),
    Status.ANSWERED: ("created_by", "confirm"),
}


def digest_items(*, due_until) -> dict[int, dict[str, list[dict]]]:
    """For every person with something to do, what waits for them and what is due by `due_until`
    (overdue included), as {user_id: {"waiting": [...], "due": [...]}}; set-based, a handful of queries.

    Only requests of cases the person may see are listed (cases.permissions.visible_pairs, the same
    policy as every page), so a person taken off a case stops hearing of it at once.
    """
    from cases.permissions import visible_pairs

    from .models import DeadlineExtension

    fields = (
        "pk", "title", "status", "due_date", "case_id", "case__number", "case__title",
        "requesting_team_id", "requested_team_id", "assignee_id", "created_by_id",
    )  # fmt: skip
    rows = list(AssistanceRequest.objects.filter(status__in=list(WAITING_FOR)).values_list(*fields))
    if not rows:
        return {}
    leaders: dict[int, list[int]] = {}
    for user_id, team_id in User.objects.filter(is_active=True, groups__led_team__isnull=False).values_list(
        "pk", "groups__led_team"
    ):
        leaders.setdefault(team_id, []).append(user_id)
    extensions = set(
        DeadlineExtension.objects.filter(
            status=DeadlineExtension.Status.PENDING, request__status__in=AssistanceRequest.OPEN_STATUSES
        ).values_list("request_id", flat=True)
    )
    wanted: list[tuple[int, str, str, tuple]] = []  # (user, list, what, row)
    for row in rows:
        pk, _title, status, due, _case, _number, _case_title, req_team, rcv_team, assignee, creator = row
        who, what = WAITING_FOR[status]
        people = {
            "requesting_leaders": leaders.get(req_team, []),
            "requested_leaders": leaders.get(rcv_team, []),
            "assignee": [assignee] if assignee else [],
            "created_by": [creator],
        }[who]
        wanted += [(user_id, "waiting", what, row) for user_id in people]
        if pk in extensions:
            wanted += [(user_id, "waiting", "extension", row) for user_id in leaders.get(req_team, [])]
        if status in AssistanceRequest.OPEN_STATUSES and due is not None and due <= due_until:
            chasers = {creator, *([assignee] if assignee else leaders.get(rcv_team, []))}
            wanted += [(user_id, "due", "due", row) for user_id in chasers]
    visible = visible_pairs({w[0] for w in wanted}, {w[3][4] for w in wanted})
    items: dict[int, dict[str, list[dict]]] = {}
    for user_id, bucket, what, row in wanted:
        pk, title, _status, due, case_id, number, case_title, *_rest = row
        if (user_id, case_id) not in visible:
            continue
        entry = {
            "what": what,
            "request": title,
            "case": number or case_title,
            "due": due.isoformat() if due else "",
            "url": reverse("collaboration:request_detail", args=[pk]),
        }
        lists = items.setdefault(user_id, {"waiting": [], "due": []})
        if entry not in lists[bucket]:
            lists[bucket].append(entry)
    for lists in items.values():
        lists["due"].sort(key=lambda entry: entry["due"])
    return items


def deadlines_of(user: User) -> QuerySet[AssistanceRequest]:
    """Open requests whose deadline concerns the user: drafted by them, assigned to them, or to or from a
    team they lead — and only of cases they may see (the one policy). For the calendar feed."""
    concerns = Q(created_by_id=user.pk) | Q(assignee_id=user.pk)
    if user.role == User.Role.LEADER and user.team_id:
        concerns |= Q(requesting_team_id=user.team_id) | Q(requested_team_id=user.team_id)
    return (
        visible_requests(user)
        .filter(concerns, status__in=AssistanceRequest.OPEN_STATUSES, due_date__isnull=False)
        .select_related("case", "requesting_bureau", "requested_bureau")
        .order_by("due_date", "id")
    )


def uncovered_deadline_years(today) -> list[int]:
    """Years the working-day calendar lacks although a deadline needs them: the next 90 days, and the due
    dates of open requests. Two queries; for the administrators' banner."""
    import datetime

    from django.db.models import Max

    from portal.models import CalendarYear

    latest = AssistanceRequest.objects.filter(status__in=AssistanceRequest.OPEN_STATUSES).aggregate(
        latest=Max("due_date")
    )["latest"]
    last = max(today + datetime.timedelta(days=90), latest or today)
    covered = set(
        CalendarYear.objects.filter(year__gte=today.year, year__lte=last.year).values_list("year", flat=True)
    )
    return [year for year in range(today.year, last.year + 1) if year not in covered]
