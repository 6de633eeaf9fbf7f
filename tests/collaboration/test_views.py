"""collaboration/views.py: bad input and refused steps through the pages; queue and detail query counts."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from collaboration import services
from collaboration.models import AssistanceRequest, RequestType
from tests.factories import bulk_cases, bulk_requests
from tests.helpers import nothing_changes, timeline_kinds

pytestmark = pytest.mark.django_db

Status = AssistanceRequest.Status


def error_messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def step_url(request, step):
    return reverse("collaboration:request_step", args=[request.pk, step])


# --- drafting through the form --------------------------------------------------------------------


def request_data(**overrides):
    data = {
        "requested_bureau": "",
        "request_type": RequestType.EVIDENCE_COLLECTION,
        "title": "调取登记档案",
        "items": "请调取登记档案。",
        "time_limit_days": "15",
    }
    return data | overrides


def test_a_request_without_its_required_fields_shows_form_errors_and_creates_nothing(
    joint_case, sz_officer_client
):
    blank = {name: "" for name in request_data()}
    with nothing_changes(joint_case):
        response = sz_officer_client.post(
            reverse("collaboration:request_create", args=[joint_case.pk]), blank
        )

    assert response.status_code == 200
    # The time limit may stay empty: the request type's default is then taken.
    assert set(response.context["form"].errors) == {"requested_bureau", "request_type", "title", "items"}


@pytest.mark.parametrize("days", ["0", "91"])
def test_a_time_limit_outside_1_to_90_working_days_is_refused(joint_case, hz, sz_officer_client, days):
    data = request_data(requested_bureau=hz.pk, time_limit_days=days)
    with nothing_changes(joint_case):
        response = sz_officer_client.post(reverse("collaboration:request_create", args=[joint_case.pk]), data)
    assert "The time limit must be between 1 and 90 working days." in response.content.decode()


@pytest.mark.parametrize("bureau", ["sz", "gz"])
def test_a_request_cannot_be_addressed_to_own_or_a_non_participating_bureau(
    cast, joint_case, sz_officer_client, bureau
):
    data = request_data(requested_bureau=getattr(cast, bureau).pk)
    with nothing_changes(joint_case):
        response = sz_officer_client.post(reverse("collaboration:request_create", args=[joint_case.pk]), data)
    assert "requested_bureau" in response.context["form"].errors


def test_a_complete_form_saves_a_draft_with_its_attachments(joint_case, hz, sz_officer_client, media_storage):
    data = request_data(requested_bureau=hz.pk, attachments=[SimpleUploadedFile("协查函.pdf", b"%PDF-1.4")])
    response = sz_officer_client.post(reverse("collaboration:request_create", args=[joint_case.pk]), data)

    request = AssistanceRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "collaboration:request_detail", args=[request.pk]
    )
    assert (request.status, request.requested_bureau) == (Status.DRAFT, hz)
    assert list(request.documents.values_list("original_name", flat=True)) == ["协查函.pdf"]


def test_an_attachment_over_the_limit_saves_neither_the_request_nor_the_file(
    joint_case, hz, sz_officer_client, settings, media_storage
):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    data = request_data(requested_bureau=hz.pk, attachments=[SimpleUploadedFile("录屏.mp4", b"x" * 2000)])
    with nothing_changes(joint_case):
        response = sz_officer_client.post(reverse("collaboration:request_create", args=[joint_case.pk]), data)
    assert response.status_code == 200
    assert error_messages_of(response)[0].startswith("The file is too large")
    assert not media_storage.exists() or not [p for p in media_storage.rglob("*") if p.is_file()]


# --- steps that are not allowed now, or not to this person ----------------------------------------


def test_leader_cannot_approve_request_twice_through_the_page(sent_request, sz_leader_client):
    with nothing_changes(sent_request):
        response = sz_leader_client.post(step_url(sent_request, "approve"))

    assert response.status_code == 302
    assert response.url == reverse("collaboration:request_detail", args=[sent_request.pk])
    assert error_messages_of(response) == [
        "This step is not possible while the request is “Sent”. Someone may have acted on it a moment ago; reload the page."
    ]
    assert timeline_kinds(sent_request.case).count("request_approved") == 1


def test_approving_through_the_page_says_so_in_the_reader_language(submitted_request, sz_leader_client):
    response = sz_leader_client.post(step_url(submitted_request, "approve"))
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Approved and sent."]
    submitted_request.refresh_from_db()
    assert submitted_request.status == Status.SENT


def test_the_assigned_officer_cannot_approve_the_request_they_can_see(accepted_request, hz_officer_client):
    with nothing_changes(accepted_request):
        response = hz_officer_client.post(step_url(accepted_request, "approve"))
    assert response.status_code == 403


@pytest.mark.parametrize("step", ["return", "decline"])
def test_a_return_or_decline_without_a_reason_changes_nothing(request, step):
    assistance_request, client = {
        "return": ("submitted_request", "sz_leader_client"),
        "decline": ("sent_request", "hz_leader_client"),
    }[step]
    assistance_request = request.getfixturevalue(assistance_request)
    client = request.getfixturevalue(client)

    with nothing_changes(assistance_request):
        response = client.post(step_url(assistance_request, step), {"reason": ""})
    assert error_messages_of(response) == ["Please give a reason."]


def test_accepting_without_choosing_an_officer_changes_nothing(sent_request, hz_leader_client):
    with nothing_changes(sent_request):
        response = hz_leader_client.post(step_url(sent_request, "accept"), {"assignee": ""})
    assert error_messages_of(response) == ["Choose the officer who will handle the request."]


def test_an_officer_of_another_team_cannot_be_chosen_as_assignee(sent_request, sz_officer, hz_leader_client):
    with nothing_changes(sent_request):
        response = hz_leader_client.post(step_url(sent_request, "accept"), {"assignee": sz_officer.pk})
    assert error_messages_of(response) == ["Choose the officer who will handle the request."]


def test_an_empty_answer_through_the_page_changes_nothing(in_progress_request, hz_officer_client):
    with nothing_changes(in_progress_request):
        response = hz_officer_client.post(step_url(in_progress_request, "answer"), {"body": ""})
    assert error_messages_of(response) == ["The answer cannot be empty."]


def test_an_unknown_step_is_404(sent_request, sz_leader_client):
    assert sz_leader_client.post(step_url(sent_request, "withdraw-everything")).status_code == 404


def test_a_submitted_request_cannot_be_edited_through_the_page(submitted_request, sz_officer_client):
    url = reverse("collaboration:request_edit", args=[submitted_request.pk])
    with nothing_changes(submitted_request):
        response = sz_officer_client.post(url, request_data(title="改过的标题"))
    assert response.status_code == 403


# --- query counts ---------------------------------------------------------------------------------

# Session, user, the leader's two-factor device, the navigation (bureau, unread and queue counts), and
# per section of the queue (outgoing, incoming, assigned, case closures) a count and one page of 25 rows,
# and the working-day calendar of the rows' due dates (covered years, exceptional days) for "N working
# days left".
QUEUE_QUERIES = 16


@pytest.fixture
def fill_queue_of_sz_leader(cast, category):
    """Add `n` rows to each of sz_leader's three queue sections: to approve, to accept, assigned to them."""

    def fill(n):
        cases = bulk_cases(n, creator=cast.sz_officer, partner_team=cast.hz_team, category=category)
        bulk_requests(
            cases,
            status=Status.AWAITING_APPROVAL,
            created_by=cast.sz_officer,
            from_team=cast.sz_team,
            to_team=cast.hz_team,
        )
        bulk_requests(
            cases, status=Status.SENT, created_by=cast.hz_leader, from_team=cast.hz_team, to_team=cast.sz_team
        )
        bulk_requests(
            cases,
            status=Status.IN_PROGRESS,
            created_by=cast.hz_leader,
            from_team=cast.hz_team,
            to_team=cast.sz_team,
            assignee=cast.sz_leader,
        )

    return fill


def test_the_approval_queue_costs_the_same_queries_for_5_and_200_rows(
    fill_queue_of_sz_leader, sz_leader_client, django_assert_num_queries
):
    url = reverse("collaboration:queue")
    fill_queue_of_sz_leader(5)
    sz_leader_client.get(url)  # warm the per-process caches

    with django_assert_num_queries(QUEUE_QUERIES):
        few = sz_leader_client.get(url)
    fill_queue_of_sz_leader(195)
    with django_assert_num_queries(QUEUE_QUERIES):
        many = sz_leader_client.get(url)

    for section in ("outgoing", "incoming", "assigned"):
        assert len(few.context[section]) == 5, section
        assert len(many.context[section]) == 25, section  # one page of rows in the HTML
        assert many.context[section].paginator.count == 200, section


@pytest.fixture
def answered_with_documents(joint_case, cast, media_storage):
    """A request of the joint case taken through every step, answered with `n` documents."""

    def answered(n: int) -> AssistanceRequest:
        request = services.request_create(
            case=joint_case,
            actor=cast.sz_officer,
            request_type=RequestType.PLATFORM_DATA,
            title=f"调取数据 {n}",
            items="调取平台交易数据。",
            requested_bureau=cast.hz,
        )
        services.request_submit(request=request, actor=cast.sz_officer)
        services.request_approve(request=request, actor=cast.sz_leader)
        services.request_accept(request=request, actor=cast.hz_leader, assignee=cast.hz_officer)
        files = [SimpleUploadedFile(f"{n}-{i}.txt", f"{n}-{i}".encode()) for i in range(n)]
        services.request_answer(request=request, actor=cast.hz_officer, body="见附件。", files=files)
        return request

    return answered


# Session, user, the request with its case, the membership check, the navigation (bureau, unread count),
# both bureaus and the drafter and assignee of the request, its documents, its responses and their
# documents, its deadline extensions, and the working-day calendar (covered years, exceptional days).
REQUEST_DETAIL_QUERIES = 16


def test_the_request_page_costs_the_same_queries_for_1_and_20_answer_documents(
    answered_with_documents, sz_officer_client, django_assert_num_queries
):
    one, twenty = answered_with_documents(1), answered_with_documents(20)
    sz_officer_client.get(reverse("collaboration:request_detail", args=[one.pk]))  # warm the caches

    for request, documents in ((one, 1), (twenty, 20)):
        with django_assert_num_queries(REQUEST_DETAIL_QUERIES):
            response = sz_officer_client.get(reverse("collaboration:request_detail", args=[request.pk]))
        assert response.content.decode().count("/download/") == documents
