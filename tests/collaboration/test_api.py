"""An assistance request walks its whole workflow through the API, with the same rules as the pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.services import personal_token_create

pytestmark = pytest.mark.django_db


def api_for(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {personal_token_create(actor=user, name='t', scope='write')[1]}"
    )


def post(api, name, pk, body=None, **extra):
    return api.post(
        reverse(f"api:request-{name}", args=[pk]), body or {}, content_type="application/json", **extra
    )


def test_a_request_from_draft_to_completed(
    joint_case, sz_officer, sz_leader, hz_leader, hz_officer, media_storage
):
    drafter, approver, receiver, assignee = (
        api_for(u) for u in (sz_officer, sz_leader, hz_leader, hz_officer)
    )
    created = drafter.post(
        reverse("api:case-requests", args=[joint_case.pk]),
        {
            "requested_bureau": "HZ-AMR",
            "request_type": "evidence_collection",
            "title": "调取登记档案",
            "items": "…",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert created.json()["time_limit_days"] == 15
    attached = drafter.post(
        reverse("api:request-attach", args=[pk]), {"file": SimpleUploadedFile("协查函.txt", b"letter")}
    )
    assert attached.status_code == 201
    assert receiver.get(reverse("api:request-detail", args=[pk])).status_code == 404, (
        "a draft stays on its side"
    )

    assert post(drafter, "submit", pk).json()["status"] == "awaiting_approval"
    returned = post(approver, "return", pk, {"reason": "请补充发货记录"})
    assert returned.json()["status"] == "draft" and returned.json()["return_comment"] == "请补充发货记录"
    patched = drafter.patch(
        reverse("api:request-detail", args=[pk]), {"items": "…及发货记录"}, content_type="application/json"
    )
    assert patched.json()["items"] == "…及发货记录"
    post(drafter, "submit", pk)
    sent = post(approver, "approve", pk, {"time_limit_days": 10})
    assert (
        sent.json()["status"] == "sent" and sent.json()["due_date"] and sent.json()["time_limit_days"] == 10
    )

    incoming = receiver.get(reverse("api:request-list") + "?direction=incoming&status=sent").json()["results"]
    assert [row["id"] for row in incoming] == [pk]
    assert [
        d["original_name"] for d in receiver.get(reverse("api:request-detail", args=[pk])).json()["documents"]
    ] == ["协查函.txt"]
    wrong = post(receiver, "accept", pk, {"assignee": sz_officer.pk})
    assert wrong.status_code == 409, "an officer of another team"
    assert post(receiver, "accept", pk, {"assignee": 987654}).status_code == 400
    assert post(receiver, "accept", pk, {"assignee": hz_officer.pk}).json()["assignee"]["id"] == hz_officer.pk
    assert post(assignee, "start", pk).json()["status"] == "in_progress"
    answered = assignee.post(
        reverse("api:request-answer", args=[pk]),
        {"body": "已调取，见附件。", "files": [SimpleUploadedFile("档案.txt", b"archive")]},
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    assert answered.json()["responses"][0]["documents"][0]["original_name"] == "档案.txt"
    assert post(assignee, "complete", pk).status_code == 403
    assert post(drafter, "complete", pk).json()["status"] == "completed"


def test_a_decline_needs_a_reason_and_only_the_receiving_leader(sent_request, hz_leader, sz_leader):
    assert post(api_for(hz_leader), "decline", sent_request.pk, {}).status_code == 400
    assert post(api_for(sz_leader), "decline", sent_request.pk, {"reason": "x"}).status_code == 403
    declined = post(api_for(hz_leader), "decline", sent_request.pk, {"reason": "不属于本局管辖"})
    assert declined.json()["status"] == "declined" and declined.json()["decline_reason"] == "不属于本局管辖"
