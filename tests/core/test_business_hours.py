"""Business hours: parsing, and business time across weekends, nights, holidays and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.domain.business_hours import (
    BusinessHours,
    WeeklyRange,
    parse_business_hours,
    parse_holidays,
)
from core.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)


def berlin(*args: int) -> datetime:
    """A moment on Berlin's wall clock."""
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def hours(text: str, holidays: str = "", zone: ZoneInfo = BERLIN) -> BusinessHours:
    """Business hours as the settings would make them."""
    return BusinessHours(
        ranges=parse_business_hours(text),
        holidays=frozenset(parse_holidays(holidays)),
        zone=zone,
    )


@pytest.fixture(name="office")
def fixture_office() -> BusinessHours:
    """Mon–Fri 09:00–18:00 in Berlin, with Christmas Day off."""
    return hours("Mon-Fri 09:00-18:00", "2026-12-25")


class TestParsing:
    def test_reads_days_spans_and_several_ranges(self) -> None:
        parsed = parse_business_hours("Mon-Fri 09:00-12:30 13:30-18:00, Sat 10:00-14:00")
        assert parsed == (
            WeeklyRange(frozenset(range(5)), 9 * 60, 12 * 60 + 30),
            WeeklyRange(frozenset(range(5)), 13 * 60 + 30, 18 * 60),
            WeeklyRange(frozenset({5}), 10 * 60, 14 * 60),
        )

    def test_a_span_may_wrap_round_the_week_and_end_at_midnight(self) -> None:
        (parsed,) = parse_business_hours("fri-MON 20:00-24:00")
        assert parsed == WeeklyRange(frozenset({4, 5, 6, 0}), 20 * 60, 24 * 60)

    def test_empty_means_around_the_clock(self) -> None:
        assert parse_business_hours("  ") == ()
        assert hours("").around_the_clock

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            ("Mon-Fri 22:00-06:00", "crosses midnight; split it"),
            ("Mon-Fri", "has no hours"),
            ("Mox 09:00-18:00", "'Mox' is not a day"),
            ("Mon-Fri 9-18", "is not a range of hours"),
            ("Mon 09:00-25:00", "25:00 is not a time of day"),
            ("Mon 09:75-10:00", "09:75 is not a time of day"),
            ("Mon 10:00-10:00", "is empty"),
            ("Mon 24:00-24:00", "starts at 24:00"),
            ("Monday..Friday 09:00-18:00", "is not a day or a span of days"),
        ],
    )
    def test_malformed_hours_are_refused_saying_why(self, text: str, says: str) -> None:
        with pytest.raises(InvalidInput, match=says):
            parse_business_hours(text)

    def test_holidays_are_iso_dates_sorted_once(self) -> None:
        assert parse_holidays("2026-12-26, 2026-12-25,2026-12-25,") == (
            date(2026, 12, 25),
            date(2026, 12, 26),
        )

    def test_a_malformed_holiday_is_refused(self) -> None:
        with pytest.raises(InvalidInput, match=r"'25\.12\.2026' is not a date"):
            parse_holidays("2026-12-24, 25.12.2026")


class TestAddBusinessTime:
    def test_around_the_clock_is_plain_addition(self) -> None:
        start = datetime(2026, 11, 7, 23, 0, tzinfo=UTC)
        assert hours("").add_business_time(start, HOUR) == start + HOUR

    def test_inside_the_day(self, office: BusinessHours) -> None:
        due = office.add_business_time(berlin(2026, 11, 2, 10, 0), HOUR)
        assert due == berlin(2026, 11, 2, 11, 0)

    def test_night_carries_over_to_the_next_morning(self, office: BusinessHours) -> None:
        due = office.add_business_time(berlin(2026, 11, 2, 17, 30), HOUR)
        assert due == berlin(2026, 11, 3, 9, 30)

    def test_a_ticket_opened_at_night_starts_counting_at_opening(
        self, office: BusinessHours
    ) -> None:
        due = office.add_business_time(berlin(2026, 11, 3, 2, 0), HOUR)
        assert due == berlin(2026, 11, 3, 10, 0)

    def test_weekend_is_skipped(self, office: BusinessHours) -> None:
        friday = berlin(2026, 11, 6, 17, 0)
        assert office.add_business_time(friday, 2 * HOUR) == berlin(2026, 11, 9, 10, 0)
        saturday = berlin(2026, 11, 7, 12, 0)
        assert office.add_business_time(saturday, HOUR) == berlin(2026, 11, 9, 10, 0)

    def test_holiday_is_skipped(self, office: BusinessHours) -> None:
        christmas_eve = berlin(2026, 12, 24, 17, 0)  # a Thursday; Friday the 25th is off
        assert office.add_business_time(christmas_eve, 2 * HOUR) == berlin(2026, 12, 28, 10, 0)

    def test_a_full_day_target_spans_several_days(self, office: BusinessHours) -> None:
        due = office.add_business_time(berlin(2026, 11, 5, 12, 0), 24 * HOUR)
        # Thu 6h left, Fri 9h, weekend, Mon 9h: 24h at Monday 18:00.
        assert due == berlin(2026, 11, 9, 18, 0)

    def test_several_ranges_and_a_saturday(self) -> None:
        split = hours("Mon-Fri 09:00-12:00 13:00-18:00, Sat 10:00-14:00")
        assert split.add_business_time(berlin(2026, 11, 2, 11, 30), HOUR) == berlin(
            2026, 11, 2, 13, 30
        )
        assert split.add_business_time(berlin(2026, 11, 6, 17, 0), 2 * HOUR) == berlin(
            2026, 11, 7, 11, 0
        )

    def test_overlapping_ranges_count_once(self) -> None:
        overlapping = hours("Mon-Fri 09:00-18:00, Mon 12:00-20:00")
        monday = berlin(2026, 11, 2, 9, 0)
        assert overlapping.business_time_between(monday, berlin(2026, 11, 3, 0, 0)) == 11 * HOUR


class TestDaylightSaving:
    def test_office_hours_keep_the_wall_clock_across_spring_forward(self) -> None:
        weekend_office = hours("Mon-Sun 09:00-18:00")
        saturday = berlin(2026, 3, 28, 17, 0)  # CET; Sunday the 29th is CEST
        due = weekend_office.add_business_time(saturday, 2 * HOUR)
        assert due == berlin(2026, 3, 29, 10, 0)
        assert due.astimezone(UTC) == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)

    def test_the_spring_forward_day_is_23_hours_long(self) -> None:
        always = hours("Mon-Sun 00:00-24:00")
        day = always.business_time_between(berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30, 0, 0))
        assert day == 23 * HOUR

    def test_the_fall_back_day_is_25_hours_long(self) -> None:
        always = hours("Mon-Sun 00:00-24:00")
        day = always.business_time_between(berlin(2026, 10, 25, 0, 0), berlin(2026, 10, 26, 0, 0))
        assert day == 25 * HOUR

    def test_a_night_range_over_the_fall_back_hour_counts_real_time(self) -> None:
        night = hours("Sun 01:00-04:00")  # 02:00-03:00 happens twice on 25 October 2026
        start = berlin(2026, 10, 25, 1, 0)
        assert night.business_time_between(start, berlin(2026, 10, 26, 0, 0)) == 4 * HOUR
        assert night.add_business_time(start, 4 * HOUR) == berlin(2026, 10, 25, 4, 0)

    def test_a_night_range_over_the_spring_forward_hour_counts_real_time(self) -> None:
        night = hours("Sun 01:00-04:00")  # 02:00-03:00 does not happen on 29 March 2026
        start = berlin(2026, 3, 29, 1, 0)
        assert night.business_time_between(start, berlin(2026, 3, 30, 0, 0)) == 2 * HOUR


class TestBusinessTimeBetween:
    def test_counts_only_open_hours(self, office: BusinessHours) -> None:
        friday_noon, monday_noon = berlin(2026, 11, 6, 12, 0), berlin(2026, 11, 9, 12, 0)
        assert office.business_time_between(friday_noon, monday_noon) == 9 * HOUR

    def test_is_zero_backwards_and_at_night(self, office: BusinessHours) -> None:
        night = berlin(2026, 11, 3, 1, 0)
        assert office.business_time_between(night, night - HOUR) == timedelta(0)
        assert office.business_time_between(night, night + 5 * HOUR) == timedelta(0)

    def test_a_holiday_counts_nothing(self, office: BusinessHours) -> None:
        christmas = berlin(2026, 12, 25, 0, 0)
        assert office.business_time_between(christmas, christmas + 24 * HOUR) == timedelta(0)


class TestSubtractBusinessTime:
    @pytest.mark.parametrize(
        "end",
        [
            berlin(2026, 11, 9, 10, 0),  # Monday morning, after a weekend
            berlin(2026, 11, 9, 3, 0),  # Monday night
            berlin(2026, 12, 28, 9, 30),  # after Christmas
            berlin(2026, 3, 30, 9, 15),  # the Monday after spring-forward
        ],
    )
    @pytest.mark.parametrize("duration", [timedelta(0), 15 * timedelta(minutes=1), HOUR, 24 * HOUR])
    def test_is_the_latest_start_that_used_up_the_duration(
        self, office: BusinessHours, end: datetime, duration: timedelta
    ) -> None:
        start = office.subtract_business_time(end, duration)
        assert office.business_time_between(start, end) == duration
        assert office.business_time_between(start + timedelta(seconds=1), end) < duration or (
            duration == timedelta(0)
        )

    def test_goes_back_over_the_weekend(self, office: BusinessHours) -> None:
        start = office.subtract_business_time(berlin(2026, 11, 9, 10, 0), 2 * HOUR)
        assert start == berlin(2026, 11, 6, 17, 0)
