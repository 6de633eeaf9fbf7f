"""cases/permissions.py: who sees a case, and that taking someone off the case or the team takes it away."""

import pytest
from django.urls import reverse

from cases import services
from cases.permissions import visible_cases
from collaboration import services as request_services
from portal.exceptions import WorkflowError
from portal.models import User
from portal.services import user_set_position

pytestmark = pytest.mark.django_db

SEES_THE_CASE = {"sz_officer", "sz_leader", "sz_auditor", "hz_leader", "hz_auditor"}


def test_the_case_is_seen_by_its_team_the_participating_leaders_and_auditors_only(cast, joint_case):
    seeing = {name for name in vars(cast) if isinstance(getattr(cast, name), User)}
    seeing = {name for name in seeing if visible_cases(getattr(cast, name)).filter(pk=joint_case.pk).exists()}
    assert seeing == SEES_THE_CASE


def test_an_inactive_user_sees_nothing(sz_officer, joint_case):
    sz_officer.is_active = False
    sz_officer.save()
    assert not visible_cases(sz_officer).exists()


def test_a_removed_member_gets_404_at_the_next_request(joint_case, sz_officer, sz_officer2, login_as):
    services.member_add(case=joint_case, user=sz_officer2, actor=sz_officer)
    client = login_as(sz_officer2)
    url = reverse("cases:detail", args=[joint_case.pk])
    assert client.get(url).status_code == 200

    services.member_remove(case=joint_case, user=sz_officer2, actor=sz_officer)

    assert client.get(url).status_code == 404


def test_the_assignee_of_an_unfinished_request_cannot_be_removed(accepted_request, sz_officer):
    with pytest.raises(WorkflowError, match="unfinished request"):
        services.member_remove(case=accepted_request.case, user=accepted_request.assignee, actor=sz_officer)
    assert accepted_request.case.members.filter(user=accepted_request.assignee).exists()


def test_a_removed_assignee_loses_the_finished_request_too(answered_request, sz_officer, hz_officer_client):
    request_services.request_complete(request=answered_request, actor=sz_officer)
    url = reverse("collaboration:request_detail", args=[answered_request.pk])
    assert hz_officer_client.get(url).status_code == 200

    services.member_remove(case=answered_request.case, user=answered_request.assignee, actor=sz_officer)

    assert hz_officer_client.get(url).status_code == 404


def test_a_leader_moved_to_another_team_loses_the_case(cast, joint_case, sz_leader, sz_leader_client):
    url = reverse("cases:detail", args=[joint_case.pk])
    assert sz_leader_client.get(url).status_code == 200

    user_set_position(user=sz_leader, team=cast.sz_team2, role=User.Role.LEADER)

    assert sz_leader_client.get(url).status_code == 404
    assert not visible_cases(sz_leader).filter(pk=joint_case.pk).exists()


def test_a_leader_made_officer_loses_the_case(cast, joint_case, sz_leader):
    user_set_position(user=sz_leader, team=cast.sz_team, role=User.Role.OFFICER)
    assert not visible_cases(sz_leader).filter(pk=joint_case.pk).exists()


def test_a_leader_joining_a_participating_team_gains_the_case(cast, joint_case, sz_leader2):
    user_set_position(user=sz_leader2, team=cast.sz_team, role=User.Role.LEADER)
    assert visible_cases(sz_leader2).filter(pk=joint_case.pk).exists()


def test_an_auditor_moved_to_another_bureau_loses_the_case(cast, joint_case, sz_auditor):
    sz_auditor.bureau = cast.gz
    sz_auditor.save()
    assert not visible_cases(sz_auditor).filter(pk=joint_case.pk).exists()
