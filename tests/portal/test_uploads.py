"""portal/uploads.py: an upload cut off midway stores nothing, through a real server and a real socket."""

import hashlib
import http.client
import re
import socket
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from cases import services as case_services
from cases.models import Document
from tests.cases.evidence import samples

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def incoming(settings, tmp_path):
    """The upload handler's temporary files go here, so a test can see that none is left behind."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


def signed_in_cookies(live_server, user, case) -> dict:
    """Session and CSRF cookies of a logged-in user, as a browser would hold them after opening the case."""
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request(
        "GET", reverse("cases:detail", args=[case.pk]), headers={"Cookie": f"sessionid={session}"}
    )
    response = connection.getresponse()
    response.read()
    csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    connection.close()
    return {"sessionid": session, "csrftoken": csrf}


def post_raw(live_server, path, cookies, body: bytes, content_type: str, *, send: int) -> bytes:
    """POST announcing the whole body but sending only its first `send` bytes, then hanging up."""
    address = urlsplit(live_server.url)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nCookie: sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(head + body[:send])
        sock.shutdown(socket.SHUT_WR)  # the client is gone: the rest never arrives
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.fixture
def opened_case(make_case, media_storage):
    return make_case()


@pytest.mark.parametrize("cut", ["inside-the-file", "after-the-file"])
def test_an_upload_cut_off_midway_stores_nothing(
    live_server, opened_case, cast, media_storage, incoming, cut
):
    cookies = signed_in_cookies(live_server, cast.sz_officer, opened_case)
    content = b"0123456789" * 200_000  # 2 MB: several chunks of the handler
    body, content_type = samples.multipart(
        {"csrfmiddlewaretoken": cookies["csrftoken"], "title": "录像"},
        [("files", "执法录像.mp4".encode(), content)],
    )
    # A field after the file (a form may put "internal to my bureau" there): cut inside the file, or
    # after the file is complete but inside that field, so the file alone would look whole.
    closing = f"--{samples.BOUNDARY}--\r\n".encode()
    trailing = (
        f'--{samples.BOUNDARY}\r\nContent-Disposition: form-data; name="internal"\r\n\r\non\r\n'.encode()
    )
    body = body[: -len(closing)] + trailing + closing
    send = len(body) // 2 if cut == "inside-the-file" else len(body) - len(closing) - 8

    answer = post_raw(
        live_server,
        reverse("cases:document_upload", args=[opened_case.pk]),
        cookies,
        body,
        content_type,
        send=send,
    )

    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert Document.objects.count() == 0
    assert not media_storage.exists() or not [p for p in media_storage.rglob("*") if p.is_file()]
    assert list(incoming.iterdir()) == []


def test_the_same_upload_sent_whole_is_sealed(live_server, opened_case, cast, media_storage, incoming):
    cookies = signed_in_cookies(live_server, cast.sz_officer, opened_case)
    content = b"0123456789" * 200_000
    body, content_type = samples.multipart(
        {"csrfmiddlewaretoken": cookies["csrftoken"], "title": "录像"},
        [("files", "执法录像.mp4".encode(), content)],
    )

    answer = post_raw(
        live_server,
        reverse("cases:document_upload", args=[opened_case.pk]),
        cookies,
        body,
        content_type,
        send=len(body),
    )

    assert answer.startswith(b"HTTP/1.1 302"), answer[:200]
    document = Document.objects.get()
    assert (document.sha256, document.size, document.original_name) == (
        hashlib.sha256(content).hexdigest(),
        len(content),
        "执法录像.mp4",
    )
    assert list(incoming.iterdir()) == []


def test_services_called_directly_hash_the_file_themselves(opened_case, cast, media_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = case_services.document_upload(
        case=opened_case, actor=cast.sz_officer, uploaded_file=SimpleUploadedFile("a.txt", b"direct")
    )
    assert document.sha256 == hashlib.sha256(b"direct").hexdigest()
