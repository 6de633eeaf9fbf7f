"""Items internal to a bureau never reach the partner bureau; identity numbers are masked outside one audited page."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Party
from cases.validators import ID_CHECK, ID_WEIGHTS
from portal.models import AuditEvent
from tests.helpers import upload

pytestmark = pytest.mark.django_db


def valid_id_number(first17: str = "11010519491231002") -> str:
    return first17 + ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


@pytest.fixture
def case_with_partner_on_team(accepted_request):
    """The joint case once hz_officer works on it (the accepted request put them on the case team)."""
    return accepted_request.case


@pytest.fixture
def internal_document(case_with_partner_on_team, sz_officer, media_storage):
    return services.document_upload(
        case=case_with_partner_on_team,
        actor=sz_officer,
        uploaded_file=upload("内部研判报告.txt", b"only for Shenzhen"),
        internal=True,
    )


def test_internal_document_is_listed_for_own_bureau_only(
    internal_document, sz_leader_client, hz_officer_client
):
    url = reverse("cases:detail", args=[internal_document.case_id])
    assert "内部研判报告" in sz_leader_client.get(url).content.decode()
    partner_page = hz_officer_client.get(url).content.decode()
    assert "内部研判报告" not in partner_page
    assert internal_document.sha256 not in partner_page  # not even through the timeline line


def test_internal_document_download_is_404_for_the_partner(
    internal_document, sz_officer_client, hz_officer_client
):
    url = reverse("cases:document_download", args=[internal_document.case_id, internal_document.pk])
    assert sz_officer_client.get(url).status_code == 200
    assert hz_officer_client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="document.download", actor__username="hz_officer").exists()


def test_shared_document_is_seen_by_both_sides(
    case_with_partner_on_team, sz_officer, hz_officer_client, media_storage
):
    document = services.document_upload(
        case=case_with_partner_on_team, actor=sz_officer, uploaded_file=upload("共享材料.txt", b"shared")
    )
    page = hz_officer_client.get(reverse("cases:detail", args=[document.case_id])).content.decode()
    assert "共享材料" in page


def test_internal_note_is_hidden_from_the_partner(
    case_with_partner_on_team, sz_officer_client, hz_officer_client
):
    url = reverse("cases:note_add", args=[case_with_partner_on_team.pk])
    sz_officer_client.post(url, {"body": "内部意见：先查资金流", "internal": "on"})
    sz_officer_client.post(url, {"body": "共同意见：约谈平台"})
    detail = reverse("cases:detail", args=[case_with_partner_on_team.pk])
    assert "内部意见" in sz_officer_client.get(detail).content.decode()
    partner_page = hz_officer_client.get(detail).content.decode()
    assert "内部意见" not in partner_page
    assert "共同意见" in partner_page


def test_note_added_through_htmx_returns_the_refreshed_notes_list(joint_case, sz_officer_client):
    response = sz_officer_client.post(
        reverse("cases:note_add", args=[joint_case.pk]), {"body": "现场照片已上传"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="case-notes"' in html and "现场照片已上传" in html and "<html" not in html


def test_empty_note_is_refused_with_a_message(joint_case, sz_officer_client):
    response = sz_officer_client.post(
        reverse("cases:note_add", args=[joint_case.pk]), {"body": "  "}, follow=True
    )
    assert "The note cannot be empty." in response.content.decode()
    assert joint_case.notes.count() == 0


def test_partner_outside_the_case_cannot_add_notes(joint_case, hz_officer2_client):
    response = hz_officer2_client.post(reverse("cases:note_add", args=[joint_case.pk]), {"body": "x"})
    assert response.status_code == 404


@pytest.fixture
def individual_party(joint_case, sz_officer):
    return services.party_add(
        case=joint_case,
        actor=sz_officer,
        kind=Party.Kind.INDIVIDUAL,
        name="主播甲",
        id_number=valid_id_number(),
    )


def test_identity_number_is_masked_on_the_case_page(individual_party, sz_officer_client):
    page = sz_officer_client.get(reverse("cases:detail", args=[individual_party.case_id])).content.decode()
    full = individual_party.id_number
    assert full not in page
    assert full[:6] + "********" + full[-4:] in page


def test_full_identity_number_view_is_audited(individual_party, sz_officer_client):
    url = reverse("cases:party_detail", args=[individual_party.case_id, individual_party.pk])
    page = sz_officer_client.get(url).content.decode()
    assert individual_party.id_number in page
    event = AuditEvent.objects.get(action="party.view_identity")
    assert event.actor.username == "sz_officer" and event.object_id == str(individual_party.pk)


def test_party_page_of_an_invisible_case_is_404(individual_party, hz_officer2_client):
    url = reverse("cases:party_detail", args=[individual_party.case_id, individual_party.pk])
    assert hz_officer2_client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="party.view_identity").exists()


def test_wrong_identity_check_character_is_refused_and_nothing_stored(joint_case, sz_officer_client):
    good = valid_id_number()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = sz_officer_client.post(
        reverse("cases:party_add", args=[joint_case.pk]),
        {"kind": "individual", "name": "主播乙", "id_number": wrong},
    )
    assert response.status_code == 200
    assert "check character is wrong" in response.content.decode()
    assert not Party.objects.filter(name="主播乙").exists()


def test_partner_auditor_never_reads_audit_records_of_internal_items(
    internal_document, sz_officer_client, sz_auditor_client, hz_auditor_client
):
    sz_officer_client.get(
        reverse("cases:document_download", args=[internal_document.case_id, internal_document.pk])
    )
    sz_officer_client.post(
        reverse("cases:note_add", args=[internal_document.case_id]), {"body": "x", "internal": "on"}
    )
    own = sz_auditor_client.get(reverse("audit"), {"case": internal_document.case_id}).content.decode()
    assert "document.upload" in own and "document.download" in own and "note.add" in own
    partner = hz_auditor_client.get(reverse("audit"), {"case": internal_document.case_id}).content.decode()
    assert "case.open" in partner  # the partner auditor does read the joint case's shared records
    for action in ("document.upload", "document.download", "note.add"):
        assert action not in partner
    export = b"".join(hz_auditor_client.get(reverse("audit_export")).streaming_content).decode("utf-8-sig")
    assert internal_document.sha256 not in export and "note.add" not in export


def test_partner_sees_a_draft_case_only_once_it_is_opened(draft_case, hz_leader, hz_auditor, sz_officer):
    from cases.permissions import visible_cases

    for partner in (hz_leader, hz_auditor):
        assert not visible_cases(partner).filter(pk=draft_case.pk).exists()
    services.case_open(case=draft_case, actor=sz_officer)
    for partner in (hz_leader, hz_auditor):
        assert visible_cases(partner).filter(pk=draft_case.pk).exists()


def test_an_unsent_request_its_attachment_and_its_timeline_stay_on_the_requesting_side(
    draft_request, sz_officer, sz_leader, hz_leader_client, sz_leader_client, media_storage
):
    from collaboration import services as request_services

    document = request_services.request_attach_document(
        request=draft_request, actor=sz_officer, uploaded_file=upload("协查函草稿.txt", b"draft letter")
    )
    request_services.request_submit(request=draft_request, actor=sz_officer)
    case_url = reverse("cases:detail", args=[draft_request.case_id])
    partner_page = hz_leader_client.get(case_url).content.decode()
    assert draft_request.title not in partner_page and "协查函草稿" not in partner_page
    assert (
        hz_leader_client.get(reverse("collaboration:request_detail", args=[draft_request.pk])).status_code
        == 404
    )
    download = reverse("cases:document_download", args=[draft_request.case_id, document.pk])
    assert hz_leader_client.get(download).status_code == 404
    assert "协查函草稿" in sz_leader_client.get(case_url).content.decode()

    request_services.request_approve(request=draft_request, actor=sz_leader)
    partner_page = hz_leader_client.get(case_url).content.decode()
    assert draft_request.title in partner_page and "协查函草稿" in partner_page
    assert hz_leader_client.get(download).status_code == 200
