"""Two leaders approving the same request at the same moment: exactly one wins (PostgreSQL row locks)."""

import time

import pytest

from collaboration import services
from collaboration.models import AssistanceRequest
from portal.exceptions import WorkflowError
from portal.models import User
from portal.services import user_set_position
from tests.helpers import timeline_kinds

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def second_sz_leader(cast):
    """Another leader of the requesting team, so that two people may legitimately approve."""
    user = User.objects.create_user("sz_leader_deputy", language="en")
    return user_set_position(user=user, team=cast.sz_team, role=User.Role.LEADER)


def test_two_simultaneous_approvals_send_the_request_once(
    require_postgres, run_concurrently, monkeypatch, submitted_request, sz_leader, second_sz_leader
):
    # Widen the window between the state check and the commit, so that without the row lock both
    # approvals would pass the check and both would "win".
    add_working_days = services.workdays.add_working_days

    def slow_add_working_days(*args, **kwargs):
        time.sleep(0.3)
        return add_working_days(*args, **kwargs)

    monkeypatch.setattr(services.workdays, "add_working_days", slow_add_working_days)

    def approve_as(leader):
        def approve():
            fresh = AssistanceRequest.objects.get(pk=submitted_request.pk)
            return services.request_approve(request=fresh, actor=leader)

        return approve

    outcomes = run_concurrently(approve_as(sz_leader), approve_as(second_sz_leader))

    results = sorted(outcome for outcome, _ in outcomes)
    assert results == ["error", "ok"], outcomes
    error = next(value for outcome, value in outcomes if outcome == "error")
    assert isinstance(error, WorkflowError), repr(error)
    winner = next(value for outcome, value in outcomes if outcome == "ok")

    submitted_request.refresh_from_db()
    assert submitted_request.status == AssistanceRequest.Status.SENT
    assert submitted_request.approved_by == winner.approved_by
    assert timeline_kinds(submitted_request.case).count("request_approved") == 1
