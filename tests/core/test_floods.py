"""Floods: a fast writer is slowed, not lost; ticket allowance; swarms wait for a check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.clock import ManualClock
from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor, CustomerProfile
from core.domain.values import Audience, NoticeKind
from core.errors import TicketNotFound
from core.services.floods import TicketLimitReached
from core.store.tables import MessageRow, OutboxRow
from tests.core.conftest import text_from


@pytest.fixture(name="config")
def fixture_config() -> DeskConfig:
    """Small limits, to reach them quickly."""
    return DeskConfig(
        bcrypt_rounds=4,
        customer_messages_per_minute=3,
        new_tickets_per_day=2,
        new_customers_per_minute=2,
    )


async def copies(desk: Desk) -> list[tuple[object, ...]]:
    async with desk.database.read_session() as session:
        rows = await session.execute(
            select(OutboxRow.payload, OutboxRow.next_attempt_at)
            .where(OutboxRow.kind == NoticeKind.MESSAGE_COPY.value)
            .order_by(OutboxRow.id)
        )
        return [tuple(row) for row in rows]


class TestFastWriter:
    async def test_past_the_minute_copies_wait_together_and_one_slow_down(
        self, desk: Desk, clock: ManualClock, ann: Actor
    ) -> None:
        ticket = await desk.tickets.report_ticket(ann, "Help", text_from(ann, "first"))
        posted = [
            await desk.messages.send_message(ann, ticket.number, text_from(ann, f"m{i}"))
            for i in range(5)
        ]
        assert [p.slowed for p in posted] == [False, False, True, False, False]
        async with desk.database.read_session() as session:
            stored = await session.scalar(select(func.count(MessageRow.id)))
        assert stored == 6  # nothing lost
        dues = [due for _, due in await copies(desk)]
        minute_end = clock.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
        assert dues[:3] == [clock.now()] * 3
        assert dues[3:] == [minute_end] * 3

    async def test_the_next_minute_starts_afresh(
        self, desk: Desk, clock: ManualClock, ann: Actor
    ) -> None:
        ticket = await desk.tickets.report_ticket(ann, "Help", text_from(ann, "first"))
        for i in range(4):
            await desk.messages.send_message(ann, ticket.number, text_from(ann, f"m{i}"))
        clock.advance(timedelta(minutes=1))
        again = await desk.messages.send_message(ann, ticket.number, text_from(ann, "later"))
        assert not again.slowed
        assert (await copies(desk))[-1][1] == clock.now()


class TestTicketAllowance:
    async def test_a_third_ticket_in_a_day_is_refused_then_allowed(
        self, desk: Desk, clock: ManualClock, ann: Actor
    ) -> None:
        for subject in ("One", "Two"):
            await desk.tickets.report_ticket(ann, subject, text_from(ann, subject))
        with pytest.raises(TicketLimitReached, match="2 tickets in the last 24 hours"):
            await desk.tickets.report_ticket(ann, "Three", text_from(ann, "three"))
        clock.advance(timedelta(days=1))
        await desk.tickets.report_ticket(ann, "Three", text_from(ann, "three"))


class TestSwarm:
    async def test_newcomers_past_the_limit_wait_with_one_alert(
        self, desk: Desk, clock: ManualClock
    ) -> None:
        profiles = [CustomerProfile(8000 + i, f"Bot {i}") for i in range(5)]
        people = [Actor.customer(profile) for profile in profiles]
        tickets = [await desk.tickets.report_ticket(p, "Hi", text_from(p, "hi")) for p in people]
        waiting = [await desk.floods.awaiting_check(t.number) for t in tickets]
        assert waiting == [False, False, True, True, True]
        async with desk.database.read_session() as session:
            kinds = list(await session.scalars(select(OutboxRow.kind)))
        assert kinds.count(NoticeKind.TOPIC_CREATE.value) == 2
        assert kinds.count(NoticeKind.STAFF_ALERT.value) == 1

        opened = await desk.floods.confirm_human(profiles[2], tickets[2].number)
        assert opened.number == tickets[2].number
        assert not await desk.floods.awaiting_check(tickets[2].number)
        async with desk.database.read_session() as session:
            topic_rows = list(
                await session.scalars(
                    select(OutboxRow.kind).where(
                        OutboxRow.ticket_id == tickets[2].number,
                        OutboxRow.audience == Audience.TICKET_TOPIC.value,
                    )
                )
            )
        assert topic_rows[0] == NoticeKind.TOPIC_CREATE.value
        with pytest.raises(TicketNotFound):  # twice, or someone else's ticket
            await desk.floods.confirm_human(profiles[2], tickets[2].number)
        with pytest.raises(TicketNotFound):
            await desk.floods.confirm_human(profiles[3], tickets[4].number)

    async def test_a_known_customer_is_never_checked(
        self, desk: Desk, clock: ManualClock, ann: Actor
    ) -> None:
        await desk.tickets.report_ticket(ann, "Old", text_from(ann, "old"))
        clock.advance(timedelta(minutes=5))
        for i in range(4):
            newcomer = Actor.customer(CustomerProfile(8100 + i, f"N{i}"))
            await desk.tickets.report_ticket(newcomer, "Hi", text_from(newcomer, "hi"))
        again = await desk.tickets.report_ticket(ann, "Again", text_from(ann, "again"))
        assert not await desk.floods.awaiting_check(again.number)
