"""Bulk rows for tests that need many of them (query counts), written with bulk_create.

The workflow tests build their few rows through the real services (see conftest.py); these factories
are for volume only. The rows they write are the ones the services would write: participants, case
team and guardian rows included, so that the access policy sees them exactly as it sees real cases.
"""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from cases.models import (
    CaseGroupObjectPermission,
    CaseMember,
    CaseParticipant,
    CaseUserObjectPermission,
    JointCase,
)
from cases.permissions import view_permission
from cases.services import format_case_number
from collaboration.models import AssistanceRequest, RequestType
from portal import workdays


class JointCaseFactory(DjangoModelFactory):
    class Meta:
        model = JointCase

    title = factory.Sequence(lambda n: f"批量案件 {n}")
    summary = "用于查询次数测试的案件。"
    status = JointCase.Status.OPEN
    lead_bureau = factory.LazyAttribute(lambda case: case.created_by.bureau)
    opened_at = factory.LazyFunction(timezone.now)


class AssistanceRequestFactory(DjangoModelFactory):
    class Meta:
        model = AssistanceRequest

    request_type = RequestType.INFORMATION_VERIFICATION
    title = factory.Sequence(lambda n: f"批量协查 {n}")
    items = "核查账号实名信息。"
    requesting_bureau = factory.LazyAttribute(lambda r: r.requesting_team.bureau)
    requested_bureau = factory.LazyAttribute(lambda r: r.requested_team.bureau)
    time_limit_days = 15


def bulk_cases(count: int, *, creator, partner_team, category) -> list[JointCase]:
    """`count` open, numbered cases led by the creator's team with one partner team, as case_create would
    leave them: both teams take part, the creator is on the case team, both teams' leaders see them."""
    year = timezone.localdate().year
    start = (
        JointCase.objects.filter(lead_bureau=creator.bureau, number_year=year).order_by("-number_seq").first()
    )
    first_seq = (start.number_seq if start else 0) + 1
    cases = []
    for seq in range(first_seq, first_seq + count):
        case = JointCaseFactory.build(created_by=creator, category=category)
        case.number_year, case.number_seq = year, seq
        case.number = format_case_number(creator.bureau, year, seq)
        cases.append(case)
    cases = JointCase.objects.bulk_create(cases)

    view = view_permission()
    teams = [creator.team, partner_team]
    CaseParticipant.objects.bulk_create(
        CaseParticipant(case=case, bureau_id=team.bureau_id, team=team) for case in cases for team in teams
    )
    CaseMember.objects.bulk_create(CaseMember(case=case, user=creator, added_by=creator) for case in cases)
    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(user=creator, permission=view, content_object=case) for case in cases
    )
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(group=team.leaders_group, permission=view, content_object=case)
        for case in cases
        for team in teams
    )
    return cases


def bulk_requests(cases, *, status, created_by, from_team, to_team, assignee=None) -> list[AssistanceRequest]:
    """One request per case from `from_team` to `to_team`, already in `status`."""
    now = timezone.now()
    sent = status not in (AssistanceRequest.Status.DRAFT, AssistanceRequest.Status.AWAITING_APPROVAL)
    due = workdays.add_working_days(timezone.localdate(), 15) if sent else None
    requests = [
        AssistanceRequestFactory.build(
            case=case,
            status=status,
            created_by=created_by,
            requesting_team=from_team,
            requested_team=to_team,
            assignee=assignee,
            submitted_at=now,
            sent_at=now if sent else None,
            due_date=due,
        )
        for case in cases
    ]
    return AssistanceRequest.objects.bulk_create(requests)
