"""Timers with a controllable clock: each rule fires exactly once, on time, never before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from core.clock import ManualClock
from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor
from core.domain.values import Audience, NoticeKind, Priority, Status
from core.services import timers
from core.views import OutboxItem
from tests.core.conftest import text_from

SECOND = timedelta(seconds=1)


async def _drain(desk: Desk) -> list[OutboxItem]:
    items = await desk.delivery.claim("test", limit=500)
    if items:
        await desk.delivery.mark_sent([i.id for i in items])
    return items


def _kinds(items: list[OutboxItem]) -> list[tuple[Audience, NoticeKind]]:
    return [(i.audience, i.kind) for i in items]


class TestFirstResponseSla:
    async def test_fires_once_after_one_hour_not_before(
        self, desk: Desk, ann: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        await _drain(desk)
        clock.advance(timedelta(hours=1) - SECOND)
        assert (await desk.timers.run_due()).first_response_breaches == 0
        clock.advance(SECOND)
        assert (await desk.timers.run_due()).first_response_breaches == 1
        alerts = [i for i in await _drain(desk) if i.kind is NoticeKind.SLA_ALERT]
        assert {i.audience for i in alerts} == {Audience.TICKET_TOPIC, Audience.STAFF}
        assert alerts[0].body.which == "first response"
        clock.advance(timedelta(hours=5))
        assert (await desk.timers.run_due()).first_response_breaches == 0
        view = await desk.queries.find_ticket(Actor.system(), ticket.number)
        assert view.sla_first_breached_at == clock.now() - timedelta(hours=5)

    async def test_urgent_tickets_have_fifteen_minutes_and_the_assignee_is_alerted(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.set_priority(alice, ticket.number, Priority.URGENT)
        await desk.tickets.assign(alice, ticket.number, "alice")
        await _drain(desk)
        clock.advance(timedelta(minutes=15) - SECOND)
        assert (await desk.timers.run_due()).total == 0
        clock.advance(SECOND)
        assert (await desk.timers.run_due()).first_response_breaches == 1
        alerts = [i for i in await _drain(desk) if i.kind is NoticeKind.SLA_ALERT]
        assert sorted(i.audience.value for i in alerts) == ["agent", "staff", "ticket_topic"]
        assert next(i.chat_id for i in alerts if i.audience is Audience.AGENT) == 9001

    async def test_an_answered_ticket_never_breaches(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        clock.advance(timedelta(minutes=59))
        await desk.messages.send_message(alice, ticket.number, text_from(alice, "on it"))
        clock.advance(timedelta(hours=2))
        assert (await desk.timers.run_due()).first_response_breaches == 0


class TestResolutionSla:
    async def test_fires_once_after_24_hours_while_unsolved(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        solved = await report(ann, "solved in time")
        late = await report(ann, "late")
        await desk.tickets.take(alice, late.number)
        await desk.tickets.take(alice, solved.number)
        clock.advance(timedelta(hours=23))
        await desk.tickets.change_status(alice, solved.number, Status.RESOLVED)
        clock.advance(timedelta(hours=1) - SECOND)
        assert (await desk.timers.run_due()).resolution_breaches == 0
        clock.advance(SECOND)
        assert (await desk.timers.run_due()).resolution_breaches == 1
        assert (await desk.timers.run_due()).resolution_breaches == 0
        assert (
            await desk.queries.find_ticket(alice, late.number)
        ).sla_resolution_breached_at is not None
        assert (
            await desk.queries.find_ticket(alice, solved.number)
        ).sla_resolution_breached_at is None


class TestPending:
    async def test_reminds_once_after_a_day_then_closes_after_a_week(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        await desk.messages.send_message(alice, ticket.number, text_from(alice, "need info"))
        await desk.tickets.change_status(alice, ticket.number, Status.PENDING)
        await _drain(desk)
        clock.advance(timedelta(hours=24) - SECOND)
        assert (await desk.timers.run_due()).reminders == 0
        clock.advance(SECOND)
        assert (await desk.timers.run_due()).reminders == 1
        reminder = [i for i in await _drain(desk) if i.kind is NoticeKind.PENDING_REMINDER]
        assert [(i.chat_id, i.body.closes_in) for i in reminder] == [(7001, "6d")]
        clock.advance(timedelta(days=3))
        assert (await desk.timers.run_due()).total == 0
        clock.advance(timedelta(days=3) - SECOND)
        assert (await desk.timers.run_due()).pending_closed == 0
        clock.advance(SECOND)
        assert (await desk.timers.run_due()).pending_closed == 1
        told = [i for i in await _drain(desk) if i.kind is NoticeKind.STATUS_CHANGED]
        assert [(i.body.to, i.body.by, i.body.reason) for i in told] == [
            ("closed", "system", "no answer from the customer")
        ]
        assert (await desk.queries.find_ticket(alice, ticket.number)).status is Status.CLOSED

    async def test_a_customer_answer_stops_the_timers_and_a_new_pending_period_reminds_again(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.PENDING)
        clock.advance(timedelta(hours=25))
        assert (await desk.timers.run_due()).reminders == 1
        await desk.messages.send_message(ann, ticket.number, text_from(ann, "here"))
        clock.advance(timedelta(days=10))
        run = await desk.timers.run_due()
        assert (run.reminders, run.pending_closed) == (0, 0)
        await desk.tickets.change_status(alice, ticket.number, Status.PENDING)
        clock.advance(timedelta(hours=24))
        assert (await desk.timers.run_due()).reminders == 1


class TestAutoClose:
    async def test_closes_a_resolved_ticket_after_72_hours_without_reply(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
        await _drain(desk)
        clock.advance(timedelta(hours=72) - SECOND)
        assert (await desk.timers.run_due()).auto_closed == 0
        clock.advance(SECOND)
        assert (await desk.timers.run_due()).auto_closed == 1
        items = await _drain(desk)
        assert (Audience.CUSTOMER, NoticeKind.STATUS_CHANGED) in _kinds(items)
        assert (Audience.TICKET_TOPIC, NoticeKind.TOPIC_CLOSE) in _kinds(items)
        assert (await desk.timers.run_due()).auto_closed == 0
        assert (await desk.tickets.rate_ticket(ann, ticket.number, 5)).rating == 5

    async def test_a_reply_within_the_window_reopens_instead(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
        clock.advance(timedelta(hours=71))
        await desk.messages.send_message(ann, ticket.number, text_from(ann, "not fixed"))
        clock.advance(timedelta(hours=2))
        assert (await desk.timers.run_due()).auto_closed == 0
        assert (await desk.queries.find_ticket(alice, ticket.number)).status is Status.OPEN


class TestRestarts:
    @pytest.mark.parametrize("downtime", [timedelta(days=4), timedelta(days=30)])
    async def test_a_restart_between_due_time_and_check_still_fires_once(
        self,
        desk: Desk,
        database_url: str,
        ann: Actor,
        alice: Actor,
        report: Callable[..., Any],
        clock: ManualClock,
        config: DeskConfig,
        downtime: timedelta,
    ) -> None:
        await report(ann, "new")
        pending = await report(ann, "pending")
        resolved = await report(ann, "resolved")
        await desk.tickets.change_status(alice, pending.number, Status.PENDING)
        await desk.tickets.change_status(alice, resolved.number, Status.RESOLVED)
        await desk.close()  # the bot goes down before anything is due...
        clock.advance(downtime)  # ...and stays down past the due times
        restarted = await Desk.open(database_url, clock=clock, config=config)
        try:
            first = await restarted.timers.run_due()
            second = await restarted.timers.run_due()
            third = await restarted.timers.run_due(clock.now() + timedelta(hours=1))
        finally:
            await restarted.close()
        assert first.first_response_breaches == 1  # only the ticket still new
        assert first.resolution_breaches == 2  # new and pending, not the resolved one
        assert first.auto_closed == 1
        if downtime > timedelta(days=7):
            assert (first.pending_closed, first.reminders) == (1, 0)  # closed, not reminded late
        else:
            assert (first.pending_closed, first.reminders) == (0, 1)
        assert second.total == 0
        assert third.total == 0


class TestBacklog:
    async def test_many_due_tickets_are_handled_batch_by_batch_each_once(
        self,
        desk: Desk,
        ann: Actor,
        report: Callable[..., Any],
        clock: ManualClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(timers, "BATCH", 3)
        numbers = []
        for n in range(8):  # opened at four moments, two at each: batches end between twins
            numbers.append((await report(ann, f"backlog {n}")).number)
            if n % 2:
                clock.advance(SECOND)
        await _drain(desk)
        clock.advance(timedelta(days=2))
        run = await desk.timers.run_due()
        assert (run.first_response_breaches, run.resolution_breaches) == (8, 8)
        alerts = [i for i in await _drain(desk) if i.kind is NoticeKind.SLA_ALERT]
        topics = sorted(i.ticket_number for i in alerts if i.audience is Audience.TICKET_TOPIC)
        assert topics == sorted(numbers * 2), "every ticket alerted once for each target"
        assert (await desk.timers.run_due()).total == 0
