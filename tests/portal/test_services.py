"""portal/services.py: teams and their leaders' groups, notifications and their emails."""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from portal.models import Notification, User
from portal.services import notify, team_create, user_set_position

pytestmark = pytest.mark.django_db


def test_each_team_gets_its_own_leaders_group(sz):
    first = team_create(bureau=sz, name_zh="网监科")
    second = team_create(bureau=sz, name_zh="价监科")
    assert first.leaders_group != second.leaders_group
    assert first.leaders_group.name == "team-leaders:SZ-AMR:网监科"


def test_a_leader_is_in_the_leaders_group_of_their_team_only(cast, sz_leader):
    assert list(sz_leader.groups.all()) == [cast.sz_team.leaders_group]

    user_set_position(user=sz_leader, team=cast.sz_team2, role=User.Role.LEADER)

    assert list(sz_leader.groups.all()) == [cast.sz_team2.leaders_group]
    assert (sz_leader.team, sz_leader.bureau) == (cast.sz_team2, cast.sz)


def test_a_leader_made_officer_leaves_the_leaders_group_but_keeps_other_groups(cast, sz_leader):
    other = Group.objects.create(name="newsletter")
    sz_leader.groups.add(other)

    user_set_position(user=sz_leader, team=cast.sz_team, role=User.Role.OFFICER)

    assert list(sz_leader.groups.all()) == [other]


def test_moving_to_a_team_of_another_bureau_moves_the_bureau_too(cast, sz_officer2):
    user_set_position(user=sz_officer2, team=cast.gz_team, role=User.Role.OFFICER)
    sz_officer2.refresh_from_db()
    assert sz_officer2.bureau == cast.gz


def test_notify_skips_duplicates_nobody_and_inactive_users(sz_officer, hz_officer, hz_officer2):
    hz_officer2.is_active = False
    hz_officer2.save()

    created = notify(
        recipients=[sz_officer, None, sz_officer, hz_officer, hz_officer2],
        kind="request_answered",
        params={},
        url="/x",
    )

    assert sorted(n.recipient.username for n in created) == ["hz_officer", "sz_officer"]
    assert Notification.objects.count() == 2


def test_notification_emails_go_out_only_after_the_commit(
    sz_officer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(
            recipients=[sz_officer], kind="request_answered", params={"request": "调档"}, url="/requests/1/"
        )
        assert mailoutbox == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["sz_officer@example.gov.cn"]
    assert Notification.objects.get().email_status == Notification.EmailStatus.SENT


def test_a_rolled_back_event_leaves_neither_notification_nor_email(
    sz_officer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(recipients=[sz_officer], kind="request_answered", params={}, url="/x")
            raise RuntimeError("the event failed")

    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mailoutbox == []
