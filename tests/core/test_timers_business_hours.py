"""SLA clocks in business hours: nights, weekends and holidays do not count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.clock import ManualClock
from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor
from core.domain.business_hours import parse_business_hours, parse_holidays
from core.domain.values import NoticeKind, Status
from core.sla import sla_due

SECOND = timedelta(seconds=1)
FRIDAY_1730_BERLIN = datetime(2026, 11, 6, 16, 30, tzinfo=UTC)
MONDAY_0930_BERLIN = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)
TUESDAY_0930_BERLIN = datetime(2026, 11, 10, 8, 30, tzinfo=UTC)


@pytest.fixture(name="config")
def fixture_config() -> DeskConfig:
    """Office hours Mon–Fri 09:00–18:00 in Berlin; Tuesday 10 November 2026 is a holiday."""
    return DeskConfig(
        bcrypt_rounds=4,
        timezone="Europe/Berlin",
        business_hours=parse_business_hours("Mon-Fri 09:00-18:00"),
        holidays=parse_holidays("2026-11-10"),
    )


async def _alerts(desk: Desk) -> list[Any]:
    items = await desk.delivery.claim("test", limit=500)
    await desk.delivery.mark_sent([i.id for i in items])
    return [i for i in items if i.kind is NoticeKind.SLA_ALERT]


class TestFirstResponseInBusinessHours:
    async def test_a_ticket_from_friday_evening_is_due_on_monday_morning(
        self, desk: Desk, ann: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        clock.advance(FRIDAY_1730_BERLIN - clock.now())
        ticket = await report(ann)
        await _alerts(desk)
        assert sla_due(ticket, desk.config).first_response == MONDAY_0930_BERLIN
        clock.advance(MONDAY_0930_BERLIN - SECOND - clock.now())
        assert (await desk.timers.run_due()).first_response_breaches == 0
        clock.advance(SECOND)
        assert (await desk.timers.run_due()).first_response_breaches == 1
        alerts = await _alerts(desk)
        assert alerts[0].body.target == "1h of business hours"
        assert (await desk.timers.run_due()).first_response_breaches == 0


class TestResolutionInBusinessHours:
    async def test_a_holiday_stops_the_clock_for_the_whole_day(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        clock.advance(FRIDAY_1730_BERLIN - clock.now())
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.OPEN)
        # 24h of business time: Fri 0.5h, Mon 9h, (Tue off), Wed 9h, Thu 5.5h → Thu 14:30.
        due = datetime(2026, 11, 12, 13, 30, tzinfo=UTC)
        view = await desk.queries.find_ticket(Actor.system(), ticket.number)
        assert sla_due(view, desk.config).resolution == due
        clock.advance(due - SECOND - clock.now())
        assert (await desk.timers.run_due()).resolution_breaches == 0
        clock.advance(SECOND)
        assert (await desk.timers.run_due()).resolution_breaches == 1

    async def test_pending_timers_still_run_on_the_wall_clock(
        self,
        desk: Desk,
        ann: Actor,
        alice: Actor,
        report: Callable[..., Any],
        clock: ManualClock,
        config: DeskConfig,
    ) -> None:
        clock.advance(FRIDAY_1730_BERLIN - clock.now())
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.PENDING)
        clock.advance(config.pending_remind_after)
        assert (await desk.timers.run_due()).reminders == 1


class TestDueTimes:
    async def test_met_or_missed_targets_have_no_due_time(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
        view = await desk.queries.find_ticket(Actor.system(), ticket.number)
        due = sla_due(view, desk.config)
        assert (due.first_response, due.resolution, due.timezone) == (None, None, "Europe/Berlin")
