"""API credentials: system clients of a bureau and personal tokens. Secrets are shown once and stored as a
hash, revocation is immediate, scopes hold, last use is visible, every call is audited, rates are limited."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from cases.permissions import visible_cases
from portal.exceptions import WorkflowError
from portal.models import ApiClient, AuditEvent, User
from portal.services import api_client_create, api_client_revoke, personal_token_create, user_set_position

pytestmark = pytest.mark.django_db


@pytest.fixture
def sz_admin(sz):
    user = User.objects.create_user("sz_admin", bureau=sz, email="sz_admin@x.cn")
    return user_set_position(user=user, team=None, role=User.Role.BUREAU_ADMIN)


@pytest.fixture
def hz_admin(hz):
    user = User.objects.create_user("hz_admin", bureau=hz, email="hz_admin@x.cn")
    return user_set_position(user=user, team=None, role=User.Role.BUREAU_ADMIN)


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_only_a_hash_of_the_secret_is_stored(sz_admin):
    client, token = api_client_create(actor=sz_admin, name="稽查云平台", scope="read")
    assert token.startswith(f"jep_{client.prefix}_") and len(token) > 50
    assert client.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiClient.objects.filter(pk=client.pk).values().get())


def test_a_read_client_reads_every_case_of_its_bureau_as_an_auditor_and_writes_nothing(
    sz_admin, joint_case, draft_case
):
    client, token = api_client_create(actor=sz_admin, name="稽查云平台", scope="read")
    assert client.user.role == User.Role.AUDITOR and client.user.bureau_id == sz_admin.bureau_id
    assert not client.user.has_usable_password()
    api = bearer(token)
    listed = api.get(reverse("api:case-list")).json()
    assert {row["id"] for row in listed["results"]} == set(
        visible_cases(client.user).values_list("pk", flat=True)
    )
    assert joint_case.pk in {row["id"] for row in listed["results"]}
    refused = api.post(reverse("api:case-open", args=[draft_case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403 and "read" in refused.json()["detail"]


def test_a_write_client_acts_as_an_officer_of_the_chosen_team(sz_admin, sz_team, hz_team, category):
    client, token = api_client_create(actor=sz_admin, name="稽查云平台", scope="write", team=sz_team)
    assert (client.user.role, client.user.team) == (User.Role.OFFICER, sz_team)
    response = bearer(token).post(
        reverse("api:case-list"),
        {"title": "系统推送的案件", "summary": "…", "category": category.code, "partner_teams": [hz_team.pk]},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["allowed"]["manage"] is True


def test_clients_are_managed_by_their_bureaus_administrators_only(sz_admin, hz_admin, hz_team, sz_officer):
    with pytest.raises(PermissionDenied):
        api_client_create(actor=sz_officer, name="x", scope="read")
    with pytest.raises(WorkflowError):
        api_client_create(actor=sz_admin, name="x", scope="write", team=hz_team)  # another bureau's team
    client, _token = api_client_create(actor=sz_admin, name="x", scope="read")
    with pytest.raises(PermissionDenied):
        api_client_revoke(actor=hz_admin, client=client)


def test_revoking_refuses_the_next_call_and_deactivates_the_service_account(sz_admin):
    client, token = api_client_create(actor=sz_admin, name="稽查云平台", scope="read")
    api = bearer(token)
    assert api.get(reverse("api:me")).status_code == 200
    api_client_revoke(actor=sz_admin, client=client)
    assert api.get(reverse("api:me")).status_code == 401
    client.user.refresh_from_db()
    assert not client.user.is_active


def test_bad_tokens_are_refused(sz_officer):
    _client, token = personal_token_create(actor=sz_officer, name="script", scope="read")
    for header in (
        f"Bearer {token}x",
        f"Bearer {token[:-1]}",
        "Bearer jep_nothing_here",
        "Bearer a b",
        "Bearer",
    ):
        assert Client(HTTP_AUTHORIZATION=header).get(reverse("api:me")).status_code == 401, header
    assert Client().get(reverse("api:me"))["WWW-Authenticate"] == "Bearer"


def test_a_personal_token_acts_as_its_person_and_dies_with_the_account(sz_officer, joint_case):
    _client, token = personal_token_create(actor=sz_officer, name="script", scope="read")
    api = bearer(token)
    me = api.get(reverse("api:me")).json()
    assert me["username"] == "sz_officer" and me["client"] == {
        "name": "script",
        "kind": "personal",
        "scope": "read",
    }
    User.objects.filter(pk=sz_officer.pk).update(is_active=False)
    assert api.get(reverse("api:me")).status_code == 401


def test_every_token_call_is_audited_and_last_use_recorded(sz_officer, joint_case):
    client, token = personal_token_create(actor=sz_officer, name="script", scope="read")
    assert client.last_used_at is None
    bearer(token).get(reverse("api:case-detail", args=[joint_case.pk]), REMOTE_ADDR="10.1.2.3")
    calls = AuditEvent.objects.filter(action="api.call", actor=sz_officer)
    assert calls.count() == 1
    call = calls.get()
    assert call.detail["client"] == client.pk and call.detail["path"].endswith(f"/cases/{joint_case.pk}/")
    assert call.ip_address == "10.1.2.3"
    assert AuditEvent.objects.filter(action="case.view", actor=sz_officer, case_id=joint_case.pk).exists()
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_calls_are_rate_limited_per_client(settings, sz_officer, sz_leader):
    settings.PORTAL_API_RATE = "3/min"
    first = bearer(personal_token_create(actor=sz_officer, name="a", scope="read")[1])
    second = bearer(personal_token_create(actor=sz_leader, name="b", scope="read")[1])
    assert [first.get(reverse("api:me")).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get(reverse("api:me")).status_code == 200, "another client has its own budget"


def test_the_browser_session_works_with_csrf(sz_officer, joint_case):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sz_officer)
    assert browser.get(reverse("api:case-detail", args=[joint_case.pk])).status_code == 200
    assert browser.post(reverse("api:notification-read-all")).status_code == 403  # no CSRF token


def test_the_token_page_shows_the_secret_once(sz_officer_client, sz_officer):
    response = sz_officer_client.post(reverse("tokens"), {"name": "我的脚本", "scope": "write"})
    token = ApiClient.objects.get(user=sz_officer, kind="personal")
    shown = response.content.decode()
    assert f"jep_{token.prefix}_" in shown and response["Cache-Control"].startswith("max-age=0")
    secret = shown.split(f"jep_{token.prefix}_", 1)[1].split("<", 1)[0]
    assert token.secret_hash == hashlib.sha256(f"jep_{token.prefix}_{secret}".encode()).hexdigest()
    assert secret not in sz_officer_client.get(reverse("tokens")).content.decode()
    sz_officer_client.post(reverse("token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_client_page_registers_and_lists_the_bureaus_clients_only(sz_admin, hz_admin, login_as, sz_team):
    page = login_as(sz_admin)
    response = page.post(reverse("api_clients"), {"name": "稽查云平台", "scope": "write", "team": sz_team.pk})
    assert response.status_code == 200 and "jep_" in response.content.decode()
    api_client_create(actor=hz_admin, name="智慧网监", scope="read")
    listing = page.get(reverse("api_clients")).content.decode()
    assert "稽查云平台" in listing and "智慧网监" not in listing
    hz_client = ApiClient.objects.get(name="智慧网监")
    assert page.post(reverse("api_client_revoke", args=[hz_client.pk])).status_code == 404
