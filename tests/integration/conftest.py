"""Real services for integration tests: Redis as the broker, a Celery worker process, an SMTP server.

The worker is a separate process running the production settings module (not the eager test
settings), pointed at the test database of this pytest session, so it sees exactly the rows a
`transaction=True` test has committed. Missing services skip the tests, unless
PORTAL_REQUIRE_SERVICES=1 (as in CI), where they fail instead.
"""

import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from portal.celery import app as celery_app

WORKER_BASE_URL = "http://portal.test"
POLL_TIMEOUT = 30.0


def require_service(reason: str):
    """Skip, or fail when the run promised that the real services are there."""
    if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (PORTAL_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def wait_for(condition, *, timeout: float = POLL_TIMEOUT, interval: float = 0.1, describe=lambda: ""):
    """Poll until condition() is truthy; return its value or fail with what was seen last."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s. {describe()}")
        time.sleep(interval)


# --- Redis -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = os.environ.get("REDIS_URL") or settings.REDIS_URL
    if not url:
        require_service("REDIS_URL is not set; the integration tests need a real Redis")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        require_service(f"Redis at {url} is not reachable: {error}")
    return url


def _reset_broker_pools() -> None:
    # Forget the cached pools so the next send picks up the broker settings; kombu keeps the pools
    # themselves in a registry by URL, so closing them here would break a later test's sends.
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def celery_dispatches_to_redis(redis_url):
    """The test process queues tasks on Redis instead of running them eagerly; restored afterwards."""
    saved = {
        "task_always_eager": celery_app.conf.task_always_eager,
        "broker_url": celery_app.conf.broker_url,
        "broker_transport_options": celery_app.conf.broker_transport_options,
    }
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_url
    celery_app.conf.broker_transport_options = {}
    _reset_broker_pools()
    # Messages left by an earlier, interrupted run would point at notification ids of another database.
    with celery_app.connection_for_write() as connection:
        celery_app.control.purge(connection=connection)
    yield celery_app
    for key, value in saved.items():
        setattr(celery_app.conf, key, value)
    _reset_broker_pools()


# --- SMTP --------------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None and body.get_content_subtype() == subtype, f"no text/{subtype} part"
        return body.get_content()


@dataclass
class CollectingHandler:
    received: list[ReceivedMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def messages(self) -> list[ReceivedMail]:
        with self.lock:
            return list(self.received)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


# --- Celery worker -----------------------------------------------------------------------------


def database_url_for_worker() -> str:
    """DATABASE_URL naming the database this test session really uses (the test database)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:memorydb"):
            require_service("an in-memory SQLite test database cannot be shared with a worker process")
        return f"sqlite:///{Path(name).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        credentials = quote(db.get("USER") or "", safe="")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or "127.0.0.1"
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"
    pytest.fail(f"No worker DATABASE_URL recipe for {db['ENGINE']}")


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def assert_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"The Celery worker exited with {self.process.returncode}:\n{self.log()[-5000:]}")


@pytest.fixture
def celery_worker(transactional_db, celery_dispatches_to_redis, redis_url, smtp_server, tmp_path):
    """A real `celery -A portal worker` on the production settings, SMTP mail and the test database.

    Depends on transactional_db so that it stops before pytest-django flushes or drops the database.
    """
    env = {
        **{name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database_url_for_worker(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": smtp_server.hostname,
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_TIMEOUT": "10",
        "PORTAL_BASE_URL": WORKER_BASE_URL,
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=solo",
                "-l",
                "info",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--hostname",
                f"integration-{os.getpid()}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    worker = Worker(process, log_path)
    try:
        wait_for(
            lambda: worker.assert_alive() or " ready." in worker.log(),
            timeout=60,
            describe=lambda: f"The worker did not report ready:\n{worker.log()[-5000:]}",
        )
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
