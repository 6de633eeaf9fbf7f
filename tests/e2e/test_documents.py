"""Documents in a real browser (Debian's Chromium through Playwright): a Chinese name with spaces and
brackets comes back exactly from a download; uploads go through the page's script (drag and drop,
progress) under the portal's CSP without a single console error."""

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from cases import services as case_services
from cases.models import Document
from tests.cases.evidence import samples

from .conftest import VIEWPORT

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NAME = "询问笔录 (第1次)【张三】 2026.pdf"


@pytest.fixture
def case(cast):
    case = case_services.case_create(
        actor=cast["sz_officer"],
        title="直播间虚假宣传保健食品案",
        summary="证据材料的浏览器测试。",
        category=cast["categories"][0],
        partner_teams=[cast["hz_team"]],
    )
    return case_services.case_open(case=case, actor=cast["sz_officer"])


@pytest.fixture
def officer_page(chromium_browser, live_server, cast, traffic, media_storage):
    """Shenzhen's officer in a browser that accepts downloads, signed in with a session cookie."""
    client = Client()
    client.force_login(cast["sz_officer"])
    context = chromium_browser.new_context(
        viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    traffic.watch(context)
    page = context.new_page()
    traffic.watch_page(page)
    yield page
    context.close()


def assert_clean(traffic, live_server, downloaded: str = "") -> None:
    outside = [
        url for url in traffic.requests if not url.startswith(live_server.url) and not url.startswith("data:")
    ]
    assert outside == [], outside
    # A download is reported as a failed request (the navigation turned into a download): that one is fine.
    expected = {f"failed {live_server.url}{downloaded}"} if downloaded else set()
    assert [f for f in traffic.failures if not f.endswith("/favicon.ico") and f not in expected] == []
    assert [e for e in traffic.console_errors if "/favicon.ico" not in e] == []


def test_a_chinese_name_with_spaces_and_brackets_downloads_exactly_as_it_was(
    officer_page, case, cast, live_server, traffic
):
    content = samples.PDF + "正文".encode() * 100
    document = case_services.document_upload(
        case=case, actor=cast["sz_officer"], uploaded_file=samples_file(NAME, content)
    )
    page = officer_page
    page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))

    with page.expect_download() as info:
        page.locator(f"#document-{document.pk} a[href$='/download/']").click()
    download = info.value

    assert download.suggested_filename == NAME
    with open(download.path(), "rb") as saved:
        assert hashlib.sha256(saved.read()).hexdigest() == document.sha256
    assert_clean(
        traffic, live_server, downloaded=reverse("cases:document_download", args=[case.pk, document.pk])
    )


def test_files_dropped_on_the_form_are_uploaded_with_progress_and_sealed(
    officer_page, case, live_server, traffic
):
    from playwright.sync_api import expect

    page = officer_page
    page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))
    dropped = page.evaluate_handle(
        """() => {
            const files = new DataTransfer();
            files.items.add(new File(["现场检查笔录（第二页）"], "现场笔录 [2].txt", {type: "text/plain"}));
            files.items.add(new File([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0])], "截图 (1).png", {type: "image/png"}));
            return files;
        }"""
    )
    page.dispatch_event("form[data-upload-form]", "drop", {"dataTransfer": dropped})
    expect(page.locator("[data-upload-list] li")).to_have_count(2)
    page.locator("form[data-upload-form] button[type=submit]").click()

    page.wait_for_url(re.compile(r"/cases/\d+/#documents$"))
    expect(page.get_by_test_id("documents")).to_contain_text("现场笔录 [2].txt")
    expect(page.get_by_test_id("documents")).to_contain_text("截图 (1).png")
    assert sorted(Document.objects.values_list("original_name", flat=True)) == [
        "截图 (1).png",
        "现场笔录 [2].txt",
    ]
    text = Document.objects.get(original_name="现场笔录 [2].txt")
    assert text.sha256 == hashlib.sha256("现场检查笔录（第二页）".encode()).hexdigest()
    assert_clean(traffic, live_server)


def test_a_file_over_the_limit_is_refused_in_the_browser_before_it_is_sent(
    officer_page, case, live_server, traffic, settings
):
    from playwright.sync_api import expect

    settings.PORTAL_MAX_UPLOAD_BYTES = 1024
    page = officer_page
    page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))
    page.set_input_files(
        "#id_files", files=[{"name": "录像.mp4", "mimeType": "video/mp4", "buffer": b"x" * 4096}]
    )
    page.locator("form[data-upload-form] button[type=submit]").click()

    expect(page.locator("[data-upload-status]")).to_contain_text("录像.mp4")
    assert Document.objects.count() == 0
    assert not any("/documents/upload/" in url for url in traffic.requests)


def samples_file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
