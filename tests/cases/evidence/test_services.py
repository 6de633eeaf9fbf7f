"""cases/evidence/services.py: the seal, bad names, bad types, versions, withdrawal, packages."""

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction

from cases import services
from cases.evidence import storage
from cases.models import Document, EvidencePackage, SealedError
from portal.exceptions import WorkflowError
from portal.models import AuditEvent
from tests.helpers import nothing_changes, timeline_kinds

from . import samples

pytestmark = pytest.mark.django_db


def upload(case, actor, name="笔录.txt", content=samples.TEXT, **kwargs):
    return services.document_upload(
        case=case, actor=actor, uploaded_file=SimpleUploadedFile(name, content), **kwargs
    )


def raw_named(name: str, content: bytes) -> SimpleUploadedFile:
    """An upload whose name is exactly what a client sent (UploadedFile's setter would shorten it)."""
    uploaded = SimpleUploadedFile("x", content)
    uploaded._name = name
    return uploaded


# --- the seal -----------------------------------------------------------------------------------------


def test_the_seal_is_hash_size_detected_type_uploader_and_server_time(joint_case, sz_officer, media_storage):
    content = samples.png()
    document = upload(joint_case, sz_officer, "直播截图.png", content)

    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert (document.size, document.content_type, document.declared_type) == (
        len(content),
        "image/png",
        "image/png",
    )
    assert (document.uploaded_by, document.version, document.type_mismatch) == (sz_officer, 1, False)
    assert document.uploaded_at is not None
    assert document.file.name == storage.blob_name(document.sha256)
    assert (media_storage / document.file.name).read_bytes() == content
    event = AuditEvent.objects.get(action="document.upload")
    assert event.detail == {"sha256": document.sha256, "size": len(content), "type": "image/png"}


def test_a_zero_byte_file_is_sealed_like_any_other(joint_case, sz_officer, media_storage):
    document = upload(joint_case, sz_officer, "空白.txt", b"")
    assert (document.size, document.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert document.content_type == "application/x-empty"
    assert (media_storage / document.file.name).read_bytes() == b""


def test_the_seal_is_computed_over_what_storage_holds_and_a_difference_refuses_the_upload(
    joint_case, sz_officer, media_storage, monkeypatch
):
    # Storage that damages what it is given: the read-back hash differs, so nothing is sealed or kept.
    original_save = FileSystemStorage.save

    def damaging_save(self, name, content, **kwargs):
        return original_save(self, name, SimpleUploadedFile("x", content.read() + b"!"), **kwargs)

    monkeypatch.setattr(FileSystemStorage, "save", damaging_save)
    with nothing_changes(joint_case), pytest.raises(WorkflowError, match="did not arrive intact"):
        upload(joint_case, sz_officer)
    assert not [p for p in media_storage.rglob("*") if p.is_file()]


def test_a_sealed_document_cannot_be_changed_or_deleted_through_the_orm(
    joint_case, sz_officer, media_storage
):
    document = upload(joint_case, sz_officer)
    document.sha256 = "0" * 64
    with pytest.raises(SealedError):
        document.save()
    with pytest.raises(SealedError):
        Document.objects.filter(pk=document.pk).update(size=1)
    with pytest.raises(SealedError):
        Document.objects.filter(pk=document.pk).delete()
    with pytest.raises(SealedError):
        document.delete()
    assert Document.objects.get(pk=document.pk).sha256 != "0" * 64


@pytest.mark.parametrize("column, value", [("sha256", "'0'"), ("size", "1"), ("uploaded_by_id", "NULL")])
def test_the_database_refuses_to_change_a_seal(joint_case, sz_officer, media_storage, column, value):
    document = upload(joint_case, sz_officer)
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE cases_document SET {column} = {value} WHERE id = %s", [document.pk])
    assert Document.objects.get(pk=document.pk).sha256 == document.sha256


def test_the_database_lets_the_state_of_a_document_change(joint_case, sz_officer, media_storage):
    document = upload(joint_case, sz_officer)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_document SET integrity = 'ok' WHERE id = %s", [document.pk])
    assert Document.objects.get(pk=document.pk).integrity == "ok"


# --- bad names: each reaches neither the file system nor the page as sent ----------------------------


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("../../etc/cron.d/证据.txt", "证据.txt"),
        ("..", "file"),
        ("笔录\x00.txt", "笔录.txt"),
        ("笔录\r\n\x07\x1b.txt", "笔录.txt"),
        ("invoice\u202etxt.exe", "invoicetxt.exe"),
        ("长" * 400 + ".txt", "长" * 251 + ".txt"),
    ],
    ids=["separator", "dot-dot", "nul", "control-characters", "rtl-override", "over-long"],
)
def test_a_bad_name_is_cleaned_and_the_file_stored_under_its_hash(
    joint_case, sz_officer, media_storage, sent, kept
):
    document = services.document_upload(
        case=joint_case, actor=sz_officer, uploaded_file=raw_named(sent, samples.TEXT)
    )

    assert document.original_name == kept
    assert document.file.name == storage.blob_name(document.sha256)
    assert [p.name for p in media_storage.rglob("*") if p.is_file()] == [document.sha256]


# --- bad types: accepted as evidence, recorded as what they are ----------------------------------------


@pytest.mark.parametrize(
    "name, content, found, mismatch",
    [
        ("页面.html", samples.HTML, "text/html", False),
        ("图.svg", samples.SVG, "image/svg+xml", False),
        ("脚本.sh", samples.SHELL_SCRIPT, "text/x-shellscript", False),
        ("程序.exe", samples.WINDOWS_PROGRAM, "application/vnd.microsoft.portable-executable", False),
        ("发票.pdf", samples.WINDOWS_PROGRAM, "application/vnd.microsoft.portable-executable", True),
    ],
    ids=["html", "svg", "script", "executable", "extension-contradicts-content"],
)
def test_active_content_is_accepted_and_sealed_with_its_detected_type(
    joint_case, sz_officer, media_storage, name, content, found, mismatch
):
    document = upload(joint_case, sz_officer, name, content)
    assert (document.content_type, document.type_mismatch) == (found, mismatch)
    assert document.active_content and not document.previewable


# --- the same content twice ----------------------------------------------------------------------------


def test_content_already_in_the_case_is_sealed_again_and_stored_once(
    joint_case, sz_officer, hz_officer, media_storage
):
    from cases.selectors import earlier_copies

    first = upload(joint_case, sz_officer, "a.txt")
    second = upload(joint_case, sz_officer, "b.txt")

    assert first.pk != second.pk and first.file.name == second.file.name
    assert len([p for p in media_storage.rglob("*") if p.is_file()]) == 1
    assert list(earlier_copies(second, sz_officer)) == [first]


def test_an_internal_copy_is_never_named_to_the_partner(
    joint_case, sz_officer, accepted_request, hz_officer, media_storage
):
    from cases.selectors import earlier_copies

    upload(joint_case, sz_officer, "内部.txt", internal=True)
    partner_copy = upload(joint_case, hz_officer, "杭州.txt")
    assert list(earlier_copies(partner_copy, hz_officer)) == []


def test_the_same_file_in_another_case_is_a_document_of_that_case_too(make_case, cast, media_storage):
    first_case = make_case(title="案一")
    second_case = make_case(title="案二")
    one = upload(first_case, cast.sz_officer)
    two = upload(second_case, cast.sz_officer)
    assert (one.case_id, two.case_id) == (first_case.pk, second_case.pk)
    assert one.file.name == two.file.name


# --- versions and withdrawal -----------------------------------------------------------------------------


def test_a_correction_is_a_new_version_linked_to_the_old_which_stays_as_it_was(
    joint_case, sz_officer, sz_leader, media_storage
):
    old = upload(joint_case, sz_officer, "笔录.txt", b"first")
    before = Document.objects.filter(pk=old.pk).values().get()

    new = services.document_new_version(
        document=old, actor=sz_leader, uploaded_file=SimpleUploadedFile("笔录-更正.txt", b"second")
    )
    third = services.document_new_version(
        document=new, actor=sz_officer, uploaded_file=SimpleUploadedFile("笔录-再更正.txt", b"third")
    )

    assert Document.objects.filter(pk=old.pk).values().get() == before
    assert (new.version, new.supersedes, new.first_version, new.title) == (2, old, old, old.title)
    assert (third.version, third.supersedes, third.first_version) == (3, new, old)
    assert timeline_kinds(joint_case)[-2:] == ["document_version_added", "document_version_added"]
    assert joint_case.timeline.last().params["previous"] == new.sha256


def test_only_the_latest_version_can_be_corrected(joint_case, sz_officer, media_storage):
    old = upload(joint_case, sz_officer, content=b"first")
    services.document_new_version(
        document=old, actor=sz_officer, uploaded_file=SimpleUploadedFile("b.txt", b"2")
    )
    with (
        nothing_changes(joint_case),
        pytest.raises(WorkflowError, match="already been corrected by version 2"),
    ):
        services.document_new_version(
            document=old, actor=sz_officer, uploaded_file=SimpleUploadedFile("c.txt", b"3")
        )


def test_the_partner_bureau_cannot_correct_or_withdraw_anothers_evidence(
    joint_case, sz_officer, accepted_request, hz_officer, media_storage
):
    document = Document.objects.select_related("case", "uploaded_by").get(
        pk=upload(joint_case, sz_officer).pk
    )
    with nothing_changes(joint_case, document), pytest.raises(PermissionDenied):
        services.document_new_version(
            document=document, actor=hz_officer, uploaded_file=SimpleUploadedFile("x", b"x")
        )
    with nothing_changes(joint_case, document), pytest.raises(PermissionDenied):
        services.document_withdraw(document=document, actor=hz_officer, reason="不是我们的")


def test_a_version_of_an_internal_document_stays_internal(joint_case, sz_officer, media_storage):
    old = upload(joint_case, sz_officer, internal=True)
    new = services.document_new_version(
        document=old, actor=sz_officer, uploaded_file=SimpleUploadedFile("x", b"x")
    )
    assert new.internal_bureau_id == sz_officer.bureau_id
    assert joint_case.timeline.last().internal_bureau_id == sz_officer.bureau_id


def test_withdrawal_is_a_state_with_reason_name_and_time_and_the_file_stays(
    joint_case, sz_officer, media_storage
):
    document = Document.objects.select_related("case", "uploaded_by").get(
        pk=upload(joint_case, sz_officer).pk
    )

    services.document_withdraw(document=document, actor=sz_officer, reason="上传错了文件")

    document.refresh_from_db()
    assert (document.withdrawn_by, document.withdrawal_reason) == (sz_officer, "上传错了文件")
    assert document.withdrawn_at is not None
    assert (media_storage / document.file.name).exists()
    assert timeline_kinds(joint_case)[-1] == "document_withdrawn"
    assert joint_case.timeline.last().params["reason"] == "上传错了文件"


def test_a_withdrawal_needs_a_reason_and_happens_once(joint_case, sz_officer, media_storage):
    document = Document.objects.select_related("case", "uploaded_by").get(
        pk=upload(joint_case, sz_officer).pk
    )
    with nothing_changes(joint_case, document), pytest.raises(WorkflowError, match="reason"):
        services.document_withdraw(document=document, actor=sz_officer, reason="  ")
    services.document_withdraw(document=document, actor=sz_officer, reason="第一次")
    document.refresh_from_db()
    with nothing_changes(joint_case, document), pytest.raises(WorkflowError, match="already been withdrawn"):
        services.document_withdraw(document=document, actor=sz_officer, reason="第二次")
    with (
        nothing_changes(joint_case),
        pytest.raises(WorkflowError, match="withdrawn document cannot be corrected"),
    ):
        services.document_new_version(
            document=document, actor=sz_officer, uploaded_file=SimpleUploadedFile("x", b"x")
        )


# --- packages ----------------------------------------------------------------------------------------


def test_a_package_records_its_manifest_hash_on_the_timeline(joint_case, sz_officer, media_storage):
    old = upload(joint_case, sz_officer, "笔录.txt", b"v1")
    services.document_new_version(
        document=old, actor=sz_officer, uploaded_file=SimpleUploadedFile("笔录.txt", b"v2")
    )

    package = services.package_create(case=joint_case, actor=sz_officer)

    manifest = json.loads(package.manifest_json)
    assert package.manifest_sha256 == hashlib.sha256(package.manifest_json.encode()).hexdigest()
    assert joint_case.timeline.last().params == {
        "count": 2,
        "manifest_sha256": package.manifest_sha256,
        "package": package.pk,
    }
    assert manifest["case"]["number"] == joint_case.number
    first, second = manifest["documents"]
    assert (first["status"], first["superseded_by"], second["status"]) == (
        "superseded",
        second["id"],
        "current",
    )
    assert second["supersedes"] == {"id": first["id"], "sha256": first["sha256"]}
    assert [link["id"] for link in second["version_chain"]] == [first["id"], second["id"]]
    assert "manifest_csv_sha256" in manifest and package.manifest_csv.startswith("\ufeffcase_number,")


def test_a_package_of_chosen_documents_holds_only_those(joint_case, sz_officer, media_storage):
    chosen = upload(joint_case, sz_officer, "a.txt", b"a")
    upload(joint_case, sz_officer, "b.txt", b"b")
    package = services.package_create(case=joint_case, actor=sz_officer, document_ids=[chosen.pk])
    assert [d["id"] for d in json.loads(package.manifest_json)["documents"]] == [chosen.pk]


def test_internal_documents_never_reach_the_partners_package(
    joint_case, sz_officer, accepted_request, hz_officer, media_storage
):
    internal = upload(joint_case, sz_officer, "内部.txt", b"internal", internal=True)
    shared = upload(joint_case, sz_officer, "共享.txt", b"shared")

    partner_package = services.package_create(
        case=joint_case, actor=hz_officer, document_ids=[internal.pk, shared.pk]
    )
    own_package = services.package_create(case=joint_case, actor=sz_officer)

    assert [d["id"] for d in json.loads(partner_package.manifest_json)["documents"]] == [shared.pk]
    assert partner_package.internal_bureau_id is None
    assert own_package.internal_bureau_id == sz_officer.bureau_id
    assert joint_case.timeline.last().internal_bureau_id == sz_officer.bureau_id


def test_a_package_needs_a_document(joint_case, sz_officer, media_storage):
    with nothing_changes(joint_case), pytest.raises(WorkflowError):
        services.package_create(case=joint_case, actor=sz_officer)
    assert EvidencePackage.objects.count() == 0
