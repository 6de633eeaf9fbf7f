"""portal/workdays.py: working days on the mainland China calendar, holidays and make-up days included.

The calendar is the table (portal.CalendarYear/CalendarDay), seeded from the chinesecalendar package
after migrate; 2027 is made uncovered explicitly, so the tests do not depend on the package's version.
"""

import datetime

import pytest

from portal import services, workdays
from portal.models import CalendarDay, CalendarYear, User
from portal.services import user_set_position

pytestmark = pytest.mark.django_db


@pytest.fixture
def sz_admin(cast):
    admin = User.objects.create_user(
        "sz_admin", bureau=cast.sz, email="sz_admin@example.gov.cn", language="en"
    )
    return user_set_position(user=admin, team=None, role=User.Role.BUREAU_ADMIN)


@pytest.fixture
def without_2027(db):
    """The calendar as it is before anyone entered 2027 (the package does not have it yet either)."""
    CalendarYear.objects.filter(year=2027).delete()


def d(iso: str) -> datetime.date:
    return datetime.date.fromisoformat(iso)


def working_days_after(start: datetime.date, count: int) -> list[datetime.date]:
    """The first `count` working days after `start`, one by one (an independent count to compare with)."""
    days, day = [], start
    while len(days) < count:
        day += datetime.timedelta(days=1)
        if workdays.is_working_day(day):
            days.append(day)
    return days


# --- the calendar itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, working",
    [
        ("2026-02-14", True),  # Saturday, make-up working day before the Spring Festival
        ("2026-02-15", False),  # Sunday, first day of the Spring Festival holiday
        ("2026-02-16", False),  # Monday, Spring Festival holiday
        ("2026-02-23", False),  # Monday, last day of the Spring Festival holiday
        ("2026-02-24", True),  # Tuesday, back to work
        ("2026-02-28", True),  # Saturday, make-up working day after the Spring Festival
        ("2026-09-20", True),  # Sunday, make-up working day before National Day
        ("2026-10-01", False),  # Thursday, National Day
        ("2026-10-07", False),  # Wednesday, last day of the National Day holiday
        ("2026-10-08", True),  # Thursday, back to work
        ("2026-10-10", True),  # Saturday, make-up working day after National Day
        ("2026-10-11", False),  # an ordinary Sunday
        ("2026-03-04", True),  # an ordinary Wednesday
    ],
)
def test_holidays_and_make_up_days_of_2026(day, working):
    assert workdays.is_working_day(d(day)) is working


def test_every_day_of_the_national_day_holiday_2026_is_off():
    assert not any(workdays.is_working_day(d(f"2026-10-0{n}")) for n in range(1, 8))


# --- counting ---------------------------------------------------------------------------------------


def test_fifteen_working_days_across_the_spring_festival_2026():
    # Sent on Tuesday 10 February: Wed–Fri, the make-up Saturday 14th, then nothing until Tue 24th,
    # Tue–Fri, the make-up Saturday 28th, and the week of 2 March ending on Monday 9 March.
    expected = [
        *(d(f"2026-02-{n}") for n in (11, 12, 13, 14, 24, 25, 26, 27, 28)),
        *(d(f"2026-03-0{n}") for n in (2, 3, 4, 5, 6, 9)),
    ]
    assert working_days_after(d("2026-02-10"), 15) == expected
    assert workdays.add_working_days(d("2026-02-10"), 15) == d("2026-03-09")


def test_fifteen_working_days_across_national_day_2026():
    # Sent on Monday 28 September: Tue 29, Wed 30, the holiday 1–7 October, Thu 8, Fri 9, the make-up
    # Saturday 10th, then 12–16 and 19–23 October.
    expected = [
        d("2026-09-29"),
        d("2026-09-30"),
        *(d(f"2026-10-{n:02d}") for n in (8, 9, 10, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23)),
    ]
    assert working_days_after(d("2026-09-28"), 15) == expected
    assert workdays.add_working_days(d("2026-09-28"), 15) == d("2026-10-23")


def test_a_make_up_sunday_counts_as_a_working_day():
    # Sent on Friday 18 September 2026: the next working day is the make-up Sunday the 20th.
    assert workdays.add_working_days(d("2026-09-18"), 1) == d("2026-09-20")


@pytest.mark.parametrize(
    "start, days, due",
    [
        ("2026-03-06", 1, "2026-03-09"),  # Friday: the start day is not counted, the weekend is skipped
        ("2026-03-04", 1, "2026-03-05"),  # Wednesday: the next day, not the same day
        ("2026-03-04", 0, "2026-03-04"),
        ("2026-02-15", 1, "2026-02-24"),  # sent during the holiday: the first working day after it
    ],
)
def test_the_day_a_period_starts_is_not_counted(start, days, due):
    assert workdays.add_working_days(d(start), days) == d(due)


def test_a_negative_period_is_a_programming_error():
    with pytest.raises(ValueError):
        workdays.add_working_days(d("2026-03-04"), -1)


@pytest.mark.parametrize(
    "start, end, count",
    [
        ("2026-02-10", "2026-03-09", 15),
        ("2026-09-28", "2026-10-23", 15),
        ("2026-03-04", "2026-03-04", 0),
        ("2026-03-09", "2026-03-06", -1),  # a due date already passed
    ],
)
def test_working_days_between_counts_what_add_working_days_adds(start, end, count):
    assert workdays.working_days_between(d(start), d(end)) == count


# --- a year the calendar does not know ------------------------------------------------------------


def test_a_year_without_calendar_data_falls_back_to_monday_to_friday(without_2027):
    # 2027 is not in the calendar package yet: 1 January 2027 is a Friday and counts as working,
    # 2 and 3 January (a weekend) do not.
    assert workdays.is_working_day(d("2027-01-01"))
    assert not workdays.is_working_day(d("2027-01-02"))
    assert workdays.add_working_days(d("2027-03-01"), 15) == d("2027-03-22")
    assert workdays.working_days_between(d("2027-03-01"), d("2027-03-22")) == 15


def test_dates_in_a_year_without_calendar_data_are_provisional(without_2027):
    assert workdays.is_provisional(d("2027-03-22"))
    assert not workdays.is_provisional(d("2026-10-23"))


def test_a_period_running_into_an_unknown_year_does_not_crash(without_2027):
    # Sent on Thursday 24 December 2026: 25, 28–31 December are known, January 2027 is Monday–Friday.
    due = workdays.add_working_days(d("2026-12-24"), 15)
    assert due == d("2027-01-14")
    assert workdays.is_provisional(due)


# --- the table: seeded, editable, read in a fixed number of queries --------------------------------


def test_the_table_is_seeded_from_the_package_after_migrate():
    assert CalendarYear.objects.filter(year=2026, source=CalendarYear.Source.PACKAGE).exists()
    spring = CalendarDay.objects.get(date=d("2026-02-16"))
    assert (spring.is_working_day, spring.name_zh, spring.name_en) == (False, "春节", "Spring Festival")
    assert CalendarDay.objects.get(date=d("2026-02-14")).is_working_day  # the make-up Saturday


def test_seeding_again_changes_nothing_and_never_overwrites_an_edited_year():
    CalendarDay.objects.filter(date=d("2026-02-14")).delete()  # an administrator's correction
    CalendarYear.objects.filter(year=2026).update(source=CalendarYear.Source.MANUAL)

    assert services.calendar_seed_from_package() == []
    assert not CalendarDay.objects.filter(date=d("2026-02-14")).exists()
    assert not workdays.is_working_day(d("2026-02-14"))  # now an ordinary Saturday


def test_a_missing_package_year_comes_back_at_the_next_seeding():
    CalendarYear.objects.filter(year=2025).delete()
    assert services.calendar_seed_from_package() == [2025]
    assert CalendarDay.objects.filter(year_id=2025).count() > 20


def test_an_administrator_can_add_a_holiday_and_counting_follows_the_table(sz_admin):
    days = [
        (day.date, day.is_working_day, day.name_zh, day.name_en)
        for day in CalendarDay.objects.filter(year_id=2026)
    ]
    services.calendar_year_save(
        actor=sz_admin, year=2026, days=[*days, (d("2026-03-05"), False, "临时假日", "Extra holiday")]
    )
    assert not workdays.is_working_day(d("2026-03-05"))
    assert workdays.add_working_days(d("2026-03-04"), 1) == d("2026-03-06")


def test_entering_2027_makes_its_dates_final(without_2027, sz_admin):
    assert workdays.is_provisional(d("2027-01-14"))
    services.calendar_year_save(
        actor=sz_admin, year=2027, days=[(d("2027-01-01"), False, "元旦", "New Year's Day")]
    )
    assert not workdays.is_provisional(d("2027-01-14"))
    assert not workdays.is_working_day(d("2027-01-01"))


@pytest.mark.parametrize("days", [1, 15, 90])
def test_counting_costs_two_queries_whatever_the_period(days, django_assert_num_queries):
    with django_assert_num_queries(2):
        workdays.add_working_days(d("2026-09-28"), days)
    with django_assert_num_queries(2):
        workdays.due_date(d("2026-09-28"), days)


def test_days_left_of_many_due_dates_is_one_calendar_read(django_assert_num_queries):
    dues = [d("2026-10-08"), None, d("2026-09-30"), d("2026-12-31"), d("2026-09-25")]
    with django_assert_num_queries(2):
        left = workdays.days_left(d("2026-09-29"), dues)
    # 25 September 2026 is the Mid-autumn holiday: overdue by Monday 28th and Tuesday 29th.
    assert left == [2, None, 1, workdays.working_days_between(d("2026-09-29"), d("2026-12-31")), -2]


def test_working_days_between_agrees_with_counting_day_by_day_over_two_years():
    start = d("2025-12-20")
    for offset in range(0, 400, 7):
        end = start + datetime.timedelta(days=offset)
        one_by_one = sum(
            workdays.is_working_day(start + datetime.timedelta(days=n)) for n in range(1, offset + 1)
        )
        assert workdays.working_days_between(start, end) == one_by_one
