"""Concurrent openings of different cases of one bureau: numbers stay unique and gap-free (PostgreSQL)."""

import time

import pytest
from django.utils import timezone

from cases import services
from cases.models import CaseNumberCounter, JointCase

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_numbering(monkeypatch):
    """Hold the counter lock a little longer, so that an unserialised read-modify-write would collide."""
    format_case_number = services.format_case_number

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return format_case_number(*args, **kwargs)

    monkeypatch.setattr(services, "format_case_number", slow)


@pytest.mark.parametrize(
    "counter_exists", [False, True], ids=["first-openings-of-the-year", "counter-exists"]
)
def test_two_simultaneous_openings_get_0001_and_0002(
    require_postgres, run_concurrently, slow_numbering, make_case, sz, sz_officer, sz_leader, counter_exists
):
    year = timezone.localdate().year
    if counter_exists:
        CaseNumberCounter.objects.create(bureau=sz, year=year, last_seq=0)
    first, second = make_case(opened=False), make_case(opened=False, actor=sz_leader)

    def open_as(case, actor):
        return lambda: services.case_open(case=JointCase.objects.get(pk=case.pk), actor=actor)

    outcomes = run_concurrently(open_as(first, sz_officer), open_as(second, sz_leader))

    assert [outcome for outcome, _ in outcomes] == ["ok", "ok"], outcomes
    numbers = sorted(JointCase.objects.filter(pk__in=[first.pk, second.pk]).values_list("number", flat=True))
    assert numbers == [f"深市监协〔{year}〕0001号", f"深市监协〔{year}〕0002号"]
    assert CaseNumberCounter.objects.get(bureau=sz, year=year).last_seq == 2
