"""Signed webhooks: delivered to a real local HTTP receiver that verifies the signature, retried after a 5xx,
recorded with the answers, replayable; internal items and other bureaus' cases never leave."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases import services as case_services
from collaboration import services as request_services
from interop import signing
from interop.models import WebhookDelivery
from interop.services import webhook_delivery_replay, webhook_subscription_create
from portal.models import User
from portal.services import user_set_position
from tests.helpers import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_retries():
    """Run retries the way a worker would, at once: Celery's eager mode re-applies a task that asks for a
    retry only when eager exceptions are not propagated to the caller."""
    from portal.celery import app

    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it receives and answers the statuses it is told to."""

    def __init__(self, statuses=(200,)):
        self.statuses = list(statuses)
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body, "path": self.path})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.end_headers()
                self.wfile.write(b"received" if status < 300 else b"try later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/portal-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def admin_of(bureau, name):
    user = User.objects.create_user(name, bureau=bureau, email=f"{name}@x.cn")
    return user_set_position(user=user, team=None, role=User.Role.BUREAU_ADMIN)


@pytest.fixture
def hz_admin(hz):
    return admin_of(hz, "hz_admin")


@pytest.fixture
def sz_admin(sz):
    return admin_of(sz, "sz_admin")


def verified(delivery_request, secret) -> dict:
    headers = delivery_request["headers"]
    assert signing.verify(
        secret, headers[signing.TIMESTAMP_HEADER], delivery_request["body"], headers[signing.SIGNATURE_HEADER]
    ), "the signature does not verify"
    return json.loads(delivery_request["body"])


def test_request_sent_to_my_bureau_arrives_signed_after_a_retry(
    submitted_request, sz_leader, hz_admin, django_capture_on_commit_callbacks
):
    with Receiver(statuses=[500, 200]) as receiver:
        subscription, secret = webhook_subscription_create(
            actor=hz_admin, url=receiver.url, events=["request.sent"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            request_services.request_approve(request=submitted_request, actor=sz_leader)

    assert len(receiver.received) == 2, "the first answer was 500: delivered again"
    first, second = receiver.received
    assert first["body"] == second["body"]
    event = verified(second, secret)
    assert event["event"] == "request.sent" and event["bureau"] == "HZ-AMR"
    assert event["data"]["request"]["id"] == submitted_request.pk
    assert event["data"]["request"]["requested_bureau"] == "HZ-AMR"
    assert second["headers"][signing.EVENT_HEADER] == "request.sent"
    assert second["headers"][signing.DELIVERY_HEADER] == event["id"]
    assert not signing.verify("not-the-secret", second["headers"][signing.TIMESTAMP_HEADER], second["body"],
                              second["headers"][signing.SIGNATURE_HEADER])  # fmt: skip
    assert not signing.verify(secret, second["headers"][signing.TIMESTAMP_HEADER], second["body"] + b" ",
                              second["headers"][signing.SIGNATURE_HEADER])  # fmt: skip

    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts == 2 and delivery.response_status == 200 and delivery.response_body == "received"


def test_the_sending_bureau_gets_no_request_sent_event(
    submitted_request, sz_leader, sz_admin, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        webhook_subscription_create(actor=sz_admin, url=receiver.url, events=["request.sent"])
        with django_capture_on_commit_callbacks(execute=True):
            request_services.request_approve(request=submitted_request, actor=sz_leader)
    assert receiver.received == []


def test_internal_documents_never_reach_the_partner_and_uninvolved_bureaus_hear_nothing(
    joint_case, sz_officer, sz_admin, hz_admin, gz, media_storage, django_capture_on_commit_callbacks
):
    gz_admin = admin_of(gz, "gz_admin")
    with Receiver() as sz_receiver, Receiver() as hz_receiver, Receiver() as gz_receiver:
        _sub, sz_secret = webhook_subscription_create(
            actor=sz_admin, url=sz_receiver.url, events=["document.added"]
        )
        webhook_subscription_create(actor=hz_admin, url=hz_receiver.url, events=["document.added"])
        webhook_subscription_create(actor=gz_admin, url=gz_receiver.url, events=["document.added"])
        with django_capture_on_commit_callbacks(execute=True):
            internal = case_services.document_upload(
                case=joint_case,
                actor=sz_officer,
                uploaded_file=upload("内部.txt", b"internal"),
                internal=True,
            )
        with django_capture_on_commit_callbacks(execute=True):
            case_services.document_upload(
                case=joint_case, actor=sz_officer, uploaded_file=upload("共享.txt", b"x")
            )

    assert [verified(r, sz_secret)["data"]["document"]["title"] for r in sz_receiver.received] == [
        "内部.txt",
        "共享.txt",
    ]
    assert [json.loads(r["body"])["data"]["document"]["title"] for r in hz_receiver.received] == ["共享.txt"]
    assert gz_receiver.received == [], "GZ takes no part in the case"
    assert internal.sha256.encode() not in b"".join(r["body"] for r in hz_receiver.received)


def test_a_rolled_back_step_sends_nothing(
    submitted_request, hz_leader, hz_admin, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        webhook_subscription_create(actor=hz_admin, url=receiver.url, events=["request.sent"])
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
            request_services.request_approve(request=submitted_request, actor=hz_leader)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_a_redirect_is_not_followed_and_a_4xx_is_not_retried(
    submitted_request, sz_leader, hz_admin, django_capture_on_commit_callbacks
):
    with Receiver(statuses=[302]) as receiver:
        webhook_subscription_create(actor=hz_admin, url=receiver.url, events=["request.sent"])
        with django_capture_on_commit_callbacks(execute=True):
            request_services.request_approve(request=submitted_request, actor=sz_leader)
    assert len(receiver.received) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED and delivery.response_status == 302


def test_an_unreachable_receiver_is_retried_then_failed_and_can_be_replayed(
    submitted_request, sz_leader, hz_admin, django_capture_on_commit_callbacks, login_as
):
    with Receiver() as receiver:
        dead_url = receiver.url
    subscription, _secret = webhook_subscription_create(actor=hz_admin, url=dead_url, events=["request.sent"])
    with django_capture_on_commit_callbacks(execute=True):
        request_services.request_approve(request=submitted_request, actor=sz_leader)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == 9 and "ConnectionError" in delivery.last_error  # the first try and 8 retries

    with Receiver() as receiver:
        subscription.url = receiver.url
        subscription.save(update_fields=["url"])
        client = login_as(hz_admin)
        page = client.get(reverse("interop:webhook_detail", args=[subscription.pk]))
        assert page.status_code == 200 and "ConnectionError" in page.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("interop:webhook_replay", args=[subscription.pk, delivery.pk]))
        assert response.status_code == 302
    replay = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert replay.status == WebhookDelivery.Status.SUCCEEDED and replay.replay_of == delivery
    assert json.loads(receiver.received[0]["body"])["id"] == str(delivery.event_id)  # the same event


def test_deadline_events_come_from_the_sweep(sent_request, hz_admin, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from collaboration.models import AssistanceRequest
    from collaboration.tasks import sweep_deadlines

    AssistanceRequest.objects.filter(pk=sent_request.pk).update(
        due_date=timezone.localdate() - timezone.timedelta(days=3)
    )
    with Receiver() as receiver:
        webhook_subscription_create(
            actor=hz_admin, url=receiver.url, events=["deadline.overdue", "deadline.near"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            sweep_deadlines()
    events = [json.loads(r["body"]) for r in receiver.received]
    assert [(e["event"], e["data"]["request"]["id"]) for e in events] == [
        ("deadline.overdue", sent_request.pk)
    ]


def test_only_http_addresses_and_listed_events_and_only_administrators(hz_admin, hz_leader):
    with pytest.raises(ValidationError):
        webhook_subscription_create(actor=hz_admin, url="file:///etc/passwd", events=["request.sent"])
    with pytest.raises(ValidationError):
        webhook_subscription_create(actor=hz_admin, url="ftp://example.gov.cn/x", events=["request.sent"])
    from portal.exceptions import WorkflowError

    with pytest.raises(WorkflowError):
        webhook_subscription_create(actor=hz_admin, url="https://example.gov.cn/x", events=["everything"])
    with pytest.raises(PermissionDenied):
        webhook_subscription_create(actor=hz_leader, url="https://example.gov.cn/x", events=["request.sent"])


def test_the_secret_is_shown_once_on_the_page_and_other_bureaus_replays_are_refused(
    hz_admin, sz_admin, login_as
):
    client = login_as(hz_admin)
    response = client.post(
        reverse("interop:webhooks"), {"url": "https://hooks.example.gov.cn/in", "events": ["request.sent"]}
    )
    subscription = hz_admin and WebhookDelivery.subscription.field.related_model.objects.get()
    assert subscription.secret in response.content.decode()
    assert subscription.secret not in client.get(reverse("interop:webhooks")).content.decode()
    delivery = subscription.deliveries.create(event="request.sent", payload={}, status="failed")
    with pytest.raises(PermissionDenied):
        webhook_delivery_replay(actor=sz_admin, delivery=delivery)
    other = login_as(sz_admin)
    assert other.get(reverse("interop:webhook_detail", args=[subscription.pk])).status_code == 404
