"""Bureau administrators manage the accounts of their own bureau, and only those."""

import pytest
from django.urls import reverse

from portal.models import AuditEvent, User
from portal.services import user_set_position

pytestmark = pytest.mark.django_db


@pytest.fixture
def sz_admin(cast):
    admin = User.objects.create_user("sz_admin", password="x", bureau=cast.sz, email="a@x.cn", language="en")
    return user_set_position(user=admin, team=None, role=User.Role.BUREAU_ADMIN)


@pytest.fixture
def sz_admin_client(sz_admin, login_as):
    return login_as(sz_admin)


def test_admin_lists_own_bureau_only(sz_admin_client):
    page = sz_admin_client.get(reverse("accounts")).content.decode()
    assert "sz_officer" in page and "hz_officer" not in page and "gz_leader" not in page


def test_officers_leaders_and_auditors_cannot_manage_accounts(
    sz_officer_client, sz_leader_client, sz_auditor_client
):
    for client in (sz_officer_client, sz_leader_client, sz_auditor_client):
        assert client.get(reverse("accounts")).status_code == 403
        assert client.get(reverse("account_create")).status_code == 403


def test_another_bureaus_account_is_404(sz_admin_client, hz_officer):
    assert sz_admin_client.get(reverse("account_edit", args=[hz_officer.pk])).status_code == 404
    response = sz_admin_client.post(
        reverse("account_edit", args=[hz_officer.pk]),
        {"display_name": "x", "email": "x@x.cn", "role": "officer", "language": "en"},
    )
    assert response.status_code == 404
    hz_officer.refresh_from_db()
    assert hz_officer.is_active and hz_officer.display_name == "hz_officer"


def test_admin_creates_an_officer_in_own_team_with_a_strong_password(sz_admin_client, sz_team):
    form = {
        "username": "new_officer",
        "display_name": "新办案人员",
        "email": "n@x.cn",
        "role": "officer",
        "team": sz_team.pk,
        "language": "zh-hans",
        "password": "weak",
    }
    assert sz_admin_client.post(reverse("account_create"), form).status_code == 200
    assert not User.objects.filter(username="new_officer").exists()
    form["password"] = "Str0ng-Enough-Pass"
    assert sz_admin_client.post(reverse("account_create"), form).status_code == 302
    created = User.objects.get(username="new_officer")
    assert (
        created.bureau == sz_team.bureau
        and created.team == sz_team
        and created.check_password("Str0ng-Enough-Pass")
    )
    assert AuditEvent.objects.filter(action="account.create", object_id=str(created.pk)).exists()


def test_admin_cannot_put_someone_in_another_bureaus_team(sz_admin_client, hz_team):
    form = {
        "username": "spy",
        "display_name": "x",
        "email": "s@x.cn",
        "role": "officer",
        "team": hz_team.pk,
        "language": "en",
        "password": "Str0ng-Enough-Pass",
    }
    response = sz_admin_client.post(reverse("account_create"), form)
    assert response.status_code == 200 and not User.objects.filter(username="spy").exists()


def test_deactivating_a_user_logs_them_out_and_is_audited(
    sz_admin_client, sz_officer, sz_officer_client, sz_team
):
    assert sz_officer_client.get("/cases/").status_code == 200
    form = {"display_name": "x", "email": "o@x.cn", "role": "officer", "team": sz_team.pk, "language": "en"}
    assert sz_admin_client.post(reverse("account_edit", args=[sz_officer.pk]), form).status_code == 302
    sz_officer.refresh_from_db()
    assert not sz_officer.is_active
    assert sz_officer_client.get("/cases/")["Location"].startswith("/accounts/login/")
    event = AuditEvent.objects.get(action="account.update", object_id=str(sz_officer.pk))
    assert event.detail == {"is_active": [True, False]}


def test_demoting_a_leader_takes_the_teams_cases_away_at_once(
    sz_admin_client, sz_leader, joint_case, sz_team
):
    from cases.permissions import visible_cases

    assert visible_cases(sz_leader).filter(pk=joint_case.pk).exists()
    form = {
        "display_name": "x",
        "email": "l@x.cn",
        "role": "officer",
        "team": sz_team.pk,
        "language": "en",
        "is_active": "on",
    }
    assert sz_admin_client.post(reverse("account_edit", args=[sz_leader.pk]), form).status_code == 302
    assert not visible_cases(User.objects.get(pk=sz_leader.pk)).filter(pk=joint_case.pk).exists()


def test_admin_cannot_deactivate_themselves(sz_admin_client, sz_admin):
    form = {"display_name": "x", "email": "a@x.cn", "role": "bureau_admin", "language": "en"}
    response = sz_admin_client.post(reverse("account_edit", args=[sz_admin.pk]), form, follow=True)
    assert "cannot deactivate your own account" in response.content.decode()
    sz_admin.refresh_from_db()
    assert sz_admin.is_active


def test_admin_lifts_a_lockout(sz_admin_client, sz_officer, settings):
    from django.test import Client

    sz_officer.set_password("Correct-Horse-9")
    sz_officer.save()
    attacker = Client(REMOTE_ADDR="203.0.113.50")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/accounts/login/", {"username": "sz_officer", "password": "wrong"})
    assert (
        attacker.post(
            "/accounts/login/", {"username": "sz_officer", "password": "Correct-Horse-9"}
        ).status_code
        == 429
    )
    sz_admin_client.post(reverse("account_action", args=[sz_officer.pk, "unlock"]))
    assert (
        attacker.post(
            "/accounts/login/", {"username": "sz_officer", "password": "Correct-Horse-9"}
        ).status_code
        == 302
    )
    assert AuditEvent.objects.filter(action="account.unlock", object_id=str(sz_officer.pk)).exists()


def test_admin_resets_a_lost_authenticator(sz_admin_client, sz_leader):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=sz_leader, name="phone", confirmed=True)
    sz_admin_client.post(reverse("account_action", args=[sz_leader.pk, "reset_2fa"]))
    assert not TOTPDevice.objects.filter(user=sz_leader).exists()
    assert AuditEvent.objects.filter(action="account.reset_2fa", object_id=str(sz_leader.pk)).exists()


def test_admin_sets_a_new_password_that_passes_the_rules(sz_admin_client, sz_officer):
    url = reverse("account_password", args=[sz_officer.pk])
    assert sz_admin_client.post(url, {"new_password1": "short", "new_password2": "short"}).status_code == 200
    response = sz_admin_client.post(
        url, {"new_password1": "Str0ng-Enough-Pass", "new_password2": "Str0ng-Enough-Pass"}
    )
    assert response.status_code == 302
    sz_officer.refresh_from_db()
    assert sz_officer.check_password("Str0ng-Enough-Pass")


def test_account_actions_on_another_bureau_are_404_and_for_officers_403(
    sz_admin_client, sz_officer_client, hz_officer
):
    assert sz_admin_client.post(reverse("account_action", args=[hz_officer.pk, "unlock"])).status_code == 404
    assert sz_admin_client.get(reverse("account_password", args=[hz_officer.pk])).status_code == 404
    assert (
        sz_officer_client.post(reverse("account_action", args=[hz_officer.pk, "unlock"])).status_code == 403
    )


def test_everyone_changes_their_own_password(sz_officer, login_as):
    sz_officer.set_password("Old-Password-1")
    sz_officer.save()
    client = login_as(sz_officer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "Old-Password-1",
            "new_password1": "New-Password-22",
            "new_password2": "New-Password-22",
        },
    )
    assert response.status_code == 302
    sz_officer.refresh_from_db()
    assert sz_officer.check_password("New-Password-22")
    assert AuditEvent.objects.filter(action="auth.password_change", actor=sz_officer).exists()
