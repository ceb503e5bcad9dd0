"""Figures and the digest, against values worked out by hand on seeded tickets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from core.clock import ManualClock
from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor
from core.domain.values import NoticeKind, Priority, Status
from core.notices import codec
from core.notices.kinds import Digest
from tests.core.conftest import text_from

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


async def _seed(desk: Desk, clock: ManualClock, ann: Actor, alice: Actor) -> dict[str, int]:
    """Six tickets; the comments give each one's story (times relative to NOW)."""

    async def at(moment: datetime) -> None:
        clock.set(moment)

    async def report(subject: str, moment: datetime) -> int:
        await at(moment)
        return (await desk.tickets.report_ticket(ann, subject, text_from(ann, "help"))).number

    async def reply(number: int, moment: datetime) -> None:
        await at(moment)
        await desk.messages.send_message(alice, number, text_from(alice, "on it"))

    async def move(number: int, status: Status, moment: datetime, actor: Actor = alice) -> None:
        await at(moment)
        await desk.tickets.change_status(actor, number, status)

    t1 = await report("T1 never answered", NOW - 10 * DAY)
    await at(NOW - 10 * DAY + 2 * HOUR)
    await desk.timers.run_due()  # T1 misses its first response: outside the 7-day window
    t2 = await report("T2", NOW - 5 * DAY)
    await reply(t2, NOW - 5 * DAY + 30 * MINUTE)
    await move(t2, Status.RESOLVED, NOW - 5 * DAY + 2 * HOUR)
    await desk.tickets.rate_ticket(ann, t2, 5)
    t3 = await report("T3", NOW - 4 * DAY)
    await reply(t3, NOW - 4 * DAY + 10 * MINUTE)
    await move(t3, Status.RESOLVED, NOW - 4 * DAY + 6 * HOUR)
    await at(NOW - 4 * DAY + 7 * HOUR)
    await desk.tickets.rate_ticket(ann, t3, 3)
    t4 = await report("T4", NOW - 3 * DAY)
    await reply(t4, NOW - 3 * DAY + 50 * MINUTE)
    await move(t4, Status.PENDING, NOW - 3 * DAY + HOUR)
    t5 = await report("T5 urgent", NOW - 2 * DAY)
    await desk.tickets.set_priority(alice, t5, Priority.URGENT)
    await at(NOW - 2 * DAY + 20 * MINUTE)
    # In the window: T5 misses its 15-minute first response; T1 and T4 their 24-hour resolution.
    run = await desk.timers.run_due()
    assert (run.first_response_breaches, run.resolution_breaches) == (1, 2)
    t6 = await report("T6", NOW - DAY)
    await reply(t6, NOW - DAY + 20 * MINUTE)
    await move(t6, Status.CLOSED, NOW - DAY + 4 * HOUR, actor=ann)
    await at(NOW)
    return {"t1": t1, "t4": t4, "t5": t5}


class TestFigures:
    async def test_seven_days_of_figures_match_the_hand_computed_values(
        self, desk: Desk, clock: ManualClock, ann: Actor, alice: Actor
    ) -> None:
        seeded = await _seed(desk, clock, ann, alice)
        figures = await desk.stats.figures(alice, desk.stats.period_start("7d"))
        assert figures.by_status == {"new": 2, "open": 0, "pending": 1, "resolved": 2, "closed": 1}
        assert figures.opened == 5  # T2..T6
        assert (figures.first_response_breaches, figures.resolution_breaches) == (1, 2)
        assert [t.number for t in figures.oldest_open] == [seeded["t1"], seeded["t4"], seeded["t5"]]
        # First responses in the window: 30, 10, 50, 20 minutes -> median (20 + 30) / 2.
        assert figures.median_first_response == 25 * MINUTE
        # Solved in the window: T2 after 2 h, T3 after 6 h, T6 (closed) after 4 h -> 4 h.
        assert (figures.median_resolution, figures.resolved) == (4 * HOUR, 3)
        assert (figures.average_rating, figures.ratings) == (4.0, 2)
        assert figures.rated_of_resolved == 2
        assert figures.rating_response_rate == pytest.approx(2 / 3)

    async def test_today_counts_only_since_midnight(
        self, desk: Desk, clock: ManualClock, ann: Actor, alice: Actor
    ) -> None:
        await _seed(desk, clock, ann, alice)
        start = desk.stats.period_start("today")
        assert start == datetime(2026, 11, 10, tzinfo=UTC)
        figures = await desk.stats.figures(alice, start)
        assert (figures.opened, figures.resolved, figures.median_first_response) == (0, 0, None)
        assert figures.rating_response_rate is None

    async def test_thirty_days_include_what_happened_before_the_week(
        self, desk: Desk, clock: ManualClock, ann: Actor, alice: Actor
    ) -> None:
        await _seed(desk, clock, ann, alice)
        figures = await desk.stats.figures(alice, desk.stats.period_start("30d"))
        assert figures.opened == 6
        assert (figures.first_response_breaches, figures.resolution_breaches) == (2, 2)

    async def test_tickets_per_tag_count_those_opened_in_the_period_most_first(
        self, desk: Desk, clock: ManualClock, ann: Actor, alice: Actor
    ) -> None:
        seeded = await _seed(desk, clock, ann, alice)
        await desk.tags.tag(alice, seeded["t1"], ["Printer"])  # opened 10 days ago
        await desk.tags.tag(alice, seeded["t4"], ["printer", "billing"])
        await desk.tags.tag(alice, seeded["t5"], ["PRINTER"])
        week = await desk.stats.figures(alice, desk.stats.period_start("7d"))
        assert week.by_tag == (("printer", 2), ("billing", 1))
        month = await desk.stats.figures(alice, desk.stats.period_start("30d"))
        assert month.by_tag == (("printer", 3), ("billing", 1))
        today = await desk.stats.figures(alice, desk.stats.period_start("today"))
        assert today.by_tag == ()

    async def test_figures_are_for_agents_only(self, desk: Desk, ann: Actor) -> None:
        from core.errors import PermissionDenied  # noqa: PLC0415

        with pytest.raises(PermissionDenied):
            await desk.stats.figures(ann, NOW)

    async def test_figures_survive_the_trip_through_the_outbox(
        self, desk: Desk, clock: ManualClock, ann: Actor, alice: Actor
    ) -> None:
        seeded = await _seed(desk, clock, ann, alice)
        await desk.tags.tag(alice, seeded["t4"], ["billing"])
        figures = await desk.stats.figures(alice, desk.stats.period_start("7d"))
        assert figures.by_tag == (("billing", 1),)
        assert codec.decode(NoticeKind.DIGEST, codec.encode(Digest(figures))) == Digest(figures)


class TestDigest:
    async def test_the_first_run_only_remembers_the_time(
        self, desk: Desk, clock: ManualClock
    ) -> None:
        clock.set(datetime(2026, 11, 10, 9, 30, tzinfo=UTC))
        assert await desk.stats.send_digest_if_due() is None
        assert await desk.delivery.claim("t") == []

    async def test_goes_out_at_nine_once_a_day(self, desk: Desk, clock: ManualClock) -> None:
        clock.set(datetime(2026, 11, 10, 9, 30, tzinfo=UTC))
        await desk.stats.send_digest_if_due()
        clock.set(datetime(2026, 11, 11, 8, 59, 59, tzinfo=UTC))
        assert await desk.stats.send_digest_if_due() is None
        clock.set(datetime(2026, 11, 11, 9, 0, tzinfo=UTC))
        digest = await desk.stats.send_digest_if_due()
        assert digest is not None
        assert digest.since == datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
        assert digest.performance_since == clock.now() - 7 * DAY
        clock.advance(5 * MINUTE)
        assert await desk.stats.send_digest_if_due() is None
        queued = await desk.delivery.claim("t")
        assert [(i.kind, i.lane) for i in queued] == [(NoticeKind.DIGEST, "staff")]

    async def test_after_three_days_down_one_digest_goes_out(
        self, desk: Desk, clock: ManualClock
    ) -> None:
        clock.set(datetime(2026, 11, 10, 9, 30, tzinfo=UTC))
        await desk.stats.send_digest_if_due()
        clock.set(datetime(2026, 11, 13, 15, 0, tzinfo=UTC))
        assert await desk.stats.send_digest_if_due() is not None
        assert await desk.stats.send_digest_if_due() is None
        assert len(await desk.delivery.claim("t")) == 1

    async def test_digest_time_is_in_the_desks_time_zone(
        self, database_url: str, clock: ManualClock, config: DeskConfig
    ) -> None:
        berlin = replace(config, timezone="Europe/Berlin", digest_time=time(9, 0))
        desk = await Desk.open(database_url, clock=clock, config=berlin)
        try:
            clock.set(datetime(2026, 11, 10, 8, 30, tzinfo=UTC))  # 09:30 in Berlin
            await desk.stats.send_digest_if_due()
            clock.set(datetime(2026, 11, 11, 7, 59, tzinfo=UTC))  # 08:59 in Berlin (CET)
            assert await desk.stats.send_digest_if_due() is None
            clock.set(datetime(2026, 11, 11, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
            assert await desk.stats.send_digest_if_due() is not None
            clock.set(datetime(2026, 11, 11, 23, 30, tzinfo=UTC))  # 00:30 in Berlin
            assert desk.stats.period_start("today") == datetime(2026, 11, 11, 23, 0, tzinfo=UTC)
        finally:
            await desk.close()
