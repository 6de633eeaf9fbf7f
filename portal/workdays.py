"""The mainland China working-day calendar, counted on the calendar tables.

The tables (portal.models.CalendarYear and CalendarDay) hold, per year, the days that are not what
Monday–Friday says: statutory holidays and the weekend make-up working days (调休). They are seeded from
the maintained `chinesecalendar` package (portal.services.calendar_seed_from_package, run after every
migrate) and editable by administrators. A year without a row falls back to Monday–Friday: nothing
crashes, and `is_provisional` tells callers (and administrators) that the year still needs entering.

As in Chinese administrative procedure, the day a period starts is not counted.

Reads are set-based: a WorkingCalendar loads the covered years and the exceptional days of a date range
in two queries and answers every question about that range without another one, so a page or a sweep
that counts for many rows costs the same as one that counts for one.
"""

import datetime
from collections.abc import Iterable

ONE_DAY = datetime.timedelta(days=1)
# Loading more than asked costs nothing noticeable (a year has about 35 exceptional days) and saves a
# second round trip when a count runs past the first estimate.
_MIN_SPAN = datetime.timedelta(days=120)


class WorkingCalendar:
    """Working days of a date range, read once; a question outside the range loads more."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.first, self.last = first, first - ONE_DAY
        self._covered: set[int] = set()
        self._exceptions: dict[datetime.date, bool] = {}
        self._extend_to(max(last, first))

    def _load(self, first: datetime.date, last: datetime.date) -> None:
        from .models import CalendarDay, CalendarYear

        self._covered.update(
            CalendarYear.objects.filter(year__gte=first.year, year__lte=last.year)
            .order_by()
            .values_list("year", flat=True)
        )
        self._exceptions.update(
            CalendarDay.objects.filter(date__gte=first, date__lte=last)
            .order_by()
            .values_list("date", "is_working_day")
        )

    def _extend_to(self, day: datetime.date) -> None:
        if day > self.last:
            last = max(day, self.last + _MIN_SPAN)
            self._load(self.last + ONE_DAY, last)
            self.last = last
        elif day < self.first:
            first = min(day, self.first - _MIN_SPAN)
            self._load(first, self.first - ONE_DAY)
            self.first = first

    def is_working_day(self, day: datetime.date) -> bool:
        self._extend_to(day)
        exception = self._exceptions.get(day)
        return exception if exception is not None else day.weekday() < 5

    def is_provisional(self, day: datetime.date) -> bool:
        """True when the day's year is not entered in the calendar and Monday–Friday is assumed."""
        self._extend_to(day)
        return day.year not in self._covered

    def uncovered_years(self, first: datetime.date, last: datetime.date) -> list[int]:
        self._extend_to(first)
        self._extend_to(last)
        return [year for year in range(first.year, last.year + 1) if year not in self._covered]

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The date `days` working days after `start`; `start` itself is not counted."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        remaining = days
        while remaining:
            day += ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
        if end < start:
            return -self.working_days_between(end, start)
        self._extend_to(start)
        self._extend_to(end)
        count = _weekdays_after(start, end)
        for day, working in self._exceptions.items():
            if start < day <= end and working != (day.weekday() < 5):
                count += 1 if working else -1
        return count


def _weekdays_after(start: datetime.date, end: datetime.date) -> int:
    """Monday–Friday days in (start, end], by arithmetic."""
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    weekday = start.weekday()
    for offset in range(1, rest + 1):
        if (weekday + offset) % 7 < 5:
            count += 1
    return count


def _span_for(days: int) -> datetime.timedelta:
    # Five working days a week, plus the longest holiday (about nine days): rarely too short.
    return datetime.timedelta(days=days * 7 // 5 + 14)


def calendar(first: datetime.date, last: datetime.date) -> WorkingCalendar:
    """A calendar loaded for [first, last] (two queries), for callers that ask many questions."""
    return WorkingCalendar(first, last)


def is_working_day(day: datetime.date) -> bool:
    return WorkingCalendar(day, day).is_working_day(day)


def is_provisional(day: datetime.date) -> bool:
    """True when the calendar has no data for the day's year and Monday–Friday is assumed."""
    return WorkingCalendar(day, day).is_provisional(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start`; `start` itself is not counted."""
    return WorkingCalendar(start, start + _span_for(days)).add_working_days(start, days)


def due_date(start: datetime.date, days: int) -> tuple[datetime.date, bool]:
    """The due date `days` working days after `start`, and whether it is provisional (one calendar read)."""
    working = WorkingCalendar(start, start + _span_for(days))
    due = working.add_working_days(start, days)
    return due, working.is_provisional(due)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
    return WorkingCalendar(min(start, end), max(start, end)).working_days_between(start, end)


def days_left(today: datetime.date, dues: Iterable[datetime.date | None]) -> list[int | None]:
    """Working days from today to each due date (negative: overdue by that many), with one calendar read."""
    dues = list(dues)
    known = [due for due in dues if due is not None]
    if not known:
        return [None] * len(dues)
    working = WorkingCalendar(min(today, *known), max(today, *known))
    return [None if due is None else working.working_days_between(today, due) for due in dues]
