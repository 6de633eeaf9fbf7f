"""cases/evidence/integrity.py and cases/tasks.py: the sweep re-hashes stored files and alerts on a change."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.evidence import integrity
from cases.models import Document
from cases.tasks import sweep_document_integrity
from portal.models import Notification, User
from portal.services import user_set_position
from tests.helpers import notified, timeline_kinds

pytestmark = pytest.mark.django_db


def upload(case, actor, name="笔录.txt", content=b"evidence", **kwargs):
    return services.document_upload(
        case=case, actor=actor, uploaded_file=SimpleUploadedFile(name, content), **kwargs
    )


@pytest.fixture
def admins(cast):
    """One bureau administrator per bureau of the cast."""
    made = {}
    for key in ("sz", "hz", "gz"):
        user = User.objects.create_user(
            f"{key}_admin", email=f"{key}_admin@example.gov.cn", bureau=getattr(cast, key)
        )
        made[key] = user_set_position(user=user, team=None, role=User.Role.BUREAU_ADMIN)
    return made


def test_the_sweep_finds_a_changed_file_and_alerts_the_leaders_and_administrators(
    joint_case, sz_officer, accepted_request, admins, media_storage, sz_leader_client
):
    document = upload(joint_case, sz_officer)
    (media_storage / document.file.name).write_bytes(b"evidence, edited afterwards")

    assert sweep_document_integrity.delay().get() == {"mismatch": 1}

    document = Document.objects.get(pk=document.pk)
    assert document.integrity == "mismatch" and document.integrity_checked_at is not None
    assert notified("document_file_changed") == {"sz_leader", "hz_leader", "sz_admin", "hz_admin"}
    assert timeline_kinds(joint_case)[-1] == "document_file_changed"
    page = sz_leader_client.get(reverse("cases:detail", args=[joint_case.pk])).content.decode()
    assert "stored file changed" in page


def test_a_missing_file_is_reported_as_missing(joint_case, sz_officer, admins, media_storage):
    document = upload(joint_case, sz_officer)
    (media_storage / document.file.name).unlink()

    integrity.sweep()

    assert Document.objects.get(pk=document.pk).integrity == "missing"
    assert timeline_kinds(joint_case)[-1] == "document_file_missing"
    assert "sz_admin" in notified("document_file_missing")


def test_an_intact_file_is_marked_intact_without_any_alert(
    joint_case, sz_officer, media_storage, sz_officer_client
):
    document = upload(joint_case, sz_officer)
    assert integrity.sweep() == {"ok": 1}
    assert Document.objects.get(pk=document.pk).integrity == "ok"
    assert not Notification.objects.filter(kind__startswith="document_file").exists()
    page = sz_officer_client.get(reverse("cases:detail", args=[joint_case.pk])).content.decode()
    assert 'data-testid="integrity"' in page


def test_running_the_sweep_twice_alerts_once(joint_case, sz_officer, admins, media_storage):
    document = upload(joint_case, sz_officer)
    (media_storage / document.file.name).write_bytes(b"changed")
    later = timezone.now() + timedelta(days=30)  # so the second run checks it again

    integrity.sweep()
    integrity.sweep(now=later)

    assert (
        Notification.objects.filter(kind="document_file_changed", recipient__username="sz_admin").count() == 1
    )
    assert timeline_kinds(joint_case).count("document_file_changed") == 1
    assert Document.objects.get(pk=document.pk).integrity_checked_at == later


def test_a_file_restored_from_a_backup_is_recorded_intact_again(joint_case, sz_officer, media_storage):
    document = upload(joint_case, sz_officer, content=b"original")
    path = media_storage / document.file.name
    path.write_bytes(b"damaged")
    integrity.sweep()
    path.write_bytes(b"original")

    integrity.sweep(now=timezone.now() + timedelta(days=30))

    assert Document.objects.get(pk=document.pk).integrity == "ok"
    assert timeline_kinds(joint_case)[-1] == "document_integrity_restored"


def test_an_internal_documents_alert_stays_in_its_bureau(
    joint_case, sz_officer, accepted_request, admins, media_storage
):
    document = upload(joint_case, sz_officer, internal=True)
    (media_storage / document.file.name).write_bytes(b"changed")

    integrity.sweep()

    assert notified("document_file_changed") == {"sz_leader", "sz_admin"}
    assert joint_case.timeline.last().internal_bureau_id == sz_officer.bureau_id


def test_the_sweep_works_in_batches_and_resumes_where_it_stopped(
    joint_case, sz_officer, media_storage, settings
):
    documents = [upload(joint_case, sz_officer, f"{i}.txt", f"content {i}".encode()) for i in range(5)]

    assert integrity.sweep(batch_size=2) == {"ok": 2}
    assert integrity.sweep(batch_size=2) == {"ok": 2}
    assert integrity.sweep(batch_size=2) == {"ok": 1}
    assert (
        integrity.sweep(batch_size=2) == {}
    )  # all fresh: nothing due until PORTAL_INTEGRITY_RECHECK_DAYS pass
    assert set(Document.objects.values_list("integrity", flat=True)) == {"ok"}
    assert len(documents) == 5


def test_a_run_stops_at_its_byte_budget_and_leaves_the_rest_due(joint_case, sz_officer, media_storage):
    upload(joint_case, sz_officer, "a.txt", b"a" * 1000)
    upload(joint_case, sz_officer, "b.txt", b"b" * 1000)
    assert integrity.sweep(max_bytes=1500) == {"ok": 1}
    assert integrity.sweep(max_bytes=1500) == {"ok": 1}


def test_documents_sharing_content_are_hashed_once_and_all_marked(
    make_case, cast, media_storage, monkeypatch
):
    first, second = make_case(title="案一"), make_case(title="案二")
    upload(first, cast.sz_officer, content=b"same")
    upload(second, cast.sz_officer, content=b"same")
    calls = []
    original = integrity.check_blob
    monkeypatch.setattr(integrity, "check_blob", lambda *blob: calls.append(blob) or original(*blob))

    assert integrity.sweep() == {"ok": 2}
    assert len(calls) == 1
