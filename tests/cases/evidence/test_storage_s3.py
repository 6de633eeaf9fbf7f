"""The evidence code against S3-compatible object storage (django-storages), served by a local S3 server.

moto's server (from PyPI, `moto[server]`) is started on a free loopback port for the module. Without
moto the tests are skipped, unless PORTAL_REQUIRE_SERVICES=1, where they fail.
"""

import hashlib
import io
import json
import os
import socket
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from cases.evidence import integrity, storage
from cases.models import Document, EvidencePackage

from . import samples

pytestmark = pytest.mark.django_db

BUCKET = "portal-evidence"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
            pytest.fail(
                "moto[server] is missing (PORTAL_REQUIRE_SERVICES=1); pip install -r requirements.txt"
            )
        pytest.skip("moto[server] is not installed: no local S3-compatible server")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, settings):
    """Documents go to a fresh bucket of the local S3 server, through django-storages' S3Storage."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "file_overwrite": False,
                "default_acl": None,
            },
        },
    }
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in objects:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_an_upload_through_the_page_is_sealed_into_the_bucket_and_downloaded_back(
    s3, joint_case, sz_officer_client
):
    content = samples.png()
    response = sz_officer_client.post(
        reverse("cases:document_upload", args=[joint_case.pk]),
        {"files": [SimpleUploadedFile("截图.png", content)]},
    )

    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.sha256, document.content_type) == (hashlib.sha256(content).hexdigest(), "image/png")
    assert keys(s3) == [storage.blob_name(document.sha256)]
    assert s3.get_object(Bucket=BUCKET, Key=document.file.name)["Body"].read() == content
    download = sz_officer_client.get(reverse("cases:document_download", args=[joint_case.pk, document.pk]))
    assert b"".join(download.streaming_content) == content
    preview = sz_officer_client.get(reverse("cases:document_preview", args=[joint_case.pk, document.pk]))
    assert b"".join(preview.streaming_content) == content


def test_identical_content_is_stored_once_in_the_bucket(s3, joint_case, sz_officer):
    for name in ("a.txt", "b.txt"):
        services.document_upload(
            case=joint_case, actor=sz_officer, uploaded_file=SimpleUploadedFile(name, b"same")
        )
    assert len(keys(s3)) == 1 and Document.objects.count() == 2


def test_a_package_streams_from_the_bucket_and_verifies(s3, joint_case, sz_officer, sz_officer_client):
    services.document_upload(
        case=joint_case, actor=sz_officer, uploaded_file=SimpleUploadedFile("笔录.txt", samples.TEXT)
    )
    sz_officer_client.post(reverse("cases:package_create", args=[joint_case.pk]))
    package = EvidencePackage.objects.get()
    response = sz_officer_client.get(reverse("cases:package_download", args=[joint_case.pk, package.pk]))
    archive = b"".join(response.streaming_content)

    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        path = json.loads(package.manifest_json)["documents"][0]["path"]
        assert opened.read(path) == samples.TEXT
    report = sz_officer_client.post(
        reverse("cases:verify"), {"file": SimpleUploadedFile("p.zip", archive)}
    ).context["report"]
    assert report.ok, [f.message for f in report.problems]


def test_the_sweep_finds_a_changed_and_a_missing_object(s3, joint_case, sz_officer):
    changed = services.document_upload(
        case=joint_case, actor=sz_officer, uploaded_file=SimpleUploadedFile("a.txt", b"a")
    )
    gone = services.document_upload(
        case=joint_case, actor=sz_officer, uploaded_file=SimpleUploadedFile("b.txt", b"b")
    )
    s3.put_object(Bucket=BUCKET, Key=changed.file.name, Body=b"a, edited in the bucket")
    s3.delete_object(Bucket=BUCKET, Key=gone.file.name)

    assert integrity.sweep() == {"mismatch": 1, "missing": 1}
    assert Document.objects.get(pk=changed.pk).integrity == "mismatch"
    assert Document.objects.get(pk=gone.pk).integrity == "missing"
