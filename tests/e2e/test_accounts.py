"""Account protection in the browser: the lockout after repeated failed logins, and a wrong one-time code."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, VIEWPORT, totp_token

pytestmark = pytest.mark.e2e


def new_page(chromium_browser, traffic):
    context = chromium_browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    traffic.watch(context)
    page = context.new_page()
    traffic.watch_page(page)
    return context, page


def submit_login(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()


def test_repeated_wrong_passwords_lock_the_login_with_a_message_in_chinese(
    cast, chromium_browser, live_server, traffic, artifacts
):
    context, page = new_page(chromium_browser, traffic)
    try:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            submit_login(page, live_server, "sz_officer", "wrong-password")
            expect(
                page.locator("main form .alert-danger, main form .invalid-feedback, main .alert")
            ).not_to_have_count(0)
        submit_login(page, live_server, "sz_officer", "wrong-password")
        locked = page.get_by_test_id("locked-out")
        expect(locked).to_be_visible()
        expect(locked).to_contain_text("登录已锁定")
        page.screenshot(path=str(artifacts / "lockout.png"), full_page=True)
        submit_login(page, live_server, "sz_officer", PASSWORD)  # even the right password, from this address
        expect(page.get_by_test_id("locked-out")).to_be_visible()
        assert "/cases/" not in page.url
    finally:
        context.close()


def test_a_wrong_one_time_code_keeps_the_leader_out_and_the_right_one_lets_them_in(
    cast, chromium_browser, live_server, traffic, artifacts
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=cast["hz_leader"], confirmed=True)
    context, page = new_page(chromium_browser, traffic)
    try:
        submit_login(page, live_server, "hz_leader", PASSWORD)
        page.wait_for_url(re.compile(r"/accounts/2fa/verify/"))
        expect(page.locator(".navbar-nav")).to_have_count(0)  # nothing of the portal before the second factor
        right = totp_token(device.bin_key)
        page.fill("input[name=token]", "000000" if right != "000000" else "111111")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("main")).to_contain_text("验证码不正确")
        page.screenshot(path=str(artifacts / "two-factor-wrong-code.png"), full_page=True)
        page.goto(f"{live_server.url}/cases/")
        page.wait_for_url(re.compile(r"/accounts/2fa/verify/"))  # still not in
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=None, throttling_failure_count=0
        )
        page.fill("input[name=token]", right)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/cases/")
        expect(page.locator(".navbar-nav")).to_be_visible()
    finally:
        context.close()
