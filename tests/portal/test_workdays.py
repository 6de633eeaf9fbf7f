"""portal/workdays.py: working days on the mainland China calendar, holidays and make-up days included."""

import datetime

import pytest

from portal import workdays


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


def test_a_year_without_calendar_data_falls_back_to_monday_to_friday():
    # 2027 is not in the calendar package yet: 1 January 2027 is a Friday and counts as working,
    # 2 and 3 January (a weekend) do not.
    assert workdays.is_working_day(d("2027-01-01"))
    assert not workdays.is_working_day(d("2027-01-02"))
    assert workdays.add_working_days(d("2027-03-01"), 15) == d("2027-03-22")
    assert workdays.working_days_between(d("2027-03-01"), d("2027-03-22")) == 15


def test_dates_in_a_year_without_calendar_data_are_provisional():
    assert workdays.is_provisional(d("2027-03-22"))
    assert not workdays.is_provisional(d("2026-10-23"))


def test_a_period_running_into_an_unknown_year_does_not_crash():
    # Sent on Thursday 24 December 2026: 25, 28–31 December are known, January 2027 is Monday–Friday.
    due = workdays.add_working_days(d("2026-12-24"), 15)
    assert due == d("2027-01-14")
    assert workdays.is_provisional(due)
