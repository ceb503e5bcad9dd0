"""Routing a private message: one read gives the conversation, the agent and the ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.desk import Desk
from core.domain.actors import Actor, ChatRef
from core.domain.values import Status


class TestPrivateContext:
    async def test_a_stranger_has_nothing(self, desk: Desk) -> None:
        context = await desk.queries.private_context(123)
        assert (context.conversation, context.agent, context.ticket) == (None, None, None)

    async def test_a_customer_gets_the_active_ticket_and_their_conversation(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        first = await report(ann, "First")
        await report(ann, "Second")
        await desk.tickets.set_active_ticket(ann, first.number)
        await desk.conversations.set(ann.ref, "intake", "subject", {"x": 1})
        context = await desk.queries.private_context(ann.ref)
        assert context.ticket is not None
        assert context.ticket.number == first.number
        assert context.ticket.customer.display_name == "Ann"
        assert context.conversation is not None
        assert (context.conversation.flow, context.conversation.data) == ("intake", {"x": 1})
        assert context.agent is None

    async def test_without_an_active_ticket_the_latest_open_one_is_used(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        older = await report(ann, "Older")
        newer = await report(ann, "Newer")
        await desk.tickets.change_status(alice, newer.number, Status.CLOSED)
        await desk.tickets.set_active_ticket(ann, older.number)
        await desk.tickets.change_status(alice, older.number, Status.PENDING)
        context = await desk.queries.private_context(ann.ref)
        assert context.ticket is not None
        assert context.ticket.number == older.number

    async def test_a_reply_to_a_copy_wins_over_the_active_ticket(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        first = await report(ann, "First")
        await report(ann, "Second")  # now the active one
        origin = (await desk.queries.get_ticket(alice, first.number)).messages[0].origin
        assert origin is not None
        context = await desk.queries.private_context(
            ann.ref, reply_to=ChatRef(origin.chat_id, origin.message_id)
        )
        assert context.ticket is not None
        assert context.ticket.number == first.number

    async def test_a_logged_in_agent_is_recognised_and_gets_no_ticket(
        self, desk: Desk, alice: Actor
    ) -> None:
        context = await desk.queries.private_context(9001)
        assert context.agent is not None
        assert context.agent.username == "alice"
        assert context.ticket is None
