"""Idempotency-Key: a retried POST returns the first result and does nothing twice."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import JointCase, Party
from collaboration.models import AssistanceRequest
from portal.models import IdempotencyKey
from portal.services import personal_token_create

pytestmark = pytest.mark.django_db


def api_for(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {personal_token_create(actor=user, name='t', scope='write')[1]}"
    )


def case_body(category, hz_team) -> dict:
    return {"title": "同一个案件", "summary": "…", "category": category.code, "partner_teams": [hz_team.pk]}


def test_the_same_key_twice_creates_one_case_and_answers_the_same(sz_officer, category, hz_team):
    api = api_for(sz_officer)
    body, url = case_body(category, hz_team), reverse("api:case-list")
    first = api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert JointCase.objects.filter(title="同一个案件").count() == 1
    third = api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert third.status_code == 201 and JointCase.objects.filter(title="同一个案件").count() == 2


def test_the_same_key_with_another_body_is_refused(sz_officer, category, hz_team):
    api = api_for(sz_officer)
    url = reverse("api:case-list")
    api.post(url, case_body(category, hz_team), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    other = {**case_body(category, hz_team), "title": "另一个"}
    response = api.post(url, other, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422 and not JointCase.objects.filter(title="另一个").exists()


def test_keys_belong_to_their_user(sz_officer, sz_leader, category, hz_team):
    url, body = reverse("api:case-list"), case_body(category, hz_team)
    api_for(sz_officer).post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="shared")
    response = api_for(sz_leader).post(
        url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert response.status_code == 201 and JointCase.objects.filter(title="同一个案件").count() == 2


def test_a_transition_retried_is_not_run_twice_and_a_refusal_is_replayed(submitted_request, sz_leader):
    api = api_for(sz_leader)
    url = reverse("api:request-approve", args=[submitted_request.pk])
    first = api.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="approve-1")
    again = api.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="approve-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    without_key = api.post(url, {}, content_type="application/json")
    assert without_key.status_code == 409  # already sent: a new attempt is refused by the workflow
    refused = api.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="approve-2")
    replayed = api.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="approve-2")
    assert refused.status_code == replayed.status_code == 409 and refused.json() == replayed.json()
    assert AssistanceRequest.objects.get(pk=submitted_request.pk).status == "sent"


def test_a_key_still_in_progress_answers_409(sz_officer, joint_case):
    api = api_for(sz_officer)
    url = reverse("api:party-list", args=[joint_case.pk])
    body = {"kind": "company", "name": "某公司"}
    IdempotencyKey.objects.create(user=sz_officer, key="busy", fingerprint="x")  # another call holds it
    response = api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="busy")
    assert response.status_code == 409 and not Party.objects.filter(name="某公司").exists()


def test_multipart_uploads_are_idempotent_too(sz_officer, joint_case, media_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = api_for(sz_officer)
    url = reverse("api:document-list", args=[joint_case.pk])
    responses = [
        api.post(url, {"file": SimpleUploadedFile("证据.txt", b"same bytes")}, HTTP_IDEMPOTENCY_KEY="up-1")
        for _ in range(2)
    ]
    assert [r.status_code for r in responses] == [201, 201] and responses[0].json() == responses[1].json()
    assert joint_case.documents.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_calls_with_one_key_do_the_work_once(
    require_postgres, run_concurrently, sz_officer, category, hz_team
):
    token = personal_token_create(actor=sz_officer, name="t", scope="write")[1]
    body = case_body(category, hz_team)

    def call():
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client.post(
            reverse("api:case-list"), body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="race"
        ).status_code

    outcomes = run_concurrently(call, call, call)
    statuses = sorted(value for kind, value in outcomes if kind == "ok")
    assert len(statuses) == 3 and statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    assert JointCase.objects.filter(title="同一个案件").count() == 1
