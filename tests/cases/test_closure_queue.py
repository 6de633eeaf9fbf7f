"""A case waiting for closure sits in the lead team leader's queue, and only there."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import JointCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def closure_pending(joint_case, sz_officer):
    return services.case_request_closure(case=joint_case, actor=sz_officer)


def test_the_lead_leader_finds_the_closure_in_the_queue_and_the_navigation_count(
    closure_pending, sz_leader_client
):
    page = sz_leader_client.get(reverse("collaboration:queue"))
    assert [case.pk for case in page.context["closures"]] == [closure_pending.pk]
    assert page.context["nav_queue_count"] == 1
    assert closure_pending.title in page.content.decode()


def test_the_partner_leader_and_other_teams_do_not(closure_pending, hz_leader_client, sz_leader2_client):
    for client in (hz_leader_client, sz_leader2_client):
        page = client.get(reverse("collaboration:queue"))
        assert list(page.context["closures"]) == [] and page.context["nav_queue_count"] == 0


def test_once_decided_the_closure_leaves_the_queue(closure_pending, sz_leader, sz_leader_client):
    services.case_approve_closure(case=closure_pending, actor=sz_leader)
    assert JointCase.objects.get(pk=closure_pending.pk).status == JointCase.Status.CLOSED
    assert list(sz_leader_client.get(reverse("collaboration:queue")).context["closures"]) == []
