"""Fault tests of the email outbox and the deadline sweep with the real services (issue 5).

Real Redis, real `celery -A portal worker` processes on the production settings, and a real SMTP
server (aiosmtpd) started here. The test process plays the web server (it commits events and queues
their tasks) and beat (it runs the outbox sweep, portal.outbox.redeliver_due, as beat would every
minute — here every half second). What is checked is what the people get: each expected mail in
their mailbox exactly once.

The SMTP server used here accepts a message only when it answers "250" at the end of the DATA
command, as a real mail server commits it to its queue: a client that is killed before that moment
has not delivered. (A worker killed in the instant after the "250" and before the UPDATE that marks
the row sent would send that mail again — the one window SMTP cannot close; see portal/outbox.py.)
"""

import asyncio
import email
import email.policy
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Category
from collaboration import services as request_services
from collaboration.models import AssistanceRequest, DeadlineReminder
from collaboration.tasks import sweep_deadlines
from portal import outbox, workdays
from portal.celery import app as celery_app
from portal.models import Bureau, Notification, User
from portal.services import notify, team_create, user_set_position
from tests.conftest import sign_in

from .conftest import (
    WORKER_BASE_URL,
    Worker,
    _reset_broker_pools,
    database_url_for_worker,
    free_port,
    require_service,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Short clocks so that faults heal in seconds: back-off from 1 s, a worker's claim lasts 4 s (well
# above the 2 s SMTP timeout), a queued but unsent email is queued again after 5 s.
FAST_OUTBOX = {
    "PORTAL_MAIL_RETRY_SECONDS": "1",
    "PORTAL_MAIL_CLAIM_SECONDS": "4",
    "PORTAL_MAIL_REDISPATCH_SECONDS": "5",
    "EMAIL_TIMEOUT": "2",
}


@pytest.fixture(autouse=True)
def fast_outbox(settings):
    """The test process runs the outbox sweep with the same short clocks as the workers."""
    for name, value in FAST_OUTBOX.items():
        setattr(settings, name, int(value))
    settings.PORTAL_BASE_URL = WORKER_BASE_URL  # the same Message-IDs as the workers


# --- an SMTP server that accepts at the "250", can be slow, and can be down -------------------------


@dataclass
class Mailbox:
    """What the SMTP server accepted; `in_data` is set while a message waits for its "250"."""

    delay: float = 0.0
    accepted: list = field(default_factory=list)
    started: int = 0
    in_data: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            self.started += 1
        self.in_data.set()
        try:
            # aiosmtpd cancels this coroutine when the client disconnects: a message whose sender
            # was killed before the "250" is not accepted, as with a real mail server.
            await asyncio.sleep(self.delay)
        finally:
            self.in_data.clear()
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.accepted.append(message)
        return "250 Message accepted for delivery"

    def messages(self) -> list:
        with self.lock:
            return list(self.accepted)

    def notification_ids(self) -> list[int]:
        return sorted(int(m["X-Portal-Notification"]) for m in self.messages())


class SMTPServer:
    """An aiosmtpd server on a fixed port that the test can start and stop."""

    def __init__(self, mailbox: Mailbox):
        self.mailbox, self.port, self.controller = mailbox, free_port(), None

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SMTPServer(Mailbox())
    yield server
    server.stop()


# --- worker processes -------------------------------------------------------------------------------


@dataclass
class Supervised:
    """A worker kept running like systemd's Restart=always does: started again a second after it exits."""

    worker: Worker
    restarts: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def workers(transactional_db, tmp_path):
    """`start(smtp, redis_url, name, supervised=False)` starts a real worker process; all are stopped
    before the test database is."""
    started: list[Worker] = []
    supervisors: list[Supervised] = []

    def spawn(command, environment, log_path) -> subprocess.Popen:
        with log_path.open("ab") as log:
            return subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
            )

    def start(smtp: SMTPServer, redis_url: str, name: str = "w1", supervised: bool = False, **env):
        environment = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": database_url_for_worker(),
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_USE_TLS": "0",
            "PORTAL_BASE_URL": WORKER_BASE_URL,
            "PYTHONUNBUFFERED": "1",
            **FAST_OUTBOX,
            **env,
        }
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "-l", "info",
            "--without-mingle", "--without-gossip", "--without-heartbeat",
            "--hostname", f"faults-{name}-{len(started)}-{os.getpid()}@%h",
        ]  # fmt: skip
        log_path = tmp_path / f"worker-{name}-{len(started)}.log"
        worker = Worker(spawn(command, environment, log_path), log_path)
        started.append(worker)
        wait_for(
            lambda: worker.assert_alive() or " ready." in worker.log(),
            timeout=60,
            describe=lambda: f"The worker did not report ready:\n{worker.log()[-3000:]}",
        )
        if not supervised:
            return worker
        keeper = Supervised(worker)
        supervisors.append(keeper)

        def supervise():
            while not keeper.stopping.wait(0.5):
                if worker.process.poll() is not None:
                    time.sleep(1)
                    worker.process = spawn(command, environment, log_path)
                    keeper.restarts += 1

        threading.Thread(target=supervise, daemon=True).start()
        return keeper

    yield start
    for keeper in supervisors:
        keeper.stopping.set()
    time.sleep(0.6 if supervisors else 0)
    for worker in started:
        if worker.process.poll() is None:
            worker.process.terminate()
            try:
                worker.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait(timeout=5)


def logs(*workers: Worker) -> str:
    return "\n".join(worker.log()[-3000:] for worker in workers)


def beat_until(condition, *, workers=(), timeout: float = 60.0):
    """Run the outbox sweep every half second, as beat would every minute, until the condition holds."""

    def step():
        for worker in workers:
            worker.assert_alive()
        outbox.redeliver_due()
        return condition()

    return wait_for(
        step,
        timeout=timeout,
        interval=0.5,
        describe=lambda: (
            f"{list(Notification.objects.values_list('pk', 'email_status', 'email_attempts', 'email_last_error'))}\n"
            f"{logs(*workers)}"
        ),
    )


def all_sent() -> bool:
    return not Notification.objects.exclude(email_status=Notification.EmailStatus.SENT).exists()


# --- people -------------------------------------------------------------------------------------------


@pytest.fixture
def people(transactional_db):
    """Two bureaus, a team each with an officer and a leader, and a numbered joint case led by SZ."""
    sz = Bureau.objects.create(
        code="SZ-AMR", name_zh="深圳市市场监督管理局", short_name="深圳", case_number_prefix="深市监协"
    )
    hz = Bureau.objects.create(
        code="HZ-AMR", name_zh="杭州市市场监督管理局", short_name="杭州", case_number_prefix="杭市监协"
    )
    teams = {
        "sz": team_create(bureau=sz, name_zh="稽查一队"),
        "hz": team_create(bureau=hz, name_zh="综合执法队"),
    }

    def person(username, team, role):
        user = User.objects.create_user(
            username, f"{username}@example.gov.cn", "unused", display_name=username
        )
        return user_set_position(user=user, team=teams[team], role=role)

    cast = {
        "sz_officer": person("sz_officer", "sz", User.Role.OFFICER),
        "sz_leader": person("sz_leader", "sz", User.Role.LEADER),
        "hz_officer": person("hz_officer", "hz", User.Role.OFFICER),
        "hz_leader": person("hz_leader", "hz", User.Role.LEADER),
    }
    category = Category.objects.create(code="e-commerce", name_zh="电子商务", name_en="E-commerce")
    case = case_services.case_create(
        actor=cast["sz_officer"],
        title="网店售假",
        summary="…",
        category=category,
        partner_teams=[teams["hz"]],
    )
    cast["case"] = case_services.case_open(case=case, actor=cast["sz_officer"])
    cast["hz"] = hz
    return cast


def many_recipients(n: int) -> list[User]:
    users = User.objects.bulk_create(
        User(username=f"reader{i:02d}", email=f"reader{i:02d}@example.gov.cn", display_name=f"读者{i}")
        for i in range(n)
    )
    return list(User.objects.filter(pk__in=[u.pk for u in users]))


def notify_each(users) -> list[int]:
    """One committed notification per user (one event each), queued after the commit."""
    ids = []
    with transaction.atomic():
        for user in users:
            ids += [
                n.pk
                for n in notify(
                    recipients=[user], kind="request_completed", params={"request": user.username}, url="/"
                )
            ]
    return sorted(ids)


# --- the faults -------------------------------------------------------------------------------------------


def test_mail_server_down_then_back_delivers_every_mail_exactly_once(
    transactional_db, celery_dispatches_to_redis, redis_url, smtp, workers
):
    worker = workers(smtp, redis_url)  # the SMTP server is not started: connections are refused
    ids = notify_each(many_recipients(6))

    wait_for(
        lambda: Notification.objects.filter(email_attempts__gte=1, email_status="pending").count() == 6,
        describe=lambda: (
            f"{list(Notification.objects.values_list('email_status', 'email_attempts'))}\n{logs(worker)}"
        ),
    )
    assert "Connection refused" in Notification.objects.first().email_last_error

    smtp.start()
    beat_until(all_sent, workers=[worker])
    time.sleep(2)  # anything late (a duplicate) would arrive now
    outbox.redeliver_due()
    time.sleep(1)

    assert smtp.mailbox.notification_ids() == ids
    message_ids = [m["Message-ID"] for m in smtp.mailbox.messages()]
    assert len(set(message_ids)) == 6
    assert set(message_ids) == {outbox.message_id(n) for n in Notification.objects.all()}
    assert Notification.objects.filter(email_attempts__gte=2).count() == 6


def test_a_worker_killed_mid_batch_loses_no_mail_and_doubles_none(
    transactional_db, celery_dispatches_to_redis, redis_url, smtp, workers
):
    smtp.mailbox.delay = 0.3
    smtp.start()
    first = workers(smtp, redis_url, "first")
    ids = notify_each(many_recipients(20))

    # Kill the worker while it waits for the "250" of a message, after a few were delivered.
    wait_for(
        lambda: len(smtp.mailbox.messages()) >= 5 and smtp.mailbox.in_data.is_set(),
        interval=0.005,
        describe=lambda: logs(first),
    )
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)
    delivered_before = len(smtp.mailbox.messages())
    assert delivered_before < 20, "the kill came too late to be mid-batch"
    time.sleep(0.5)
    assert smtp.mailbox.started > len(smtp.mailbox.messages()), "a message was in flight at the kill"
    assert Notification.objects.filter(email_status="sending").count() == 1  # the killed worker's claim

    second = workers(smtp, redis_url, "second")
    beat_until(all_sent, workers=[second])
    time.sleep(2)
    outbox.redeliver_due()
    time.sleep(1)

    assert smtp.mailbox.notification_ids() == ids  # each of the 20 exactly once
    assert len({m["Message-ID"] for m in smtp.mailbox.messages()}) == 20


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test only, on a free port, that the test may stop and start again.
    (The machine's shared Redis is never stopped.)"""
    binary = shutil.which("redis-server")
    if binary is None:
        require_service("redis-server is not installed; the Redis fault test starts its own")
    port = free_port()
    state = {"process": None}

    def start():
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        state["process"] = process
        import redis

        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)

        def up():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_for(up, timeout=20)

    def stop():
        process = state["process"]
        process.terminate()
        process.wait(timeout=10)

    start()
    url = f"redis://127.0.0.1:{port}/0"
    saved = (
        celery_app.conf.task_always_eager,
        celery_app.conf.broker_url,
        celery_app.conf.broker_transport_options,
    )
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = {}
    _reset_broker_pools()
    yield type("OwnRedis", (), {"url": url, "start": staticmethod(start), "stop": staticmethod(stop)})
    (
        celery_app.conf.task_always_eager,
        celery_app.conf.broker_url,
        celery_app.conf.broker_transport_options,
    ) = saved
    _reset_broker_pools()
    if state["process"].poll() is None:
        stop()


def test_redis_down_while_a_leader_approves_the_approval_succeeds_and_the_mail_follows(
    people, own_redis, smtp, workers
):
    smtp.start()
    # Production runs workers under a supervisor: Celery 5.7 with Redis exits ("Unrecoverable error")
    # when the broker goes away while the worker holds an unacknowledged message (for instance the
    # audit chain's debounced task), and is started again by the supervisor.
    keeper = workers(smtp, own_redis.url, supervised=True)
    worker = keeper.worker
    request = request_services.request_create(
        case=people["case"],
        actor=people["sz_officer"],
        request_type="evidence_collection",
        title="调取网店后台订单",
        items="请调取该网店近一年的订单数据。",
        requested_bureau=people["hz"],
    )
    request_services.request_submit(request=request, actor=people["sz_officer"])
    wait_for(lambda: len(smtp.mailbox.messages()) == 1, describe=lambda: logs(worker))  # to sz_leader

    own_redis.stop()
    leader = sign_in(Client(), people["sz_leader"])
    started = time.monotonic()
    response = leader.post(reverse("collaboration:request_step", args=[request.pk, "approve"]), follow=True)
    took = time.monotonic() - started

    assert response.status_code == 200
    assert "Approved and sent." in response.content.decode() or "批准" in response.content.decode()
    request.refresh_from_db()
    assert request.status == AssistanceRequest.Status.SENT
    assert took < 10, f"the approval waited {took:.1f} s for the broker"
    waiting = Notification.objects.filter(kind__in=["request_received", "request_approved"])
    assert sorted(waiting.values_list("email_status", "email_dispatched_at")) == [("pending", None)] * 2

    own_redis.start()
    beat_until(all_sent, timeout=90)
    time.sleep(1)

    kinds = sorted(m["X-Portal-Kind"] for m in smtp.mailbox.messages())
    assert kinds == ["request_approved", "request_awaiting_approval", "request_received"]
    print(f"worker restarts by the supervisor during the outage: {keeper.restarts}")


def test_a_rolled_back_transaction_sends_nothing_even_after_sweeps(
    transactional_db, celery_dispatches_to_redis, redis_url, smtp, workers
):
    smtp.start()
    worker = workers(smtp, redis_url)
    doomed, kept = many_recipients(2)

    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[doomed], kind="request_completed", params={}, url="/")
        raise RuntimeError("the step failed after notifying")
    [sent] = notify_each([kept])

    beat_until(lambda: len(smtp.mailbox.messages()) == 1, workers=[worker])
    for _ in range(3):
        assert outbox.redeliver_due()["queued"] == 0
        time.sleep(0.5)
    assert smtp.mailbox.notification_ids() == [sent]
    assert [m["To"] for m in smtp.mailbox.messages()] == [kept.email]


def test_ten_sweeps_and_two_workers_at_once_send_each_reminder_once(
    people, celery_dispatches_to_redis, redis_url, smtp, workers
):
    smtp.start()
    pair = [workers(smtp, redis_url, "a"), workers(smtp, redis_url, "b")]
    today = timezone.localdate()
    dues = {
        "before-3": workdays.add_working_days(today, 3),
        "before-1": workdays.add_working_days(today, 1),
        "overdue": today - timezone.timedelta(days=5),
    }
    requests = {}
    for kind, due in dues.items():
        request = request_services.request_create(
            case=people["case"],
            actor=people["sz_officer"],
            request_type="information_verification",
            title=f"核查 {kind}",
            items="…",
            requested_bureau=people["hz"],
        )
        request_services.request_submit(request=request, actor=people["sz_officer"])
        request_services.request_approve(request=request, actor=people["sz_leader"])
        request_services.request_accept(
            request=request, actor=people["hz_leader"], assignee=people["hz_officer"]
        )
        AssistanceRequest.objects.filter(pk=request.pk).update(due_date=due)
        requests[kind] = request
    beat_until(all_sent, workers=pair)
    workflow_mails = len(smtp.mailbox.messages())

    for _ in range(10):
        sweep_deadlines.delay()

    # Reminders go to the assignee and the drafter; the escalation also to both leaders.
    expected = 2 + 2 + 4
    beat_until(
        lambda: len(smtp.mailbox.messages()) - workflow_mails >= expected and all_sent(),
        workers=pair,
        timeout=90,
    )
    time.sleep(3)
    outbox.redeliver_due()
    time.sleep(1)

    reminders = [
        m for m in smtp.mailbox.messages() if m["X-Portal-Kind"] in ("deadline_reminder", "deadline_overdue")
    ]
    assert len(reminders) == expected
    assert len({m["X-Portal-Notification"] for m in reminders}) == expected  # one mail per notification
    assert sorted(m["To"] for m in reminders if m["X-Portal-Kind"] == "deadline_overdue") == sorted(
        f"{name}@example.gov.cn" for name in ("sz_officer", "sz_leader", "hz_officer", "hz_leader")
    )
    assert sorted(DeadlineReminder.objects.values_list("kind", flat=True)) == [
        "before-1",
        "before-3",
        "overdue",
    ]
    assert Notification.objects.filter(kind="deadline_reminder").count() == 4
    assert Notification.objects.filter(kind="deadline_overdue").count() == 4
    both_swept = all("collaboration.tasks.sweep_deadlines" in worker.log() for worker in pair)
    assert both_swept, "the ten sweeps were meant to run on both workers"
