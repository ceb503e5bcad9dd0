"""Retention: closed tickets' content erased after the period, in batches, exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.clock import ManualClock
from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor
from core.domain.values import Status
from core.store.tables import MessageRow, TicketRow
from tests.core.conftest import text_from

YEAR = timedelta(days=365)


@pytest.fixture(name="keeping_a_year")
async def fixture_keeping_a_year(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Desk]:
    """A desk that keeps closed tickets' content for a year."""
    desk = await Desk.open(
        f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}",
        clock=clock,
        config=DeskConfig(bcrypt_rounds=4, retention_after_close=YEAR),
    )
    yield desk
    await desk.close()


async def close_ticket(desk: Desk, customer: Actor, subject: str) -> int:
    ticket = await desk.tickets.report_ticket(customer, subject, text_from(customer, subject))
    await desk.tickets.change_status(customer, ticket.number, Status.CLOSED)
    return ticket.number


class TestRetention:
    async def test_only_tickets_closed_long_enough_ago_are_erased_once(
        self, keeping_a_year: Desk, clock: ManualClock, ann: Actor
    ) -> None:
        desk = keeping_a_year
        old = [await close_ticket(desk, ann, f"old {i}") for i in range(5)]
        clock.advance(YEAR - timedelta(days=1))
        recent = await close_ticket(desk, ann, "recent")
        still_open = await desk.tickets.report_ticket(ann, "open", text_from(ann, "open one"))
        clock.advance(timedelta(days=2))

        assert await desk.retention.erase_due(batch=2) == 5
        assert await desk.retention.erase_due(batch=2) == 0
        async with desk.database.read_session() as session:
            subjects = dict((await session.execute(select(TicketRow.id, TicketRow.subject))).all())
            texts = dict(
                (await session.execute(select(MessageRow.ticket_id, MessageRow.text))).all()
            )
        assert {subjects[n] for n in old} == {"(erased)"}
        assert {texts[n] for n in old} == {""}
        assert (subjects[recent], texts[recent]) == ("recent", "recent")
        assert texts[still_open.number] == "open one"

    async def test_keep_forever_by_default(
        self, desk: Desk, clock: ManualClock, ann: Actor
    ) -> None:
        await close_ticket(desk, ann, "old")
        clock.advance(YEAR * 10)
        assert await desk.retention.erase_due() == 0
