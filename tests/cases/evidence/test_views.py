"""cases/evidence/views.py: uploads, downloads, previews, seals, versions, packages and verification
through the pages, with the denied cases and the query counts."""

import hashlib
import io
import json
import re
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.evidence import storage
from cases.models import Document, EvidencePackage
from portal.models import AuditEvent
from tests.helpers import nothing_changes

from . import samples

pytestmark = pytest.mark.django_db


def messages_of(response, level=None) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if level is None or m.level_tag == level]


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload_url(case):
    return reverse("cases:document_upload", args=[case.pk])


def doc_url(name, document):
    return reverse(f"cases:{name}", args=[document.case_id, document.pk])


def upload(case, actor, name="笔录.txt", content=samples.TEXT, **kwargs):
    return services.document_upload(
        case=case, actor=actor, uploaded_file=SimpleUploadedFile(name, content), **kwargs
    )


# --- uploads --------------------------------------------------------------------------------------------


def test_several_files_at_once_are_each_sealed(joint_case, sz_officer_client, media_storage):
    files = [SimpleUploadedFile("截图.png", samples.png()), SimpleUploadedFile("协查函.pdf", samples.PDF)]
    response = sz_officer_client.post(upload_url(joint_case), {"files": files, "title": ""})

    assert response.status_code == 302 and response.url.endswith("#documents")
    assert messages_of(response) == ["Uploaded and sealed: 截图.png", "Uploaded and sealed: 协查函.pdf"]
    assert sorted(Document.objects.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]


def test_the_page_script_gets_json_naming_the_page_to_show(joint_case, sz_officer_client, media_storage):
    response = sz_officer_client.post(
        upload_url(joint_case),
        {"files": [SimpleUploadedFile("a.txt", b"a")]},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.json() == {"redirect": reverse("cases:detail", args=[joint_case.pk]) + "#documents"}
    assert Document.objects.count() == 1


def test_a_zero_byte_file_is_uploaded_sealed_and_downloaded(joint_case, sz_officer_client, media_storage):
    sz_officer_client.post(upload_url(joint_case), {"files": [SimpleUploadedFile("空白.txt", b"")]})

    document = Document.objects.get()
    assert (document.size, document.sha256) == (0, hashlib.sha256(b"").hexdigest())
    download = sz_officer_client.get(doc_url("document_download", document))
    assert b"".join(download.streaming_content) == b""


def test_a_file_over_the_limit_is_refused_while_it_streams_in_and_nothing_is_stored(
    joint_case, sz_officer_client, settings, media_storage, tmp_path, monkeypatch
):
    from portal.uploads import HashingUploadHandler

    settings.PORTAL_MAX_UPLOAD_BYTES = 3 * 1024 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")
    (tmp_path / "incoming").mkdir()
    written = []
    original_new_file = HashingUploadHandler.new_file

    def new_file(self, *args, **kwargs):  # count what reaches the temporary file
        original_new_file(self, *args, **kwargs)
        write = self.file.file.write
        self.file.file.write = lambda data: written.append(len(data)) or write(data)

    monkeypatch.setattr(HashingUploadHandler, "new_file", new_file)
    with nothing_changes(joint_case):
        response = sz_officer_client.post(
            upload_url(joint_case), {"files": [SimpleUploadedFile("录屏.mp4", b"x" * (20 * 1024 * 1024))]}
        )

    assert response.status_code == 302
    assert messages_of(response, "error") == [
        "The file is too large: “录屏.mp4” passes the limit of 3.0\xa0MB per file, so it was not stored."
    ]
    assert sum(written) <= 3 * 1024 * 1024  # the rest was read and dropped, never written
    assert stored_files(media_storage) == [] and list((tmp_path / "incoming").iterdir()) == []


def test_files_together_over_the_request_limit_are_refused(
    joint_case, sz_officer_client, settings, media_storage
):
    settings.PORTAL_MAX_UPLOAD_REQUEST_BYTES = 1500
    files = [SimpleUploadedFile("a.txt", b"a" * 1000), SimpleUploadedFile("b.txt", b"b" * 1000)]
    response = sz_officer_client.post(upload_url(joint_case), {"files": files})

    assert messages_of(response, "error")[0].startswith(
        "The files are too large together: “b.txt” was not stored"
    )
    assert list(Document.objects.values_list("original_name", flat=True)) == ["a.txt"]


def test_content_already_in_the_case_is_sealed_again_with_a_link_to_where_it_is(
    joint_case, sz_officer, sz_officer_client, media_storage
):
    first = upload(joint_case, sz_officer, "原件.txt", b"same bytes")
    response = sz_officer_client.post(
        upload_url(joint_case), {"files": [SimpleUploadedFile("副本.txt", b"same bytes")]}
    )

    warning = messages_of(response, "warning")
    assert len(warning) == 1 and doc_url("document_detail", first) in warning[0] and "原件.txt" in warning[0]
    assert Document.objects.count() == 2
    page = sz_officer_client.get(response.url).content.decode()
    assert f'<a href="{doc_url("document_detail", first)}">原件.txt</a>' in page  # the link, not escaped text


@pytest.mark.parametrize(
    "sent, shown",
    [
        ("证据/../../etc/passwd".encode(), "passwd"),
        (b"..", None),
        ("笔录\x00.txt".encode(), "笔录.txt"),
        ("笔录\x07\x1b.txt".encode(), "笔录.txt"),
        ("invoice\u202etxt.exe".encode(), "invoicetxt.exe"),
        ("长".encode() * 290 + b".txt", "长" * 251 + ".txt"),
        (b"<img src=x onerror=alert(1)>.txt", "&lt;img src=x onerror=alert(1)&gt;.txt"),
    ],
    ids=["separator", "dot-dot", "nul", "control-characters", "rtl-override", "over-long", "markup"],
)
def test_a_bad_name_sent_by_a_client_never_reaches_storage_or_breaks_the_page(
    joint_case, sz_officer_client, media_storage, sent, shown
):
    body, content_type = samples.multipart({"title": ""}, [("files", sent, samples.TEXT)])
    response = sz_officer_client.generic("POST", upload_url(joint_case), body, content_type=content_type)

    assert response.status_code == 302
    sha256 = hashlib.sha256(samples.TEXT).hexdigest()
    if shown is None:  # Django drops a file named only ".."; the user is told to choose one
        assert Document.objects.count() == 0
        return
    document = Document.objects.get()
    assert document.file.name == storage.blob_name(sha256)
    assert [p.name for p in stored_files(media_storage)] == [sha256]
    page = sz_officer_client.get(reverse("cases:detail", args=[joint_case.pk])).content.decode()
    assert shown in page and "<img src=x" not in page and "\u202e" not in page


def test_a_name_too_long_for_a_multipart_header_refuses_the_request(
    joint_case, sz_officer_client, media_storage
):
    body, content_type = samples.multipart({}, [("files", "长".encode() * 400 + b".txt", samples.TEXT)])
    with nothing_changes(joint_case):
        response = sz_officer_client.generic("POST", upload_url(joint_case), body, content_type=content_type)
    assert response.status_code == 400
    assert stored_files(media_storage) == []


# --- downloads and previews -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content",
    [
        ("页面.html", samples.HTML),
        ("图.svg", samples.SVG),
        ("脚本.sh", samples.SHELL_SCRIPT),
        ("程序.exe", samples.WINDOWS_PROGRAM),
        ("发票.pdf", samples.WINDOWS_PROGRAM),
    ],
    ids=["html", "svg", "script", "executable", "extension-contradicts-content"],
)
def test_active_content_is_only_ever_an_attachment_in_a_sandbox(
    joint_case, sz_officer, sz_officer_client, media_storage, name, content
):
    document = upload(joint_case, sz_officer, name, content)

    download = sz_officer_client.get(doc_url("document_download", document))
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(download.streaming_content) == content
    assert sz_officer_client.get(doc_url("document_preview", document)).status_code == 403
    page = sz_officer_client.get(reverse("cases:detail", args=[joint_case.pk])).content.decode()
    assert 'data-testid="active-content"' in page and doc_url("document_preview", document) not in page
    assert ('data-testid="type-mismatch"' in page) == (name == "发票.pdf")


@pytest.mark.parametrize(
    "name, content, served",
    [
        ("截图.png", samples.png(), "image/png"),
        ("照片.jpg", samples.jpeg(), "image/jpeg"),
        ("动图.gif", samples.gif(), "image/gif"),
        ("图.webp", samples.webp(), "image/webp"),
        ("协查函.pdf", samples.PDF, "application/pdf"),
        ("笔录.txt", samples.TEXT, "text/plain; charset=utf-8"),
        ("旧笔录.txt", samples.GB18030_TEXT, "text/plain; charset=gb18030"),
        ("截图.svg", samples.png(), "image/png"),
    ],
    ids=["png", "jpeg", "gif", "webp", "pdf", "text", "gb18030-text", "png-named-svg"],
)
def test_allow_listed_detected_types_are_previewed_inline_in_a_sandbox(
    joint_case, sz_officer, hz_leader_client, media_storage, name, content, served
):
    document = upload(joint_case, sz_officer, name, content)

    response = hz_leader_client.get(doc_url("document_preview", document))

    assert response.status_code == 200
    assert response["Content-Type"] == served
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert b"".join(response.streaming_content) == content
    assert AuditEvent.objects.filter(action="document.view", object_id=str(document.pk)).count() == 1


def test_a_text_file_containing_markup_gets_no_preview(
    joint_case, sz_officer, sz_officer_client, media_storage
):
    document = upload(joint_case, sz_officer, "聊天.txt", samples.HTML)
    assert document.content_type == "text/html" and document.type_mismatch
    assert sz_officer_client.get(doc_url("document_preview", document)).status_code == 403


def test_a_chinese_name_with_spaces_and_brackets_is_offered_for_download_as_it_was(
    joint_case, sz_officer, sz_officer_client, media_storage
):
    name = "询问笔录 (第1次)【张三】.txt"
    document = upload(joint_case, sz_officer, name)
    disposition = sz_officer_client.get(doc_url("document_download", document))["Content-Disposition"]
    assert disposition == (
        "attachment; filename*=utf-8''%E8%AF%A2%E9%97%AE%E7%AC%94%E5%BD%95%20%28%E7%AC%AC1%E6%AC%A1%29"
        "%E3%80%90%E5%BC%A0%E4%B8%89%E3%80%91.txt"
    )


# --- the seal page, versions and withdrawal -----------------------------------------------------------------


def test_the_seal_page_shows_hash_size_type_uploader_time_and_versions(
    joint_case, sz_officer, sz_officer_client, media_storage
):
    old = upload(joint_case, sz_officer, "笔录.txt", b"v1")
    new = services.document_new_version(
        document=old, actor=sz_officer, uploaded_file=SimpleUploadedFile("x.txt", b"v2")
    )

    page = sz_officer_client.get(doc_url("document_detail", new)).content.decode()

    uploaded = timezone.localtime(new.uploaded_at).strftime("%Y-%m-%d %H:%M:%S")
    for shown in (new.sha256, old.sha256, "text/plain", "sz_officer", uploaded):
        assert shown in page
    assert page.count('data-testid="versions"') == 1 and "v2" in page


def test_the_seal_page_costs_the_same_queries_for_2_and_12_versions(
    joint_case, sz_officer, sz_officer_client, media_storage, django_assert_num_queries
):
    latest = upload(joint_case, sz_officer, "a.txt", b"0")
    latest = services.document_new_version(
        document=latest, actor=sz_officer, uploaded_file=SimpleUploadedFile("a", b"1")
    )
    url = doc_url("document_detail", latest)
    sz_officer_client.get(url)  # warm the caches
    with CaptureQueriesContext(connection) as few:
        sz_officer_client.get(url)
    for i in range(10):
        latest = services.document_new_version(
            document=latest, actor=sz_officer, uploaded_file=SimpleUploadedFile("a", f"v{i}".encode())
        )
    with django_assert_num_queries(len(few.captured_queries)):
        sz_officer_client.get(doc_url("document_detail", latest))


def test_a_new_version_and_a_withdrawal_through_the_pages(
    joint_case, sz_officer, sz_officer_client, media_storage
):
    old = upload(joint_case, sz_officer)
    response = sz_officer_client.post(
        doc_url("document_version", old), {"file": SimpleUploadedFile("更正.txt", b"corrected"), "title": ""}
    )
    new = Document.objects.get(supersedes=old)
    assert response.url == doc_url("document_detail", new)

    response = sz_officer_client.post(doc_url("document_withdraw", new), {"reason": "更正有误"})
    new.refresh_from_db()
    assert new.withdrawal_reason == "更正有误"
    page = sz_officer_client.get(response.url).content.decode()
    assert 'data-testid="withdrawal"' in page and "更正有误" in page


def test_the_partner_cannot_correct_or_withdraw_and_never_sees_an_internal_document(
    joint_case, sz_officer, accepted_request, hz_officer_client, media_storage
):
    shared = upload(joint_case, sz_officer, "共享.txt", b"shared")
    internal = upload(joint_case, sz_officer, "内部.txt", b"internal", internal=True)
    with nothing_changes(joint_case, shared):
        assert (
            hz_officer_client.post(doc_url("document_withdraw", shared), {"reason": "x"}).status_code == 403
        )
        assert (
            hz_officer_client.post(
                doc_url("document_version", shared), {"file": SimpleUploadedFile("a", b"a")}
            ).status_code
            == 403
        )
    for name in ("document_detail", "document_download", "document_preview"):
        assert hz_officer_client.get(doc_url(name, internal)).status_code == 404


def test_a_case_outsider_reaches_no_document_page(joint_case, sz_officer, gz_officer_client, media_storage):
    document = upload(joint_case, sz_officer)
    for name in ("document_detail", "document_download", "document_preview"):
        assert gz_officer_client.get(doc_url(name, document)).status_code == 404


# --- packages and verification ------------------------------------------------------------------------


def export(client, case, *ids):
    response = client.post(reverse("cases:package_create", args=[case.pk]), {"documents": list(ids)})
    package = EvidencePackage.objects.latest("id")
    assert response.url == reverse("cases:package_detail", args=[case.pk, package.pk])
    return package


def download(client, package) -> bytes:
    response = client.get(reverse("cases:package_download", args=[package.case_id, package.pk]))
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)


def verify(client, content: bytes, name="package.zip"):
    response = client.post(reverse("cases:verify"), {"file": SimpleUploadedFile(name, content)})
    return response.context["report"]


def rewrite(archive_bytes: bytes, change) -> bytes:
    """A copy of a ZIP with `change(name, data)` applied to each member (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = change(info.filename, source.read(info))
            if data is not None:
                target.writestr(info.filename, data)
    return out.getvalue()


@pytest.fixture
def evidence(joint_case, sz_officer, media_storage):
    return [
        upload(joint_case, sz_officer, "直播截图.png", samples.png()),
        upload(joint_case, sz_officer, "询问笔录 (第1次).txt", samples.TEXT),
        upload(joint_case, sz_officer, "协查函.pdf", samples.PDF),
    ]


def test_package_round_trip_export_verify_then_one_changed_byte_is_named(evidence, sz_officer_client):
    package = export(sz_officer_client, evidence[0].case)
    page = sz_officer_client.get(
        reverse("cases:package_detail", args=[package.case_id, package.pk])
    ).content.decode()
    assert package.manifest_sha256 in page
    timeline = sz_officer_client.get(reverse("cases:detail", args=[package.case_id])).content.decode()
    assert package.manifest_sha256 in timeline

    archive = download(sz_officer_client, package)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.testzip() is None
        assert set(opened.namelist()) >= {"manifest.json", "manifest.csv", "SHA256SUMS", "README.txt"}
        assert hashlib.sha256(opened.read("manifest.json")).hexdigest() == package.manifest_sha256
    report = verify(sz_officer_client, archive)
    assert report.ok, [f.message for f in report.problems]

    target = json.loads(package.manifest_json)["documents"][1]["path"]

    def flip_one_byte(name, data):
        return (bytes([data[0] ^ 1]) + data[1:]) if name == target else data

    report = verify(sz_officer_client, rewrite(archive, flip_one_byte))
    assert [f.code for f in report.problems] == ["file_changed"]
    assert report.problems[0].params["path"] == target
    assert target in report.problems[0].message


def test_a_byte_changed_in_place_breaks_the_zip_checksum_and_names_the_file(evidence, sz_officer_client):
    package = export(sz_officer_client, evidence[0].case)
    archive = bytearray(download(sz_officer_client, package))
    target = json.loads(package.manifest_json)["documents"][2]["path"]
    offset = archive.index(
        samples.PDF
    )  # stored uncompressed: the file's bytes sit in the archive as they are
    archive[offset + 10] ^= 0xFF
    report = verify(sz_officer_client, bytes(archive))
    assert [(f.code, f.params["path"]) for f in report.problems] == [("file_damaged", target)]


@pytest.mark.parametrize("what", ["missing", "extra", "manifest", "csv"])
def test_verification_says_exactly_what_differs(evidence, sz_officer_client, what):
    package = export(sz_officer_client, evidence[0].case)
    archive = download(sz_officer_client, package)
    first = json.loads(package.manifest_json)["documents"][0]["path"]

    if what == "missing":
        changed = rewrite(archive, lambda name, data: None if name == first else data)
        expected = [("file_missing", first)]
    elif what == "extra":
        changed = rewrite(archive, lambda name, data: data) + b""
        with zipfile.ZipFile(io.BytesIO(changed), "a") as opened:
            pass
        buffer = io.BytesIO(changed)
        with zipfile.ZipFile(buffer, "a") as opened:
            opened.writestr("files/000999-v1-后加.txt", b"planted")
        changed = buffer.getvalue()
        expected = [("file_extra", "files/000999-v1-后加.txt")]
    elif what == "manifest":

        def edit(name, data):
            if name != "manifest.json":
                return data
            manifest = json.loads(data)
            manifest["documents"][0]["title"] = "改过的标题"
            return json.dumps(manifest, ensure_ascii=False, indent=2).encode()

        changed = rewrite(archive, edit)
        expected = [("manifest_altered", None)]
    else:
        changed = rewrite(archive, lambda name, data: data + b"x" if name == "manifest.csv" else data)
        expected = [("list_altered", "manifest.csv")]

    report = verify(sz_officer_client, changed)
    assert [(f.code, f.params.get("path")) for f in report.problems] == expected


def test_a_single_file_is_found_among_the_seals(evidence, sz_officer_client):
    report = verify(sz_officer_client, samples.PDF, name="收到的协查函.pdf")
    assert report.ok and report.findings[0].params["id"] == evidence[2].pk
    report = verify(sz_officer_client, b"never uploaded", name="x.txt")
    assert [f.code for f in report.problems] == ["file_unknown"]


def test_internal_documents_are_absent_from_the_partners_packages_and_verification(
    joint_case, sz_officer, sz_officer_client, accepted_request, hz_officer_client, media_storage
):
    upload(joint_case, sz_officer, "共享.txt", b"shared")
    internal = upload(joint_case, sz_officer, "内部.txt", b"internal only", internal=True)

    partner_package = export(hz_officer_client, joint_case)
    with zipfile.ZipFile(io.BytesIO(download(hz_officer_client, partner_package))) as opened:
        assert not any("内部" in name for name in opened.namelist())
        assert b"internal only" not in b"".join(opened.read(n) for n in opened.namelist())

    own_package = export(sz_officer_client, joint_case)
    own_archive = download(sz_officer_client, own_package)
    assert (
        hz_officer_client.get(
            reverse("cases:package_detail", args=[joint_case.pk, own_package.pk])
        ).status_code
        == 404
    )
    assert (
        hz_officer_client.get(
            reverse("cases:package_download", args=[joint_case.pk, own_package.pk])
        ).status_code
        == 404
    )

    report = verify(hz_officer_client, own_archive)
    assert "manifest_unknown" in {f.code for f in report.problems}
    assert ("seal_unknown", internal.pk) in {(f.code, f.params.get("id")) for f in report.problems}
    assert not any(f.code == "manifest_issued" for f in report.findings)
    report = verify(hz_officer_client, b"internal only", name="x.txt")
    assert [f.code for f in report.findings] == ["file_unknown"]


def test_exporting_and_verifying_are_audited(evidence, sz_officer_client):
    package = export(sz_officer_client, evidence[0].case)
    download(sz_officer_client, package)
    verify(sz_officer_client, samples.PDF)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"package.export", "package.download", "evidence.verify"} <= actions


def test_the_verification_page_needs_a_login(client):
    response = client.get(reverse("cases:verify"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_verify_package_command_reports_and_exits_non_zero_on_a_difference(
    evidence, sz_officer_client, tmp_path
):
    from django.core.management import call_command

    package = export(sz_officer_client, evidence[0].case)
    archive = download(sz_officer_client, package)
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    good.write_bytes(archive)
    target = json.loads(package.manifest_json)["documents"][0]["path"]
    bad.write_bytes(rewrite(archive, lambda name, data: data + b"!" if name == target else data))

    out = io.StringIO()
    call_command("verify_package", str(good), stdout=out)
    assert "OK: intact and matching the seals." in out.getvalue()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_package", str(bad), "--quiet", stdout=out)
    assert exit_.value.code == 1
    assert re.search(rf"FAIL\s+{re.escape(target)} has been changed", out.getvalue())


def test_a_missing_stored_file_is_explained_instead_of_failing(
    joint_case, sz_officer, sz_officer_client, media_storage
):
    document = upload(joint_case, sz_officer)
    (media_storage / document.file.name).unlink()
    for name in ("document_download", "document_preview"):
        response = sz_officer_client.get(doc_url(name, document))
        assert response.url == doc_url("document_detail", document)
        assert messages_of(response, "error")[-1] == (
            "The stored file of this document is missing; the administrators are alerted."
        )


def test_the_package_page_costs_the_same_queries_for_1_and_15_documents(
    joint_case, sz_officer, sz_officer_client, media_storage
):
    def package_page(count: int):
        for i in range(count):
            upload(joint_case, sz_officer, f"{count}-{i}.txt", f"{count}-{i}".encode())
        package = services.package_create(case=joint_case, actor=sz_officer)
        url = reverse("cases:package_detail", args=[joint_case.pk, package.pk])
        sz_officer_client.get(url)  # warm the caches
        with CaptureQueriesContext(connection) as queries:
            response = sz_officer_client.get(url)
        assert response.content.decode().count("/download/") >= package.document_count
        return len(queries.captured_queries)

    assert package_page(1) == package_page(14)
