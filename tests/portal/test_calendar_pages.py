"""The working-day calendar pages: everyone reads it, administrators enter a year, and administrators
are asked by a banner to enter a year that a deadline needs."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from collaboration.models import AssistanceRequest
from portal import workdays
from portal.models import AuditEvent, CalendarDay, CalendarYear, User
from portal.services import user_set_position

pytestmark = pytest.mark.django_db


@pytest.fixture
def sz_admin(cast):
    admin = User.objects.create_user(
        "sz_admin", bureau=cast.sz, email="sz_admin@example.gov.cn", language="en"
    )
    return user_set_position(user=admin, team=None, role=User.Role.BUREAU_ADMIN)


@pytest.fixture
def sz_admin_client(sz_admin, login_as):
    return login_as(sz_admin)


def test_everyone_reads_the_holidays_and_make_up_days_of_a_year(sz_officer_client):
    page = sz_officer_client.get(reverse("working_calendar"), {"year": 2026}).content.decode()
    assert "2026-10-01" in page and "2026-10-10" in page  # National Day, its make-up Saturday
    assert "Correct this year" not in page


def test_an_administrator_enters_a_year_from_the_state_councils_notice(sz_admin_client, sz_admin):
    CalendarYear.objects.filter(year=2031).delete()
    response = sz_admin_client.post(
        reverse("working_calendar_edit", args=[2031]),
        {
            "holidays": "2031-01-01 元旦 | New Year's Day\n2031-01-22..2031-01-28 春节 | Spring Festival",
            "working_days": "2031-01-19 春节\n2031-02-08 春节",
        },
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2031).updated_by == sz_admin
    assert CalendarDay.objects.filter(year_id=2031, is_working_day=False).count() == 8
    assert workdays.is_working_day(datetime.date(2031, 1, 19))  # a Sunday made a working day
    assert not workdays.is_working_day(datetime.date(2031, 1, 27))
    assert AuditEvent.objects.filter(action="calendar.year_saved", actor=sz_admin).exists()
    # The page shows the year back as it was entered.
    form = sz_admin_client.get(reverse("working_calendar_edit", args=[2031])).context["form"]
    assert form["holidays"].value() == (
        "2031-01-01 元旦 | New Year's Day\n2031-01-22..2031-01-28 春节 | Spring Festival"
    )


@pytest.mark.parametrize(
    "holidays, error",
    [
        ("2031-13-01 假日", "write a date as"),
        ("2032-01-01 元旦", "Every date must fall in 2031"),
        ("2031-01-01", "followed by the name"),
        ("2031-01-01 元旦\n2031-01-01 元旦", "listed twice"),
    ],
)
def test_a_mistyped_year_is_refused_and_changes_nothing(sz_admin_client, holidays, error):
    before = CalendarDay.objects.count()
    response = sz_admin_client.post(
        reverse("working_calendar_edit", args=[2031]), {"holidays": holidays, "working_days": ""}, follow=True
    )
    assert error in response.content.decode()
    assert CalendarDay.objects.count() == before


def test_officers_cannot_edit_the_calendar(sz_officer_client):
    assert sz_officer_client.get(reverse("working_calendar_edit", args=[2031])).status_code == 403


def test_administrators_are_asked_to_enter_a_year_a_deadline_needs(
    sz_admin_client, sz_officer_client, accepted_request
):
    next_year = timezone.localdate().year + 1
    CalendarYear.objects.filter(year__gte=next_year).delete()
    AssistanceRequest.objects.filter(pk=accepted_request.pk).update(due_date=datetime.date(next_year, 1, 20))

    admin_page = sz_admin_client.get(reverse("cases:list")).content.decode()
    assert 'data-testid="calendar-banner"' in admin_page and str(next_year) in admin_page
    assert reverse("working_calendar_edit", args=[next_year]) in admin_page
    assert (
        'data-testid="calendar-banner"' not in sz_officer_client.get(reverse("cases:list")).content.decode()
    )


def test_no_banner_when_every_year_a_deadline_needs_is_entered(sz_admin_client):
    today = timezone.localdate()
    for year in range(today.year, today.year + 2):
        CalendarYear.objects.get_or_create(year=year)
    assert 'data-testid="calendar-banner"' not in sz_admin_client.get(reverse("cases:list")).content.decode()
