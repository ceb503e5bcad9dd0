"""Customers see and change only their own tickets; another's answers like a missing one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from core.desk import Desk
from core.domain.actors import Actor, ChatRef
from core.domain.values import Priority, Status
from core.errors import DeskError, PermissionDenied, TicketNotFound
from tests.core.conftest import text_from

MISSING = 999_999


async def _error_of(call: Awaitable[Any]) -> DeskError:
    with pytest.raises(DeskError) as caught:
        await call
    return caught.value


class TestAnotherCustomersTicket:
    @pytest.mark.parametrize(
        "operation",
        [
            "get_ticket",
            "find_ticket",
            "send_message",
            "close",
            "rate",
            "set_active",
            "follow_up",
        ],
    )
    async def test_answers_exactly_like_a_missing_ticket(
        self, desk: Desk, ann: Actor, bob: Actor, report: Callable[..., Any], operation: str
    ) -> None:
        ticket = await report(ann)

        def attempt(number: int) -> Awaitable[Any]:
            calls: dict[str, Callable[[], Awaitable[Any]]] = {
                "get_ticket": lambda: desk.queries.get_ticket(bob, number),
                "find_ticket": lambda: desk.queries.find_ticket(bob, number),
                "send_message": lambda: desk.messages.send_message(
                    bob, number, text_from(bob, "hi")
                ),
                "close": lambda: desk.tickets.change_status(bob, number, Status.CLOSED),
                "rate": lambda: desk.tickets.rate_ticket(bob, number, 5),
                "set_active": lambda: desk.tickets.set_active_ticket(bob, number),
                "follow_up": lambda: desk.tickets.report_ticket(
                    bob, "again", text_from(bob, "x"), follow_up_of=number
                ),
            }
            return calls[operation]()

        others = await _error_of(attempt(ticket.number))
        missing = await _error_of(attempt(MISSING))
        assert type(others) is type(missing) is TicketNotFound
        assert str(others) == str(missing).replace(str(MISSING), str(ticket.number))

    async def test_nothing_changed_after_the_attempts(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        with pytest.raises(TicketNotFound):
            await desk.tickets.change_status(bob, ticket.number, Status.CLOSED)
        with pytest.raises(TicketNotFound):
            await desk.messages.send_message(bob, ticket.number, text_from(bob, "mine now"))
        detail = await desk.queries.get_ticket(alice, ticket.number)
        assert detail.ticket.status is Status.NEW
        assert [m.text for m in detail.messages] == ["It smokes."]

    async def test_a_reply_to_a_copy_of_anothers_ticket_finds_nothing(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        detail = await desk.queries.get_ticket(alice, ticket.number)
        origin = detail.messages[0].origin
        assert origin is not None
        assert await desk.queries.ticket_for_reference(ann, origin) is not None
        assert await desk.queries.ticket_for_reference(bob, origin) is None
        assert await desk.queries.ticket_for_reference(bob, ChatRef(1, 1)) is None

    async def test_customer_lists_only_their_own_tickets(
        self, desk: Desk, ann: Actor, bob: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann, "Ann's")
        await report(bob, "Bob's")
        page = await desk.queries.tickets_of_customer(bob)
        assert [t.subject for t in page.tickets] == ["Bob's"]


class TestStaffOnlyOperations:
    async def test_customer_cannot_use_agent_operations(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        with pytest.raises(PermissionDenied):
            await desk.tickets.assign(ann, ticket.number, "alice")
        with pytest.raises(PermissionDenied):
            await desk.tickets.take(ann, ticket.number)
        with pytest.raises(PermissionDenied):
            await desk.tickets.set_priority(ann, ticket.number, Priority.URGENT)
        with pytest.raises(PermissionDenied):
            await desk.queries.view_tickets(ann)
        with pytest.raises(PermissionDenied):
            await desk.messages.send_message(ann, ticket.number, text_from(ann, "x"), internal=True)

    async def test_customer_never_sees_internal_notes(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await desk.messages.send_message(
            alice, ticket.number, text_from(alice, "secret"), internal=True
        )
        await desk.messages.send_message(alice, ticket.number, text_from(alice, "public"))
        seen = await desk.queries.get_ticket(ann, ticket.number)
        assert [m.text for m in seen.messages] == ["It smokes.", "public"]

    async def test_only_admins_manage_agents(self, desk: Desk, alice: Actor) -> None:
        carol = await desk.accounts.add_agent("carol", "another-long-pass", by=alice)
        carol_actor = Actor.agent(carol.id, carol.username)
        with pytest.raises(PermissionDenied):
            await desk.accounts.add_agent("dave", "another-long-pass", by=carol_actor)
        with pytest.raises(PermissionDenied):
            await desk.accounts.set_active("alice", active=False, by=carol_actor)
