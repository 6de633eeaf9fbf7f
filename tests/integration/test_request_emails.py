"""Notification emails of the request workflow go through Redis, a real Celery worker and SMTP.

The test process runs the services and only queues tasks (after commit); a separate worker process
on the production settings sends the mails to an SMTP server started here, and marks the rows sent.
"""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from cases import services as case_services
from cases.models import Category
from collaboration import services as request_services
from collaboration.models import AssistanceRequest
from portal import services as portal_services
from portal.models import Bureau, Notification, User

from .conftest import WORKER_BASE_URL, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class RolledBack(Exception):
    pass


@pytest.fixture
def cast(transactional_db):
    sz = Bureau.objects.create(
        code="SZ-AMR",
        name_zh="深圳市市场监督管理局",
        short_name="深圳",
        case_number_prefix="深市监协",
    )
    hz = Bureau.objects.create(
        code="HZ-AMR",
        name_zh="杭州市市场监督管理局",
        short_name="杭州",
        case_number_prefix="杭市监协",
    )
    sz_team = portal_services.team_create(bureau=sz, name_zh="稽查一队")
    hz_team = portal_services.team_create(bureau=hz, name_zh="综合行政执法队")

    def person(username, team, role, display_name):
        user = User.objects.create_user(
            username, f"{username}@example.gov.cn", "unused-password", display_name=display_name
        )
        return portal_services.user_set_position(user=user, team=team, role=role)

    people = {
        "sz_officer": person("sz_officer", sz_team, User.Role.OFFICER, "深圳办案员"),
        "sz_leader": person("sz_leader", sz_team, User.Role.LEADER, "深圳队长"),
        "hz_officer": person("hz_officer", hz_team, User.Role.OFFICER, "杭州办案员"),
        "hz_leader": person("hz_leader", hz_team, User.Role.LEADER, "杭州队长"),
    }
    category = Category.objects.create(code="live-commerce", name_zh="直播电商", name_en="Live commerce")
    case = case_services.case_create(
        actor=people["sz_officer"],
        title="直播间虚假宣传",
        summary="主播在直播中宣称产品具有治疗功效。",
        category=category,
        partner_teams=[hz_team],
    )
    case = case_services.case_open(case=case, actor=people["sz_officer"])
    request = request_services.request_create(
        case=case,
        actor=people["sz_officer"],
        request_type="evidence_collection",
        title="调取企业登记档案",
        items="请提供该公司的登记档案。",
        requested_bureau=hz,
    )
    return {**people, "case": case, "request": request}


def emails_to(received, user) -> list:
    return [item for item in received if item.rcpt_tos == [user.email]]


def test_workflow_emails_are_sent_by_the_worker_over_smtp(cast, celery_worker, smtp_server):
    sz_officer, sz_leader = cast["sz_officer"], cast["sz_leader"]
    hz_officer, hz_leader = cast["hz_officer"], cast["hz_leader"]
    request = cast["request"]

    request_services.request_submit(request=request, actor=sz_officer)
    request_services.request_approve(request=request, actor=sz_leader)
    request_services.request_accept(request=request, actor=hz_leader, assignee=hz_officer)
    request_services.request_start(request=request, actor=hz_officer)
    request_services.request_answer(
        request=request,
        actor=hz_officer,
        body="登记档案已调取，见附件。",
        files=[SimpleUploadedFile("登记档案.pdf", b"%PDF-1.4 archive")],
    )
    request.refresh_from_db()
    assert request.status == AssistanceRequest.Status.ANSWERED

    handler = smtp_server.handler
    expected = {
        "request_awaiting_approval": sz_leader,
        "request_received": hz_leader,
        "request_approved": sz_officer,
        "request_assigned": hz_officer,
        "request_answered": sz_officer,
    }
    received = wait_for(
        lambda: (
            celery_worker.assert_alive() or len(handler.messages()) >= len(expected) and handler.messages()
        ),
        describe=lambda: (
            f"{len(handler.messages())} of {len(expected)} mails arrived.\n{celery_worker.log()[-5000:]}"
        ),
    )
    assert len(received) == len(expected)
    assert not mail.outbox, "the test process must queue the mails, not send them itself"

    by_kind = {item.message["X-Portal-Kind"]: item for item in received}
    assert {kind: item.rcpt_tos for kind, item in by_kind.items()} == {
        kind: [user.email] for kind, user in expected.items()
    }
    assert len(emails_to(received, sz_officer)) == 2
    link = f"{WORKER_BASE_URL}/requests/{request.pk}/"
    for kind, item in by_kind.items():
        assert cast["case"].number in item.subject, kind
        assert "\n" not in item.subject
        assert item.message.get_content_type() == "multipart/alternative"
        text, html = item.part("plain"), item.part("html")
        assert link in text, kind
        assert f'href="{link}"' in html, kind
        assert request.title in text and request.title in html, kind
        assert str(expected[kind]) in text, "greets the recipient by name"

    def all_sent():
        statuses = list(Notification.objects.values_list("kind", "email_status", "email_attempts"))
        return statuses if all(status == "sent" for _, status, _ in statuses) else None

    statuses = wait_for(
        all_sent, describe=lambda: f"{list(Notification.objects.values_list('kind', 'email_status'))}"
    )
    assert sorted(kind for kind, _, _ in statuses) == sorted(expected)
    assert all(attempts == 1 for _, _, attempts in statuses)
    assert not Notification.objects.filter(email_sent_at__isnull=True).exists()


def test_rolled_back_step_queues_no_email(cast, celery_worker, smtp_server):
    """A step whose transaction rolls back leaves no notification and no mail behind.

    Instead of sleeping, a committed step follows the rolled-back one; the worker takes messages in
    order, one at a time, so once the second step's mail is in, a mail of the first would be too.
    """
    sz_officer, sz_leader = cast["sz_officer"], cast["sz_leader"]
    request = cast["request"]

    with pytest.raises(RolledBack), transaction.atomic():
        request_services.request_submit(request=request, actor=sz_officer)
        assert Notification.objects.filter(recipient=sz_leader).count() == 1
        raise RolledBack

    request.refresh_from_db()
    assert request.status == AssistanceRequest.Status.DRAFT
    assert not Notification.objects.exists()

    request_services.request_submit(request=request, actor=sz_officer)
    handler = smtp_server.handler
    received = wait_for(
        lambda: celery_worker.assert_alive() or handler.messages(),
        describe=lambda: f"no mail arrived.\n{celery_worker.log()[-5000:]}",
    )
    wait_for(lambda: Notification.objects.filter(email_status="sent").exists())
    assert len(handler.messages()) == 1
    assert received[0].rcpt_tos == [sz_leader.email]
    assert Notification.objects.count() == 1
