"""Many operations at once: every one lands, none hits "database is locked"."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from core.clock import ManualClock
from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor, ChatRef, CustomerProfile, NewMessage
from core.store.tables import MessageRow, OutboxRow, TicketRow


def _customer(i: int) -> Actor:
    return Actor.customer(CustomerProfile(50_000 + i, f"Customer {i}", f"c{i}"))


async def _count(desk: Desk, column: object) -> int:
    async with desk.database.read_session() as session:
        return int(await session.scalar(select(func.count(column))) or 0)  # type: ignore[call-overload]


class TestConcurrentWrites:
    async def test_100_concurrent_reports_and_100_concurrent_messages_all_land(
        self, desk: Desk
    ) -> None:
        customers = [_customer(i) for i in range(100)]
        tickets = await asyncio.gather(
            *(
                desk.tickets.report_ticket(
                    c, f"Problem {i}", NewMessage("x", origin=ChatRef(c.ref, 1))
                )
                for i, c in enumerate(customers)
            )
        )
        assert len({t.number for t in tickets}) == 100
        posted = await asyncio.gather(
            *(
                desk.messages.send_message(
                    c, t.number, NewMessage(f"more {i}", origin=ChatRef(c.ref, 2))
                )
                for i, (c, t) in enumerate(zip(customers, tickets, strict=True))
            )
        )
        assert len(posted) == 100
        assert await _count(desk, TicketRow.id) == 100
        assert await _count(desk, MessageRow.id) == 200
        assert await _count(desk, OutboxRow.id) == 100 * 4 + 100

    async def test_two_processes_writing_at_once_both_land(
        self, desk: Desk, database_url: str, clock: ManualClock, config: DeskConfig
    ) -> None:
        # A second engine has its own pool and its own in-process write lock, so the two only
        # meet in the database itself (busy timeout, BEGIN IMMEDIATE), like two processes.
        other = await Desk.open(database_url, clock=clock, config=config, migrate=False)
        try:
            await asyncio.gather(
                *(
                    (desk if i % 2 else other).tickets.report_ticket(
                        _customer(i), f"P{i}", NewMessage("x", origin=ChatRef(50_000 + i, 1))
                    )
                    for i in range(100)
                )
            )
        finally:
            await other.close()
        assert await _count(desk, TicketRow.id) == 100

    async def test_one_customer_sending_100_messages_at_once_keeps_every_one(
        self, desk: Desk
    ) -> None:
        ann = _customer(1)
        ticket = await desk.tickets.report_ticket(
            ann, "Burst", NewMessage("x", origin=ChatRef(ann.ref, 1))
        )
        await asyncio.gather(
            *(
                desk.messages.send_message(
                    ann, ticket.number, NewMessage(f"m{i}", origin=ChatRef(ann.ref, 10 + i))
                )
                for i in range(100)
            )
        )
        assert await _count(desk, MessageRow.id) == 101

    async def test_a_new_customer_writing_twice_at_once_is_one_customer(self, desk: Desk) -> None:
        ann = _customer(7)
        tickets = await asyncio.gather(
            *(
                desk.tickets.report_ticket(
                    ann, f"P{i}", NewMessage("x", origin=ChatRef(ann.ref, i))
                )
                for i in range(20)
            )
        )
        assert len({t.customer.id for t in tickets}) == 1
