"""The permission matrix over every URL of a case and its requests (DESIGN.md §4).

A case outside the policy answers 404 on every URL, whatever the method, and nothing changes; a visible
case with a forbidden action answers 403; an anonymous visitor is sent to the login page. That every URL
has an entry is enforced by the full matrix, tests/test_authorization_matrix.py.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases import services as case_services
from tests.helpers import nothing_changes

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str  # "get" or "post"
    args: str  # which objects make the URL: "case", "case party", "request", …
    extra: tuple = ()  # further URL arguments (a step's name)
    data: dict = field(default_factory=dict)

    def url(self, objects) -> str:
        ids = [getattr(objects, name).pk for name in self.args.split()]
        return reverse(self.name, args=[*ids, *self.extra])

    def call(self, client: Client, objects):
        data = {key: value(objects) if callable(value) else value for key, value in self.data.items()}
        return getattr(client, self.method)(self.url(objects), data)

    def __str__(self) -> str:
        return " ".join([self.method.upper(), self.name, *self.extra])


READS = [
    Endpoint("cases:detail", "get", "case"),
    Endpoint("cases:party_detail", "get", "case party"),
    Endpoint("cases:document_download", "get", "case document"),
    Endpoint("collaboration:request_detail", "get", "request"),
]
WRITES = [
    Endpoint("cases:edit", "get", "case"),
    Endpoint(
        "cases:edit",
        "post",
        "case",
        data={"title": "x", "summary": "x", "category": lambda o: o.case.category_id},
    ),
    *(
        Endpoint("cases:step", "post", "case", (step,))
        for step in ("open", "investigate", "request_closure", "approve_closure")
    ),
    Endpoint("cases:step", "post", "case", ("refuse_closure",), data={"comment": "x"}),
    Endpoint("cases:party_add", "get", "case"),
    Endpoint("cases:party_add", "post", "case", data={"kind": "individual", "name": "张三"}),
    Endpoint("cases:note_add", "post", "case", data={"body": "x"}),
    Endpoint("cases:member_add", "post", "case", data={"user": lambda o: o.colleague.pk}),
    Endpoint(
        "cases:document_upload", "post", "case", data={"files": lambda o: SimpleUploadedFile("a.txt", b"a")}
    ),
    Endpoint("collaboration:request_create", "get", "case"),
    Endpoint("collaboration:request_create", "post", "case", data={"title": "x"}),
    Endpoint("collaboration:request_edit", "get", "request"),
    Endpoint("collaboration:request_edit", "post", "request", data={"title": "x"}),
    *(
        Endpoint("collaboration:request_step", "post", "request", (step,))
        for step in ("submit", "approve", "start", "complete")
    ),
    Endpoint("collaboration:request_step", "post", "request", ("return",), data={"reason": "x"}),
    Endpoint("collaboration:request_step", "post", "request", ("decline",), data={"reason": "x"}),
    Endpoint(
        "collaboration:request_step",
        "post",
        "request",
        ("accept",),
        data={"assignee": lambda o: o.colleague_hz.pk},
    ),
    Endpoint("collaboration:request_step", "post", "request", ("answer",), data={"body": "x"}),
    Endpoint(
        "collaboration:request_step",
        "post",
        "request",
        ("extend",),
        data={"new_due_date": "2099-01-05", "reason": "x"},
    ),
    Endpoint("collaboration:request_step", "post", "request", ("extension_approve",)),
    Endpoint("collaboration:request_step", "post", "request", ("extension_refuse",), data={"reason": "x"}),
]
ENDPOINTS = READS + WRITES

# Everyone in the cast who cannot see the case: other staff of both bureaus included.
OUTSIDERS = ["sz_officer2", "sz_leader2", "hz_officer2", "gz_officer", "gz_leader", "gz_auditor", "outsider"]
AUDITORS = ["sz_auditor", "hz_auditor"]


@pytest.fixture
def objects(accepted_request, sz_officer, cast, media_storage):
    """A case with something behind every URL: a party, a document, a request assigned to hz_officer."""
    case = accepted_request.case
    return SimpleNamespace(
        case=case,
        request=accepted_request,
        party=case_services.party_add(case=case, actor=sz_officer, kind="individual", name="主播甲"),
        document=case_services.document_upload(
            case=case, actor=sz_officer, uploaded_file=SimpleUploadedFile("证据.txt", b"evidence")
        ),
        colleague=cast.sz_officer2,
        colleague_hz=cast.hz_officer2,
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_people_outside_the_case_get_404_everywhere(cast, objects, login_as, endpoint):
    clients = {who: login_as(getattr(cast, who)) for who in OUTSIDERS}
    with nothing_changes(objects.case, objects.request):
        statuses = {who: endpoint.call(client, objects).status_code for who, client in clients.items()}
    assert statuses == dict.fromkeys(OUTSIDERS, 404)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_anonymous_visitors_are_sent_to_the_login_page(objects, endpoint):
    with nothing_changes(objects.case, objects.request):
        response = endpoint.call(Client(), objects)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("endpoint", READS, ids=str)
@pytest.mark.parametrize("who", AUDITORS)
def test_auditors_of_both_bureaus_read_the_case(cast, objects, login_as, endpoint, who):
    assert endpoint.call(login_as(getattr(cast, who)), objects).status_code == 200


@pytest.mark.parametrize("endpoint", WRITES, ids=str)
@pytest.mark.parametrize("who", AUDITORS)
def test_auditors_change_nothing_and_get_403(cast, objects, login_as, endpoint, who):
    client = login_as(getattr(cast, who))
    with nothing_changes(objects.case, objects.request):
        response = endpoint.call(client, objects)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "who, endpoint",
    [
        ("hz_officer", Endpoint("collaboration:request_step", "post", "request", ("approve",))),
        ("hz_officer", Endpoint("cases:edit", "get", "case")),
        ("hz_leader", Endpoint("cases:step", "post", "case", ("approve_closure",))),
        ("hz_leader", Endpoint("cases:member_add", "post", "case", data={"user": lambda o: o.colleague.pk})),
        ("sz_officer", Endpoint("collaboration:request_step", "post", "request", ("start",))),
        (
            "sz_leader",
            Endpoint("collaboration:request_step", "post", "request", ("decline",), data={"reason": "x"}),
        ),
    ],
    ids=lambda value: str(value),
)
def test_a_forbidden_action_on_a_visible_case_is_403(cast, objects, login_as, who, endpoint):
    client = login_as(getattr(cast, who))
    with nothing_changes(objects.case, objects.request):
        response = endpoint.call(client, objects)
    assert response.status_code == 403
