"""The mainland China working-day calendar.

Seeded from the maintained `chinesecalendar` package (statutory holidays and the weekend make-up
working days, 调休). A year the package does not cover falls back to Monday–Friday: nothing crashes,
and `is_provisional` tells callers (and administrators) that the year still needs entering.
As in Chinese administrative procedure, the day a period starts is not counted.
"""

import datetime

import chinese_calendar


def is_provisional(day: datetime.date) -> bool:
    """True when the calendar has no data for the day's year and Monday–Friday is assumed."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return True
    return False


def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start`; `start` itself is not counted."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
