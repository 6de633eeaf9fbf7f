"""Browser journeys: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Chromium is the system package (/usr/bin/chromium), not Playwright's download: CI installs it with
apt (and fonts-noto-cjk, without which the screenshots show boxes instead of Chinese). Without Chromium
the journeys are skipped, unless PORTAL_REQUIRE_SERVICES=1, where they fail.
"""

import base64
import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from cases.models import Category
from portal import services as portal_services
from portal.models import Bureau, User

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}  # a common laptop screen
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "e2e"
PASSWORD = "Sichuan-Pepper-2026"
CJK = re.compile(r"[\u4e00-\u9fff]")

# Interface texts the journey checks on the pages, as msgids: each is asserted in its zh-hans rendering
# (whatever the catalogue gives today). Set PORTAL_E2E_STRICT_ZH=1 (or STRICT_CHINESE = True once the
# catalogue is complete and compiled everywhere) and every one of them must also render as Chinese.
STRICT_CHINESE = os.environ.get("PORTAL_E2E_STRICT_ZH") == "1"
UI_TEXT = {
    "login_username": "Username",  # Django's own catalogue: 用户名
    "login_password": "Password",  # Django's own catalogue: 密码
    "login_heading": "Log in",
    "cases_heading": "Joint cases",
    "queue_heading": "My queue",
    "timeline_heading": "Timeline",
    "documents_heading": "Documents and evidence",
    "approve_button": "Approve and send",
    "accept_button": "Accept and assign",
    "answer_button": "Send answer",
    "complete_button": "Confirm as complete",
}


def zh(text) -> str:
    """A msgid or lazy label as the zh-hans interface shows it (the live server runs in this process)."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def expect_ui_text(page, key: str) -> None:
    from playwright.sync_api import expect

    text = zh(UI_TEXT[key])
    if STRICT_CHINESE:
        assert CJK.search(text), f"{UI_TEXT[key]!r} has no zh-hans translation"
    expect(page.locator("body")).to_contain_text(text)


def totp_token(key: bytes, *, steps_back: int = 0) -> str:
    """The six-digit code an authenticator app shows for this key (optionally for an earlier window)."""
    from django_otp.oath import TOTP

    totp = TOTP(key)
    totp.time = time.time() - 30 * steps_back
    return f"{totp.token():06d}"


@pytest.fixture(scope="module")
def chromium_browser():
    if not CHROMIUM.exists():
        if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{CHROMIUM} is missing (PORTAL_REQUIRE_SERVICES=1); apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is missing; apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls made by fixtures
    # and assertions meanwhile are still plain synchronous code. Only while the browser runs: set for the
    # whole session, the variable would reach other tests and their subprocesses (`check --deploy`).
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class Traffic:
    """Every request, failed response and console error of the browser contexts.

    Pages must stay on loopback and run without errors (a CSP violation is a console error).
    """

    def __init__(self):
        self.requests: list[str] = []
        self.failures: list[str] = []
        self.console_errors: list[str] = []

    def watch(self, context) -> None:
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("response", self._on_response)
        context.on("requestfailed", lambda request: self.failures.append(f"failed {request.url}"))

    def watch_page(self, page) -> None:
        def on_console(message):
            if message.type == "error":
                self.console_errors.append(f"{message.location.get('url')}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: {error}"))

    def _on_response(self, response) -> None:
        if response.status >= 400:
            self.failures.append(f"{response.status} {response.url}")


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def open_session(chromium_browser, live_server, traffic):
    """Log a user in through the login form in a fresh browser context; returns the page.

    two_factor says which second step the portal must ask for: None, "setup" (a leader's first login:
    the key shown on the page is used as an authenticator app would) or "verify" (a confirmed device).
    snap(page, name), if given, is called on the login page and the two-factor setup page.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from playwright.sync_api import expect

    contexts = []

    def login(user: User, *, two_factor: str | None = None, snap=None):
        context = chromium_browser.new_context(
            viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=False
        )
        context.set_default_timeout(15_000)
        traffic.watch(context)
        contexts.append(context)
        page = context.new_page()
        traffic.watch_page(page)
        page.goto(f"{live_server.url}/accounts/login/")
        expect_ui_text(page, "login_username")
        expect_ui_text(page, "login_password")
        expect_ui_text(page, "login_heading")
        site_name = zh(settings.PORTAL_SITE_NAME)
        expect(page.locator(".navbar-brand")).to_have_text(site_name)
        expect(page).to_have_title(re.compile(re.escape(f" · {site_name}") + "$"))
        if snap:
            snap(page, f"{user.username}-login")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        if two_factor == "setup":
            page.wait_for_url(re.compile(r"/accounts/2fa/setup/"))
            expect(page.get_by_test_id("otp-qr").locator("svg")).to_be_visible()
            if snap:
                snap(page, f"{user.username}-two-factor-setup")
            key = base64.b32decode(page.get_by_test_id("otp-secret").inner_text().strip())
        elif two_factor == "verify":
            page.wait_for_url(re.compile(r"/accounts/2fa/verify/"))
            key = TOTPDevice.objects.get(user=user, confirmed=True).bin_key
        if two_factor:
            page.fill("input[name=token]", totp_token(key))
            page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/cases/")
        return page

    yield login
    for context in contexts:
        context.close()


@pytest.fixture
def cast(transactional_db):
    """Two bureaus, a team each, an officer and a leader per team, and the categories: all via services."""
    sz = Bureau.objects.create(
        code="SZ-AMR",
        name_zh="深圳市市场监督管理局",
        name_en="Shenzhen Administration for Market Regulation",
        short_name="深圳",
        case_number_prefix="深市监协",
    )
    hz = Bureau.objects.create(
        code="HZ-AMR",
        name_zh="杭州市市场监督管理局",
        name_en="Hangzhou Administration for Market Regulation",
        short_name="杭州",
        case_number_prefix="杭市监协",
    )
    sz_team = portal_services.team_create(bureau=sz, name_zh="市场稽查局一队", name_en="Inspection team 1")
    hz_team = portal_services.team_create(bureau=hz, name_zh="综合行政执法队", name_en="Enforcement team")

    def person(username, team, role, display_name):
        user = User.objects.create_user(
            username, f"{username}@example.gov.cn", PASSWORD, display_name=display_name
        )
        return portal_services.user_set_position(user=user, team=team, role=role)

    categories = [
        Category.objects.create(code=code, name_zh=name_zh, name_en=name_en, position=position)
        for position, (code, name_zh, name_en) in enumerate(
            [
                ("live-commerce", "直播电商", "Live-streaming commerce"),
                ("e-commerce", "电子商务", "E-commerce"),
                ("food-safety", "食品安全", "Food safety"),
            ]
        )
    ]
    hz_leader = person("hz_leader", hz_team, User.Role.LEADER, "赵磊（杭州队长）")
    # Hangzhou's leader set up an authenticator earlier (confirmed with the previous window's code, so
    # the current window's code is still unused at login); Shenzhen's leader sets one up in the journey.
    device = portal_services.two_factor_device_for_setup(user=hz_leader)
    assert portal_services.two_factor_confirm(
        user=hz_leader, device=device, token=totp_token(device.bin_key, steps_back=1)
    )
    return {
        "sz": sz,
        "hz": hz,
        "sz_team": sz_team,
        "hz_team": hz_team,
        "sz_officer": person("sz_officer", sz_team, User.Role.OFFICER, "李明（深圳）"),
        "sz_leader": person("sz_leader", sz_team, User.Role.LEADER, "王强（深圳队长）"),
        "hz_officer": person("hz_officer", hz_team, User.Role.OFFICER, "陈静（杭州）"),
        "hz_leader": hz_leader,
        "categories": categories,
    }
