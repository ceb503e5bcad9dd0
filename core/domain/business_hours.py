"""Business hours: when the team works, and how much working time lies between two moments.

``BUSINESS_HOURS`` is written as comma-separated ranges, each a day or a span of days and one
or more times of day: ``Mon-Fri 09:00-18:00``, ``Mon-Fri 09:00-12:30 13:30-18:00, Sat
10:00-14:00``. A span may wrap round the week (``Fri-Mon``), ``24:00`` ends a range at
midnight, and ranges that overlap count once. A range that crosses midnight (``22:00-06:00``)
is refused with a way to write it (``Mon 22:00-24:00, Tue 00:00-06:00``), so every range
belongs to one day and a holiday removes exactly that day. ``HOLIDAYS`` are ISO dates
(``2026-12-25``), whole days without business time.

Times of day are read in the team's time zone, day by day, so a day on which clocks change
keeps its working hours on the wall clock: with ``Mon-Fri 09:00-18:00`` in Europe/Berlin the
working day is nine real hours on either side of a DST change, while ``00:00-24:00`` lasts 23
hours on the spring-forward Sunday and 25 on the fall-back one. A time the clock skips (02:30
on the spring-forward night) means the moment as far after the change as 02:30 is after
02:00; a time the clock shows twice means its first occurrence.

No ranges at all (the default) means around the clock: every moment is business time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import InvalidInput

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY = r"([A-Za-z]{3})[a-z]*"
_DAYS = re.compile(rf"^{_DAY}(?:\s*-\s*{_DAY})?$")
_TIME_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_MIDNIGHT = 24 * 60


@dataclass(frozen=True, slots=True)
class WeeklyRange:
    """Working time on some days of the week.

    Attributes:
        days: the days it applies to, 0 for Monday to 6 for Sunday.
        start: minutes after local midnight when work starts.
        end: minutes after local midnight when it stops (at most 24:00, after ``start``).
    """

    days: frozenset[int]
    start: int
    end: int


def parse_business_hours(text: str) -> tuple[WeeklyRange, ...]:
    """Read ``BUSINESS_HOURS``; empty text means around the clock (no ranges).

    Raises:
        InvalidInput: the text is malformed; the message says which part and how to fix it.
    """
    ranges: list[WeeklyRange] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        day_part, *time_parts = item.split(maxsplit=1)
        days = _parse_days(day_part)
        if not time_parts:
            raise InvalidInput(f"{item!r} has no hours; write it like 'Mon-Fri 09:00-18:00'")
        for piece in re.split(r"\s+(?=\d)", time_parts[0].strip()):
            start, end = _parse_time_range(piece, day_part)
            ranges.append(WeeklyRange(days=days, start=start, end=end))
    return tuple(ranges)


def parse_holidays(text: str) -> tuple[date, ...]:
    """Read ``HOLIDAYS``: comma-separated ISO dates, sorted, each once.

    Raises:
        InvalidInput: one of them is not a date written like 2026-12-25.
    """
    days: set[date] = set()
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            days.add(date.fromisoformat(item))
        except ValueError:
            raise InvalidInput(
                f"{item!r} is not a date; write dates like 2026-12-25, separated by commas"
            ) from None
    return tuple(sorted(days))


def _parse_days(text: str) -> frozenset[int]:
    match = _DAYS.match(text)
    if match is None:
        raise InvalidInput(f"{text!r} is not a day or a span of days; write it like Mon-Fri")
    first = _day_number(match.group(1))
    last = first if match.group(2) is None else _day_number(match.group(2))
    return frozenset((first + offset) % 7 for offset in range((last - first) % 7 + 1))


def _day_number(name: str) -> int:
    try:
        return DAY_NAMES.index(name.lower())
    except ValueError:
        raise InvalidInput(
            f"{name!r} is not a day; use Mon, Tue, Wed, Thu, Fri, Sat or Sun"
        ) from None


def _parse_time_range(text: str, days: str) -> tuple[int, int]:
    match = _TIME_RANGE.match(text)
    if match is None:
        raise InvalidInput(f"{text!r} is not a range of hours; write it like 09:00-18:00")
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    for hours, minutes in ((start_h, start_m), (end_h, end_m)):
        if minutes > 59 or hours * 60 + minutes > _MIDNIGHT:
            raise InvalidInput(f"{text!r}: {hours:02}:{minutes:02} is not a time of day")
    if start == _MIDNIGHT:
        raise InvalidInput(f"{text!r} starts at 24:00; start it at 00:00 on the next day")
    if end < start:
        raise InvalidInput(
            f"{days} {text} crosses midnight; split it, like "
            f"'{days} {start_h:02}:{start_m:02}-24:00' and the next day "
            f"'00:00-{end_h:02}:{end_m:02}'"
        )
    if end == start:
        raise InvalidInput(f"{text!r} is empty; the end must come after the start")
    return start, end


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """The team's working time in its time zone, and time measured in it.

    Every moment given and returned is timezone-aware; results are in UTC.
    """

    ranges: tuple[WeeklyRange, ...] = ()
    holidays: frozenset[date] = field(default_factory=frozenset)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    @property
    def around_the_clock(self) -> bool:
        """Tell whether every moment counts (no business hours set)."""
        return not self.ranges

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment when ``duration`` of business time has passed since ``start``.

        When ``start`` falls outside business hours the clock starts with the next opening;
        the moment returned is always inside or at the end of a business interval.
        """
        if self.around_the_clock:
            return start.astimezone(UTC) + duration
        left = duration
        for opens, closes in self._intervals_from(start):
            begin = max(opens, start)
            if begin + left <= closes:
                return begin + left
            left -= closes - begin
        raise AssertionError("unreachable: business intervals never run out")  # pragma: no cover

    def subtract_business_time(self, end: datetime, duration: timedelta) -> datetime:
        """The latest moment from which ``duration`` of business time has passed by ``end``.

        A ticket opened at or before this moment has used up ``duration`` by ``end``; one
        opened after it has not. This lets a query compare a stored timestamp with one value.
        """
        if self.around_the_clock:
            return end.astimezone(UTC) - duration
        left = duration
        for opens, closes in self._intervals_back_from(end):
            finish = min(closes, end)
            if finish - left >= opens:
                return finish - left
            left -= finish - opens
        raise AssertionError("unreachable: business intervals never run out")  # pragma: no cover

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """How much business time lies between ``a`` and ``b`` (zero when ``b`` is earlier)."""
        if b <= a:
            return timedelta(0)
        if self.around_the_clock:
            return b - a
        total = timedelta(0)
        for opens, closes in self._intervals_from(a):
            if opens >= b:
                break
            total += min(closes, b) - max(opens, a)
        return total

    def _intervals_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Business intervals ending after ``moment``, in time order, for ever."""
        day = moment.astimezone(self.zone).date() - timedelta(days=1)
        while True:
            for opens, closes in self._day_intervals(day):
                if closes > moment:
                    yield opens, closes
            day += timedelta(days=1)

    def _intervals_back_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Business intervals starting before ``moment``, latest first, for ever."""
        day = moment.astimezone(self.zone).date() + timedelta(days=1)
        while True:
            for opens, closes in reversed(self._day_intervals(day)):
                if opens < moment:
                    yield opens, closes
            day -= timedelta(days=1)

    def _day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """One local day's business intervals in UTC, overlaps merged, in order."""
        if day in self.holidays:
            return []
        weekday = day.weekday()
        spans = sorted((r.start, r.end) for r in self.ranges if weekday in r.days)
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return [(self._at(day, start), self._at(day, end)) for start, end in merged]

    def _at(self, day: date, minutes: int) -> datetime:
        """The UTC moment of local ``day`` at ``minutes`` past midnight (24:00: next day)."""
        if minutes == _MIDNIGHT:
            day, minutes = day + timedelta(days=1), 0
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.zone)
        return local.astimezone(UTC)
