"""Direct reads: the same rows SQLAlchemy gives, and every commit seen at once.

``DirectReads`` runs the token check and the ticket lists on a SQLite connection of its
own, bypassing SQLAlchemy's execution. These tests hold it to SQLAlchemy's answers for
every statement it runs, and show that a token revoked, or an agent disabled, by another
desk on the same database (as the CLI or the bot would) is refused on the very next check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest

from core.clock import ManualClock
from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor
from core.domain.values import Priority, Status
from core.errors import CredentialsRejected
from core.services.api_tokens import _TOKEN_HOLDER, token_digest
from core.services.queries import TicketFilter, decode_cursor
from core.store import direct_reads, inline_sqlite
from core.store.direct_reads import DirectReads
from core.store.ticket_lists import ListShape, list_statement
from core.store.ticket_rows import _TAGS_OF
from tests.core.conftest import PASSWORD

TTL = timedelta(hours=1)


async def through_sqlalchemy(desk: Desk, statement: Any, values: dict[str, Any]) -> list[Any]:
    async with desk.database.read_connection() as connection:
        return [tuple(row) for row in (await connection.execute(statement, values)).all()]


def typed(rows: Sequence[Sequence[Any]]) -> list[list[tuple[type, Any]]]:
    """Rows as (type, value) pairs: equal values of another type would not do."""
    return [[(type(value), value) for value in row] for row in rows]


@pytest.fixture(name="tickets")
async def fixture_tickets(
    desk: Desk, alice: Actor, ann: Actor, bob: Actor, report: Callable[..., Any], clock: ManualClock
) -> list[int]:
    """Tickets in several states: assigned, prioritised, tagged, resolved, rated."""
    numbers = []
    for index, customer in enumerate((ann, bob, ann, bob, ann)):
        ticket = await report(customer, f"Problem {index}")
        numbers.append(ticket.number)
        clock.advance(timedelta(minutes=1))
    await desk.tickets.assign(alice, numbers[0], "alice")
    await desk.tickets.set_priority(alice, numbers[1], Priority.HIGH)
    await desk.tags.tag(alice, numbers[2], ["vip", "billing"])
    await desk.tickets.change_status(alice, numbers[3], Status.RESOLVED)
    await desk.tickets.rate_ticket(bob, numbers[3], 4, "fine")
    return numbers


class TestSameRowsAsSqlalchemy:
    @pytest.mark.parametrize(
        "shape",
        [
            ListShape(statuses=tuple(Status)),
            ListShape(statuses=(Status.NEW, Status.RESOLVED), after=True, updated_since=True),
            ListShape(statuses=tuple(Status), assignee=True),
            ListShape(statuses=(Status.NEW,), unassigned=True, priority=True),
            ListShape(statuses=tuple(Status), customer=True, category=True),
            ListShape(statuses=tuple(Status), tag=True),
        ],
    )
    async def test_ticket_lists(
        self, desk: Desk, alice: Actor, ann: Actor, tickets: list[int], shape: ListShape
    ) -> None:
        page = await desk.queries.list_tickets(alice, TicketFilter(), limit=2)
        assert page.next_cursor is not None
        after_at, after_id = decode_cursor(page.next_cursor)
        values = {
            "limit": 10,
            "assignee": alice.ref,
            "priority": Priority.NORMAL.value,
            "category": None,
            "customer": ann.ref,
            "since": after_at - timedelta(hours=1),
            "after_at": after_at,
            "after_id": after_id,
            "tag": "vip",
        }
        statement = list_statement(shape)
        expected = await through_sqlalchemy(desk, statement, values)
        reads = DirectReads(desk.database)
        try:
            assert typed(await reads.all(statement, values)) == typed(expected)
        finally:
            reads.close()

    async def test_the_token_check_and_a_list_parameter(
        self, desk: Desk, alice: Actor, tickets: list[int]
    ) -> None:
        issued = await desk.tokens.login_with_password("alice", PASSWORD, TTL)
        reads = DirectReads(desk.database)
        try:
            for digest in (token_digest(issued.secret), "unknown"):
                values = {"digest": digest}
                assert typed(await reads.all(_TOKEN_HOLDER, values)) == typed(
                    await through_sqlalchemy(desk, _TOKEN_HOLDER, values)
                )
            for numbers in (tickets, tickets[1:3], [tickets[2]]):
                values = {"tickets": numbers}
                rows = await reads.all(_TAGS_OF, values)
                assert typed(rows) == typed(await through_sqlalchemy(desk, _TAGS_OF, values))
            assert [tuple(row) for row in rows] == [(tickets[2], "billing"), (tickets[2], "vip")]
        finally:
            reads.close()


class TestCommitsElsewhereAreSeenAtOnce:
    """Another desk on the same database stands in for the CLI or the bot process."""

    @pytest.fixture(name="other")
    async def fixture_other(self, database_url: str, clock: ManualClock, config: DeskConfig) -> Any:
        other = await Desk.open(database_url, clock=clock, config=config, migrate=False)
        try:
            yield other
        finally:
            await other.close()

    async def test_logout_elsewhere(self, desk: Desk, other: Desk, alice: Actor) -> None:
        issued = await desk.tokens.login_with_password("alice", PASSWORD, TTL)
        assert await desk.tokens.actor_for(issued.secret) == alice
        await other.tokens.revoke(issued.secret)
        with pytest.raises(CredentialsRejected, match="revoked"):
            await desk.tokens.actor_for(issued.secret)

    async def test_a_named_token_revoked_elsewhere(
        self, desk: Desk, other: Desk, alice: Actor
    ) -> None:
        issued = await desk.tokens.create_integration("crm", "alice")
        assert await desk.tokens.actor_for(issued.secret) == alice
        await other.tokens.revoke_named("crm")
        with pytest.raises(CredentialsRejected, match="revoked"):
            await desk.tokens.actor_for(issued.secret)

    async def test_an_agent_disabled_elsewhere(self, desk: Desk, other: Desk, alice: Actor) -> None:
        issued = await desk.tokens.create_integration("crm", "alice")
        assert await desk.tokens.actor_for(issued.secret) == alice
        await other.accounts.set_active("alice", active=False)
        with pytest.raises(CredentialsRejected):
            await desk.tokens.actor_for(issued.secret)

    async def test_a_ticket_changed_elsewhere_shows_in_the_next_list(
        self, desk: Desk, other: Desk, alice: Actor, tickets: list[int], clock: ManualClock
    ) -> None:
        before = await desk.queries.list_tickets(alice, TicketFilter(), limit=10)
        assert before.tickets[0].number != tickets[0]
        clock.advance(timedelta(minutes=1))
        await other.tickets.change_status(alice, tickets[0], Status.PENDING)
        after = await desk.queries.list_tickets(alice, TicketFilter(), limit=10)
        assert (after.tickets[0].number, after.tickets[0].status) == (tickets[0], Status.PENDING)


class TestBlockLog:
    async def test_direct_reads_are_timed_like_every_inline_call(
        self, desk: Desk, alice: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        if not desk.database.is_sqlite:
            pytest.skip("the block log is SQLite's")
        log: list[tuple[str, float]] = []
        monkeypatch.setattr(inline_sqlite, "_block_log", log)
        await desk.queries.list_tickets(alice, TicketFilter(), limit=5)
        assert [name for name, _ in log][-2:] == ["SELECT", "fetchall"]


class TestCompiledStatements:
    async def test_kept_up_to_a_bound_and_still_right_after_it(
        self, desk: Desk, alice: Actor, tickets: list[int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(direct_reads, "MAX_COMPILED", 2)
        reads = DirectReads(desk.database)
        try:
            for _ in range(2):
                for numbers in ([tickets[2]], tickets[:2], tickets):
                    rows = await reads.all(_TAGS_OF, {"tickets": numbers})
                    expected = await through_sqlalchemy(desk, _TAGS_OF, {"tickets": numbers})
                    assert typed(rows) == typed(expected)
                    assert len(reads._compiled) <= 2
        finally:
            reads.close()
