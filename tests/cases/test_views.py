"""cases/views.py: bad input, refused steps, uploads and downloads through the pages; list query counts."""

import hashlib

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from cases.models import Document, JointCase, Party
from tests.factories import bulk_cases, bulk_requests
from tests.helpers import nothing_changes, timeline_kinds

pytestmark = pytest.mark.django_db

VALID_USCC = "914403001922038216"  # a real company's code: its check character is 6


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def error_messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


# --- parties: the USCC check ----------------------------------------------------------------------


def post_party(client, case, **fields):
    data = {"kind": "company", "name": "某科技有限公司"} | fields
    return client.post(reverse("cases:party_add", args=[case.pk]), data)


@pytest.mark.parametrize(
    "uscc, shown",
    [
        (
            "914403001922038217",
            "The check character is wrong: the code ends in “7” but its first 17 characters require “6”",
        ),
        ("91440300192203821", "A unified social credit code has 18 characters; this one has 17."),
        ("9144030019220382166", "A unified social credit code has 18 characters; this one has 19."),
        ("9144030019220O8216", "The character “O” cannot appear in a unified social credit code"),
        ("91440300192203821I", "The character “I” cannot appear in a unified social credit code"),
    ],
    ids=["wrong-check-character", "too-short", "too-long", "letter-O", "letter-I"],
)
def test_a_wrong_uscc_is_explained_and_no_party_is_created(joint_case, sz_officer_client, uscc, shown):
    response = post_party(sz_officer_client, joint_case, uscc=uscc)

    assert response.status_code == 200
    assert shown in response.content.decode()
    assert Party.objects.count() == 0


def test_a_company_without_a_uscc_is_refused(joint_case, sz_officer_client):
    response = post_party(sz_officer_client, joint_case, uscc="")
    assert "A company needs its unified social credit code." in response.content.decode()
    assert Party.objects.count() == 0


def test_a_uscc_typed_with_spaces_lower_case_or_full_width_is_stored_normalised(
    joint_case, sz_officer_client
):
    response = post_party(sz_officer_client, joint_case, uscc=" 9144 0300 1922 0382 １６ ")
    assert response.status_code == 302
    assert Party.objects.get().uscc == VALID_USCC


# --- case create: missing fields ------------------------------------------------------------------


def test_a_case_without_its_required_fields_shows_form_errors_and_creates_nothing(sz_officer_client):
    blank = {"title": "", "summary": "", "category": ""}  # what a browser sends for an empty form
    with nothing_changes():
        response = sz_officer_client.post(reverse("cases:create"), blank)

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "summary", "category", "partner_teams"}
    assert "This field is required." in response.content.decode()


def test_a_case_with_its_own_bureau_as_partner_is_refused_by_the_form(cast, category, sz_officer_client):
    data = {"title": "t", "summary": "s", "category": category.pk, "partner_teams": [cast.sz_team2.pk]}
    with nothing_changes():
        response = sz_officer_client.post(reverse("cases:create"), data)
    assert "partner_teams" in response.context["form"].errors


def test_a_complete_case_form_creates_a_draft_and_shows_it(cast, category, sz_officer_client):
    data = {
        "title": "直播带货",
        "summary": "摘要",
        "category": category.pk,
        "partner_teams": [cast.hz_team.pk],
    }
    response = sz_officer_client.post(reverse("cases:create"), data)
    case = JointCase.objects.get()
    assert response.status_code == 302 and response.url == reverse("cases:detail", args=[case.pk])
    assert case.status == JointCase.Status.DRAFT


# --- steps that are not allowed now ---------------------------------------------------------------


def test_opening_twice_through_the_page_redirects_with_an_error_and_changes_nothing(
    joint_case, sz_officer_client
):
    with nothing_changes(joint_case):
        response = sz_officer_client.post(reverse("cases:step", args=[joint_case.pk, "open"]))

    assert response.status_code == 302 and response.url == reverse("cases:detail", args=[joint_case.pk])
    assert error_messages_of(response) == [
        "This cannot be done while the case is “Open”. Someone may have acted on it a moment ago; reload the page."
    ]


def test_leader_cannot_approve_closure_twice_through_the_page(joint_case, sz_officer, sz_leader_client):
    services.case_request_closure(case=joint_case, actor=sz_officer)
    url = reverse("cases:step", args=[joint_case.pk, "approve_closure"])
    first = sz_leader_client.post(url)
    assert messages_of(first) == ["The case is closed."]
    joint_case.refresh_from_db()

    with nothing_changes(joint_case):
        second = sz_leader_client.post(url)

    assert second.status_code == 302
    assert "while the case is “Closed”" in error_messages_of(second)[0]
    assert timeline_kinds(joint_case).count("case_closed") == 1


def test_refusing_a_closure_without_a_reason_through_the_page_changes_nothing(
    joint_case, sz_officer, sz_leader_client
):
    case = services.case_request_closure(case=joint_case, actor=sz_officer)
    with nothing_changes(case):
        response = sz_leader_client.post(
            reverse("cases:step", args=[case.pk, "refuse_closure"]), {"comment": ""}
        )
    assert error_messages_of(response) == ["Please give a reason for refusing the closure."]


def test_an_unknown_step_is_404(joint_case, sz_officer_client):
    assert sz_officer_client.post(reverse("cases:step", args=[joint_case.pk, "archive"])).status_code == 404


# --- uploads and downloads ------------------------------------------------------------------------


def post_files(client, case, *files, title=""):
    return client.post(
        reverse("cases:document_upload", args=[case.pk]), {"files": list(files), "title": title}
    )


def test_an_upload_over_the_limit_is_refused_with_a_message_and_nothing_is_stored(
    joint_case, sz_officer_client, settings, media_storage
):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    with nothing_changes(joint_case):
        response = post_files(sz_officer_client, joint_case, SimpleUploadedFile("录屏.mp4", b"x" * 2000))

    assert response.status_code == 302
    assert len(error_messages_of(response)) == 1
    assert error_messages_of(response)[0].startswith("The file is too large")
    assert Document.objects.count() == 0
    assert not media_storage.exists() or not [p for p in media_storage.rglob("*") if p.is_file()]


def test_an_upload_is_sealed_with_the_hash_of_the_bytes_received(
    joint_case, sz_officer_client, media_storage
):
    content = "聊天记录导出".encode() * 100
    response = post_files(
        sz_officer_client, joint_case, SimpleUploadedFile("聊天记录.txt", content), title="聊天记录"
    )

    document = Document.objects.get()
    assert messages_of(response) == ["Uploaded and sealed: 聊天记录.txt"]
    assert (document.sha256, document.size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert (media_storage / document.file.name).read_bytes() == content


def test_a_post_without_files_says_so(joint_case, sz_officer_client):
    with nothing_changes(joint_case):
        response = post_files(sz_officer_client, joint_case)
    assert error_messages_of(response) == ["Choose at least one file to upload."]


@pytest.fixture
def document(joint_case, sz_officer, media_storage):
    return services.document_upload(
        case=joint_case,
        actor=sz_officer,
        uploaded_file=SimpleUploadedFile("page.html", b"<script>alert(1)</script>"),
    )


def test_a_document_is_always_downloaded_as_an_attachment_in_a_sandbox(document, hz_leader_client):
    response = hz_leader_client.get(reverse("cases:document_download", args=[document.case_id, document.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_a_document_cannot_be_reached_through_another_visible_case(document, make_case, cast, login_as):
    # gz_officer leads a case of their own, so they can see *a* case: the document's id must not
    # be reachable under that case's URL.
    own_case = make_case(actor=cast.gz_officer, partners=[cast.hz_team])
    response = login_as(cast.gz_officer).get(
        reverse("cases:document_download", args=[own_case.pk, document.pk])
    )
    assert response.status_code == 404


# --- query counts ---------------------------------------------------------------------------------

# Session, user, the navigation (viewer's bureau, unread count), the category filter (count and
# choices), the page (count and rows). A leader also pays for the two-factor device and the queue counts
# (requests waiting, closures waiting).
CASE_LIST_QUERIES = 8


@pytest.mark.parametrize(
    "viewer, queries",
    [
        ("sz_officer", CASE_LIST_QUERIES),
        ("sz_auditor", CASE_LIST_QUERIES),
        ("sz_leader", CASE_LIST_QUERIES + 3),
        ("hz_leader", CASE_LIST_QUERIES + 3),
    ],
)
def test_the_case_list_costs_the_same_queries_for_5_and_200_cases(
    cast, category, login_as, django_assert_num_queries, viewer, queries
):
    client = login_as(getattr(cast, viewer))
    url = reverse("cases:list")
    more = dict(creator=cast.sz_officer, partner_team=cast.hz_team, category=category)
    bulk_cases(5, **more)
    client.get(url)  # warm the per-process caches (content types, permissions)

    with django_assert_num_queries(queries):
        few = client.get(url)
    bulk_cases(195, **more)
    with django_assert_num_queries(queries):
        many = client.get(url)

    assert len(few.context["page"].object_list) == 5
    assert (len(many.context["page"].object_list), many.context["page"].paginator.count) == (25, 200)


def add_to_case(case, actor, count: int, tag: str):
    """`count` more parties, documents, notes and requests on the case (each with its timeline line)."""
    for i in range(count):
        services.party_add(case=case, actor=actor, kind="individual", name=f"{tag} 当事人 {i}")
        services.document_upload(
            case=case, actor=actor, uploaded_file=SimpleUploadedFile(f"{tag}-{i}.txt", f"{tag}-{i}".encode())
        )
        services.note_add(case=case, actor=actor, body=f"{tag} 备注 {i}")
    participants = {p.bureau.code: p.team for p in case.participants.select_related("bureau", "team")}
    bulk_requests(
        [case] * count,
        status="sent",
        created_by=actor,
        from_team=participants["SZ-AMR"],
        to_team=participants["HZ-AMR"],
    )


# Session, user, the case, two membership checks (may work, may manage), the audit record of the view,
# the navigation (bureau, unread count), and one query per section of the page: parties, requests,
# documents, participants, members, notes, timeline, and the colleagues who could join (exists + list).
CASE_DETAIL_QUERIES = 17


def test_the_case_page_costs_the_same_queries_for_1_and_20_of_everything(
    joint_case, sz_officer, sz_officer_client, media_storage, django_assert_num_queries
):
    url = reverse("cases:detail", args=[joint_case.pk])
    add_to_case(joint_case, sz_officer, 1, "first")
    sz_officer_client.get(url)  # warm the caches

    with django_assert_num_queries(CASE_DETAIL_QUERIES):
        few = sz_officer_client.get(url)
    add_to_case(joint_case, sz_officer, 19, "more")
    with django_assert_num_queries(CASE_DETAIL_QUERIES):
        many = sz_officer_client.get(url)

    assert few.content.decode().count("/download/") == 1
    assert many.content.decode().count("/download/") == 20
