"""The auditors' audit page: scoped to their bureau, filterable, exported as formula-free CSV."""

import csv
import io

import pytest
from django.urls import reverse

from portal.audit import record
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(joint_case, sz_officer, gz_officer):
    record(actor=gz_officer, action="case.view", case_id=None, detail={"where": "广州"})
    record(actor=sz_officer, action="document.download", case_id=joint_case.pk, detail={"名称": "证据"})
    return joint_case


def test_officers_and_leaders_cannot_read_the_audit_trail(sz_officer_client, sz_leader_client):
    for client in (sz_officer_client, sz_leader_client):
        assert client.get(reverse("audit")).status_code == 403
        assert client.get(reverse("audit_export")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("audit"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_auditor_reads_own_bureau_records_only(trail, sz_auditor_client, gz_auditor_client):
    sz_page = sz_auditor_client.get(reverse("audit")).content.decode()
    assert "document.download" in sz_page and "gz_officer" not in sz_page
    gz_page = gz_auditor_client.get(reverse("audit")).content.decode()
    assert "gz_officer" in gz_page and "document.download" not in gz_page


def test_partner_auditor_reads_records_of_the_joint_case(trail, hz_auditor_client):
    page = hz_auditor_client.get(reverse("audit"), {"case": trail.pk}).content.decode()
    assert "document.download" in page


def test_filters_by_person_action_and_period(trail, sz_auditor_client):
    page = sz_auditor_client.get(
        reverse("audit"), {"person": "sz_officer", "action": "document."}
    ).content.decode()
    assert "document.download" in page and "case.create" not in page
    page = sz_auditor_client.get(
        reverse("audit"), {"since": "2001-01-01", "until": "2001-01-02"}
    ).content.decode()
    assert "document.download" not in page


def test_reading_and_exporting_the_trail_is_itself_audited(trail, sz_auditor_client):
    sz_auditor_client.get(reverse("audit"))
    b"".join(sz_auditor_client.get(reverse("audit_export")).streaming_content)
    actions = set(AuditEvent.objects.filter(actor__username="sz_auditor").values_list("action", flat=True))
    assert {"audit.view", "audit.export"} <= actions


def _export_rows(client, **params) -> list[list[str]]:
    response = client.get(reverse("audit_export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode()), "Excel needs the UTF-8 byte-order mark to read Chinese"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_export_keeps_chinese_text(trail, sz_auditor_client):
    rows = _export_rows(sz_auditor_client, action="document.")
    assert len(rows) == 2
    assert "证据" in rows[1][-1]


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_csv_cells_can_never_be_formulas(payload, joint_case, sz_officer, sz_auditor_client):
    sz_officer.display_name = payload
    record(actor=sz_officer, action="party.add", case_id=joint_case.pk, detail={"name": payload})
    AuditEvent.objects.filter(action="party.add").update(actor_name=payload)  # a name chosen to attack
    rows = _export_rows(sz_auditor_client, action="party.add")
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert rows[1][2] == "'" + payload
