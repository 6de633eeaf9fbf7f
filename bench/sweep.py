"""The deadline sweep over a million open requests: its time and its number of queries (issue 5).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/sweep.py --requests 1000000

Builds a throwaway database (the test runner's `test_<name>`, dropped at the end unless --keep) and fills
it with COPY: --requests open assistance requests (sent, accepted or in progress) of --cases cases between
two bureaus, their due dates spread evenly from --overdue-days calendar days ago to --ahead-days ahead,
as in a steady flow of work. The escalations of the requests that were overdue before yesterday are
already sent (their reminder rows exist), as earlier sweeps would have left them. Then it runs the sweep
as beat does and prints, for each run, the time, the number of queries, and what it sent:

- the first run of the day: yesterday's overdue requests are escalated, tomorrow's and the day after's
  are reminded — tens of thousands of requests, each with its notifications and timeline line;
- the second run, minutes later: nothing new is due; this is what the sweep costs every ten minutes.

Emails are queued on an in-memory broker so that the numbers are the sweep's, not Redis's.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test.utils import get_runner  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402


def copy_rows(model, rows, fields: list[str]) -> None:
    """COPY rows (tuples in the order of `fields`) into the model's table; other columns get defaults."""
    concrete = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    extra = [name for name in concrete if name not in fields]
    defaults = []
    for name in extra:
        field = concrete[name]
        if field.null:
            defaults.append(None)
        elif field.has_default():
            defaults.append(field.get_default())
        elif isinstance(field, models.DateTimeField):
            defaults.append(timezone.now())
        elif isinstance(field, models.BooleanField):
            defaults.append(False)
        else:
            defaults.append("")
    columns = ", ".join(connection.ops.quote_name(concrete[name].column) for name in fields + extra)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, *defaults))


def fill(*, requests: int, cases: int, overdue_days: int, ahead_days: int) -> dict:
    from cases.models import Category, JointCase
    from collaboration.models import AssistanceRequest, DeadlineReminder
    from portal.models import Bureau, User
    from portal.services import team_create, user_set_position

    sz = Bureau.objects.create(
        code="SZ-AMR", name_zh="深圳市市场监督管理局", short_name="深圳", case_number_prefix="深市监协"
    )
    hz = Bureau.objects.create(
        code="HZ-AMR", name_zh="杭州市市场监督管理局", short_name="杭州", case_number_prefix="杭市监协"
    )
    sz_team, hz_team = (
        team_create(bureau=sz, name_zh="稽查一队"),
        team_create(bureau=hz, name_zh="综合执法队"),
    )

    def person(name, team, role):
        user = User.objects.create_user(name, f"{name}@example.gov.cn", display_name=name)
        return user_set_position(user=user, team=team, role=role)

    officer, _leader = (
        person("sz_officer", sz_team, User.Role.OFFICER),
        person("sz_leader", sz_team, User.Role.LEADER),
    )
    assignee, _hz_leader = (
        person("hz_officer", hz_team, User.Role.OFFICER),
        person("hz_leader", hz_team, User.Role.LEADER),
    )
    category = Category.objects.create(code="bench", name_zh="基准", name_en="Bench")
    now = timezone.now()
    year = timezone.localdate().year

    started = time.perf_counter()
    copy_rows(
        JointCase,
        (
            (f"深市监协〔{year}〕{i:07d}号", year, i, f"基准案件 {i}", "…", category.pk, sz.pk, "investigating", officer.pk, now, now, now)
            for i in range(1, cases + 1)
        ),
        ["number", "number_year", "number_seq", "title", "summary", "category_id", "lead_bureau_id", "status",
         "created_by_id", "created_at", "updated_at", "opened_at"],
    )  # fmt: skip
    first_case = JointCase.objects.order_by("pk").values_list("pk", flat=True).first()
    today = timezone.localdate()
    span = overdue_days + ahead_days
    statuses = ["sent", "accepted", "in_progress"]

    yesterday = today - datetime.timedelta(days=1)

    def request_rows():
        for i in range(requests):
            due = today + datetime.timedelta(days=-overdue_days + (i * span) // requests)
            status = statuses[i % 3]
            escalated = due if due < yesterday else None  # escalated by the sweeps of earlier days
            yield (
                first_case + i % cases, "information_verification", f"基准协查 {i}", "…", sz.pk, sz_team.pk,
                hz.pk, hz_team.pk, 15, status, officer.pk, now, now, now, now, due, False,
                assignee.pk if status != "sent" else None, escalated,
            )  # fmt: skip

    copy_rows(
        AssistanceRequest,
        request_rows(),
        ["case_id", "request_type", "title", "items", "requesting_bureau_id", "requesting_team_id",
         "requested_bureau_id", "requested_team_id", "time_limit_days", "status", "created_by_id", "created_at",
         "updated_at", "submitted_at", "sent_at", "due_date", "due_date_provisional", "assignee_id",
         "escalated_due_date"],
    )  # fmt: skip
    # Read first: a COPY cannot be fed from a cursor of the same connection.
    escalated = list(AssistanceRequest.objects.filter(due_date__lt=yesterday).values_list("pk", "due_date"))
    copy_rows(
        DeadlineReminder,
        ((pk, "overdue", due, now) for pk, due in escalated),
        ["request_id", "kind", "due_date", "sent_at"],
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"fill_seconds": time.perf_counter() - started}


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed_sweep() -> tuple[float, int, dict]:
    from collaboration.tasks import sweep_deadlines

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = sweep_deadlines()
        seconds = time.perf_counter() - started
    return seconds, counter.count, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--overdue-days", type=int, default=10, help="oldest due date, calendar days ago")
    parser.add_argument("--ahead-days", type=int, default=170, help="latest due date, calendar days ahead")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: DATABASE_URL=postgres://…")

    from portal.celery import app

    app.conf.broker_url = "memory://"  # emails queued in memory: the numbers are the sweep's
    app.conf.task_always_eager = False
    runner = get_runner(settings)(verbosity=0, interactive=False, keepdb=args.keep)
    old = runner.setup_databases()
    try:
        from collaboration.models import AssistanceRequest, DeadlineReminder
        from portal.models import Notification

        if AssistanceRequest.objects.exists():
            print("(reusing the kept benchmark database)")
        else:
            filled = fill(
                requests=args.requests,
                cases=args.cases,
                overdue_days=args.overdue_days,
                ahead_days=args.ahead_days,
            )
            print(f"filled {args.requests:,} open requests in {filled['fill_seconds']:.1f} s")
        open_requests = AssistanceRequest.objects.filter(status__in=AssistanceRequest.OPEN_STATUSES).count()
        print(f"open requests: {open_requests:,}; reminder rows before: {DeadlineReminder.objects.count():,}")
        reverse("home")  # a running worker has its URL patterns loaded already
        for label in ("first run of the day", "next run (nothing new due)"):
            notifications_before = Notification.objects.count()
            seconds, queries, result = timed_sweep()
            print(
                f"{label}: {seconds:.2f} s, {queries} queries; reminded {result['reminder']:,} requests, "
                f"escalated {result['overdue']:,}; {Notification.objects.count() - notifications_before:,} "
                "notifications written"
            )
        from collaboration.models import ESCALATION_PENDING

        plan = (
            AssistanceRequest.objects.filter(ESCALATION_PENDING, due_date__lt=timezone.localdate())
            .order_by()
            .values_list("pk", "due_date")[:5000]
            .explain(analyze=True)
        )
        print("plan of the overdue query:\n  " + "\n  ".join(plan.splitlines()))
    finally:
        if not args.keep:
            runner.teardown_databases(old)


if __name__ == "__main__":
    main()
