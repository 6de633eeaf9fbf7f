"""The cases API answers like the pages: the same services and policy, the same seal, the same boundary,
and a fixed number of queries per list page."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services as case_services
from cases.models import JointCase, Party
from portal.services import personal_token_create
from tests.factories import bulk_cases

pytestmark = pytest.mark.django_db


def api_for(user, scope="write") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {personal_token_create(actor=user, name='t', scope=scope)[1]}")


def queries_for(api, url) -> tuple[int, list[str], dict]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(captured), [q["sql"] for q in captured.captured_queries], response.json()


@pytest.mark.parametrize(
    "listing", ["case-list", "request-list", "case-timeline", "party-list", "document-list"]
)
def test_list_pages_cost_the_same_for_5_and_50_rows(
    listing, sz_officer, hz_team, hz_officer, category, media_storage
):
    from collaboration.models import AssistanceRequest
    from tests.factories import bulk_requests

    api = api_for(sz_officer)
    anchor = case_services.case_create(
        actor=sz_officer, title="锚定案件", summary="…", category=category, partner_teams=[hz_team]
    )

    def grow(count):
        cases = bulk_cases(count, creator=sz_officer, partner_team=hz_team, category=category)
        bulk_requests(cases, status=AssistanceRequest.Status.SENT, created_by=sz_officer,
                      from_team=sz_officer.team, to_team=hz_team)  # fmt: skip
        for index in range(count):
            case_services.party_add(
                case=anchor, actor=sz_officer, kind=Party.Kind.COMPANY, name=f"公司{index}"
            )
            case_services.document_upload(
                case=anchor,
                actor=sz_officer,
                uploaded_file=SimpleUploadedFile(f"f{index}.txt", f"{index}".encode()),
            )

    args = [] if listing in ("case-list", "request-list") else [anchor.pk]
    url = reverse(f"api:{listing}", args=args) + "?page_size=100"
    api.get(url)  # the token's first use of the minute records it; measure the calls after it
    grow(5)
    few, _sql, few_rows = queries_for(api, url)
    grow(45)
    many, sql, many_rows = queries_for(api, url)
    assert len(many_rows["results"]) > len(few_rows["results"]) >= 5
    assert many == few, "\n".join(sql)


def test_a_case_walks_its_workflow_through_the_api(sz_officer, sz_leader, hz_team, category):
    officer, leader = api_for(sz_officer), api_for(sz_leader)
    created = officer.post(
        reverse("api:case-list"),
        {"title": "直播间虚假宣传", "summary": "…", "category": category.code, "partner_teams": [hz_team.pk]},
        content_type="application/json",
    )
    assert created.status_code == 201
    case = created.json()
    assert case["status"] == "draft" and [p["bureau"]["code"] for p in case["participants"]] == [
        "SZ-AMR",
        "HZ-AMR",
    ]
    pk = case["id"]
    opened = officer.post(reverse("api:case-open", args=[pk])).json()
    assert opened["status"] == "open" and opened["number"].startswith("深市监协〔")
    patched = officer.patch(
        reverse("api:case-detail", args=[pk]), {"title": "新标题"}, content_type="application/json"
    )
    assert patched.json()["title"] == "新标题"
    assert officer.post(reverse("api:case-investigate", args=[pk])).json()["status"] == "investigating"
    assert officer.post(reverse("api:case-request-closure", args=[pk])).json()["status"] == "closure_pending"
    refused = leader.post(reverse("api:case-refuse-closure", args=[pk]), {}, content_type="application/json")
    assert refused.status_code == 400 and "comment" in refused.json()
    assert leader.post(reverse("api:case-approve-closure", args=[pk])).json()["status"] == "closed"
    timeline = officer.get(reverse("api:case-timeline", args=[pk])).json()["results"]
    assert [entry["kind"] for entry in timeline][-1] == "case_closed"
    assert all(entry["message"] for entry in timeline)


def test_refusals_have_the_services_statuses_and_messages(joint_case, sz_officer, hz_leader, hz_officer2):
    officer = api_for(sz_officer)
    again = officer.post(reverse("api:case-open", args=[joint_case.pk]))
    assert again.status_code == 409 and "Open" in again.json()["detail"]  # in the user's language (en)
    chinese = officer.post(reverse("api:case-open", args=[joint_case.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已立案" in chinese.json()["detail"]  # or in the language the call asks for
    assert api_for(hz_leader).post(reverse("api:case-investigate", args=[joint_case.pk])).status_code == 403
    assert api_for(hz_officer2).post(reverse("api:case-investigate", args=[joint_case.pk])).status_code == 404
    bad_code = officer.post(
        reverse("api:party-list", args=[joint_case.pk]),
        {"kind": "company", "name": "某公司", "uscc": "91330100MA2XXXXXX0"},
        content_type="application/json",
    )
    assert bad_code.status_code == 400 and "uscc" in bad_code.json()
    assert not Party.objects.filter(name="某公司").exists()
    assert officer.get(reverse("api:case-detail", args=[999999])).status_code == 404


def test_an_upload_through_the_api_is_sealed_like_in_the_browser(
    joint_case, sz_officer, hz_leader, media_storage
):
    content = "协查函正文".encode() * 1000
    response = api_for(sz_officer).post(
        reverse("api:document-list", args=[joint_case.pk]),
        {"file": SimpleUploadedFile("协查函.txt", content), "title": "协查函"},
    )
    assert response.status_code == 201
    sealed = response.json()
    assert sealed["sha256"] == hashlib.sha256(content).hexdigest() and sealed["size"] == len(content)
    assert sealed["uploaded_by"] == "sz_officer" and sealed["internal"] is False
    download = api_for(hz_leader).get(sealed["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-SHA256"] == sealed["sha256"]


def test_internal_items_never_reach_the_partner_through_the_api(
    joint_case, sz_officer, hz_leader, media_storage
):
    internal = case_services.document_upload(
        case=joint_case,
        actor=sz_officer,
        uploaded_file=SimpleUploadedFile("内部.txt", b"sz only"),
        internal=True,
    )
    partner = api_for(hz_leader)
    documents = partner.get(reverse("api:document-list", args=[joint_case.pk])).json()["results"]
    assert internal.pk not in {d["id"] for d in documents}
    assert partner.get(reverse("api:document-detail", args=[joint_case.pk, internal.pk])).status_code == 404
    assert partner.get(reverse("api:document-download", args=[joint_case.pk, internal.pk])).status_code == 404
    timeline = partner.get(reverse("api:case-timeline", args=[joint_case.pk])).content.decode()
    assert internal.sha256[:12] not in timeline and "内部.txt" not in timeline
    export = partner.get(reverse("api:case-export", args=[joint_case.pk])).content.decode()
    assert internal.sha256 not in export
    own = api_for(sz_officer).get(reverse("api:document-list", args=[joint_case.pk])).json()["results"]
    assert internal.pk in {d["id"] for d in own}


def test_lists_are_filtered_like_the_pages(sz_officer, make_case):
    first = make_case(title="直播带货虚假宣传")
    make_case(title="网络广告", opened=False)
    api = api_for(sz_officer)
    found = api.get(reverse("api:case-list") + "?q=带货").json()
    assert [row["id"] for row in found["results"]] == [first.pk]
    drafts = api.get(reverse("api:case-list") + "?status=draft").json()
    assert {row["status"] for row in drafts["results"]} == {"draft"}
    assert api.get(reverse("api:case-list") + "?status=nonsense").status_code == 400
    assert JointCase.objects.count() == 2
