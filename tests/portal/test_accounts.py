"""Hardened accounts: lockout per user and address, two-factor login, session expiry, CSP, password rules."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-9"
LOGIN = "/accounts/login/"


@pytest.fixture
def officer(sz_officer):
    sz_officer.set_password(PASSWORD)
    sz_officer.save()
    return sz_officer


@pytest.fixture
def leader(sz_leader):
    sz_leader.set_password(PASSWORD)
    sz_leader.save()
    return sz_leader


def login(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def code_for(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wait_out_throttle(device) -> None:
    """As if the user waited: django-otp refuses any code for a moment after a wrong one."""
    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now() - timedelta(hours=1)
    device.save()


# --- lockout ------------------------------------------------------------------------------------


def test_five_failures_lock_the_user_from_that_address_only(officer, settings):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(attacker, "sz_officer", "wrong").status_code == 200
    assert login(attacker, "sz_officer", "wrong").status_code == 429  # the fifth failure locks
    locked = login(attacker, "sz_officer")  # even the right password
    assert locked.status_code == 429
    assert 'data-testid="locked-out"' in locked.content.decode()
    # The real user, elsewhere, still logs in: one address cannot lock a user out of the whole portal.
    assert login(Client(REMOTE_ADDR="198.51.100.1"), "sz_officer").status_code == 302


def test_lockout_of_one_user_does_not_lock_others_at_that_address(officer, leader, settings):
    shared_office = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(shared_office, "sz_officer", "wrong")
    assert login(shared_office, "sz_leader").status_code == 302


def test_behind_the_trusted_proxy_each_client_address_counts_separately(officer, settings):
    settings.PORTAL_TRUSTED_PROXIES = ["10.0.0.1"]
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(proxy, "sz_officer", "wrong", HTTP_X_REAL_IP="203.0.113.9")
    assert login(proxy, "sz_officer", HTTP_X_REAL_IP="203.0.113.9").status_code == 429
    assert login(proxy, "sz_officer", HTTP_X_REAL_IP="198.51.100.2").status_code == 302
    assert AuditEvent.objects.filter(action="auth.login", ip_address="198.51.100.2").exists()


def test_a_client_cannot_choose_its_address_with_a_header(officer, settings):
    settings.PORTAL_TRUSTED_PROXIES = ["10.0.0.1"]
    liar = Client(REMOTE_ADDR="203.0.113.10")
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(liar, "sz_officer", "wrong", HTTP_X_REAL_IP=f"192.0.2.{n}")
    assert login(liar, "sz_officer", HTTP_X_REAL_IP="192.0.2.200").status_code == 429
    assert set(
        AuditEvent.objects.filter(action="auth.login_failed").values_list("ip_address", flat=True)
    ) == {"203.0.113.10"}


# --- two-factor login ----------------------------------------------------------------------------


def test_leader_must_set_up_two_factor_before_anything_else(leader):
    client = Client()
    login(client, "sz_leader")
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_setup"))
    page = client.get(reverse("otp_setup")).content.decode()
    assert "<svg" in page  # the QR code is drawn by us, not fetched
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7=]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    assert secret.rstrip("=")  # shown for manual entry
    wrong = client.post(
        reverse("otp_setup"), {"token": "000000" if code_for(device) != "000000" else "111111"}
    )
    assert "not correct" in wrong.content.decode()
    wait_out_throttle(device)
    assert (
        client.post(reverse("otp_setup"), {"token": code_for(device), "next": "/cases/"}).status_code == 302
    )
    assert client.get(reverse("cases:list")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="auth.2fa_enabled", actor=leader).exists()


def test_user_with_a_device_must_enter_a_code_after_the_password(leader):
    device = TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    client = Client()
    login(client, "sz_leader")
    assert client.get("/cases/")["Location"].startswith(reverse("otp_verify"))
    bad = client.post(reverse("otp_verify"), {"token": "12345"})
    assert bad.status_code == 200 and client.get("/cases/").status_code == 302
    wait_out_throttle(device)
    ok = client.post(reverse("otp_verify"), {"token": code_for(device), "next": "/cases/"})
    assert ok.status_code == 302 and ok["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200


def test_repeated_wrong_codes_are_throttled(leader):
    device = TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    client = Client()
    login(client, "sz_leader")
    wrong = "000000" if code_for(device) != "000000" else "111111"
    for _ in range(3):
        client.post(reverse("otp_verify"), {"token": wrong})
    client.post(reverse("otp_verify"), {"token": code_for(device)})  # right code, but throttled now
    assert client.get("/cases/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.2fa_failed", actor=leader).count() >= 3


def test_officer_without_a_device_is_not_asked_for_a_code(officer):
    client = Client()
    login(client, "sz_officer")
    assert client.get("/cases/").status_code == 200
    assert client.get(reverse("otp_setup")).status_code == 200  # available to everyone


def test_next_parameter_cannot_send_the_user_off_site(leader):
    device = TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    client = Client()
    login(client, "sz_leader")
    response = client.post(
        reverse("otp_verify"), {"token": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


# --- sessions -----------------------------------------------------------------------------------


def _age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_idle_session_expires(officer, settings):
    client = Client()
    login(client, "sz_officer")
    _age_session(client, **{SESSION_SEEN_KEY: settings.PORTAL_SESSION_IDLE_SECONDS + 5})
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get("/cases/")["Location"].startswith(LOGIN)  # really logged out


def test_session_expires_absolutely_however_active(officer, settings):
    client = Client()
    login(client, "sz_officer")
    _age_session(
        client, **{SESSION_STARTED_KEY: settings.PORTAL_SESSION_ABSOLUTE_SECONDS + 5, SESSION_SEEN_KEY: 1}
    )
    assert client.get("/cases/")["Location"].startswith(LOGIN)


def test_active_session_goes_on(officer):
    client = Client()
    login(client, "sz_officer")
    _age_session(client, **{SESSION_SEEN_KEY: 120})
    assert client.get("/cases/").status_code == 200


def test_deactivated_account_is_logged_out_at_the_next_request(officer):
    client = Client()
    login(client, "sz_officer")
    assert client.get("/cases/").status_code == 200
    officer.is_active = False
    officer.save()
    assert client.get("/cases/")["Location"].startswith(LOGIN)


# --- headers and passwords ----------------------------------------------------------------------


def test_pages_carry_a_content_security_policy_without_inline_script():
    client = Client()
    response = client.get(LOGIN)
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    )


@pytest.mark.parametrize("password", ["alllowercase123", "ALLUPPER12345", "NoDigitsNoSymbols"])
def test_passwords_must_mix_character_classes(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_strong_password_passes():
    validate_password("Str0ng-Enough-Pass")
