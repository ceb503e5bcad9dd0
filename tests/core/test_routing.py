"""Routing a private message: one read gives the conversation, the agent and the ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.desk import Desk
from core.domain.actors import Actor, ChatRef, CustomerProfile, NewMessage
from core.domain.values import Status
from core.errors import DuplicateMessage, InvalidInput
from core.flows.states import Flow, IntakeState, IntakeStep
from core.services.common import load_ticket
from core.store.tables import TicketRow
from tests.core.conftest import text_from


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
        state = IntakeState(IntakeStep.SUBJECT, follow_up_of=1)
        await desk.conversations.set(ann.ref, state)
        context = await desk.queries.private_context(ann.ref)
        assert context.ticket is not None
        assert context.ticket.number == first.number
        assert context.ticket.customer.display_name == "Ann"
        assert context.conversation is not None
        assert (context.conversation.flow, context.conversation.state) == (Flow.INTAKE, state)
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

    async def test_a_message_in_a_tickets_topic_goes_to_that_ticket(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        first = await report(ann, "First")
        second = await report(ann, "Second")  # now the active one
        await desk.delivery.set_customer_topic(first.number, 501)
        await desk.delivery.set_customer_topic(second.number, 502)
        context = await desk.queries.private_context(ann.ref, thread_id=501)
        assert context.ticket is not None
        assert context.ticket.number == first.number

    async def test_a_topic_of_no_ticket_is_routed_as_usual(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann, "First")
        second = await report(ann, "Second")
        context = await desk.queries.private_context(ann.ref, thread_id=999)
        assert context.ticket is not None
        assert context.ticket.number == second.number

    async def test_another_customers_topic_id_reaches_none_of_their_tickets(
        self, desk: Desk, ann: Actor, bob: Actor, report: Callable[..., Any]
    ) -> None:
        anns = await report(ann, "Ann's")
        bobs = await report(bob, "Bob's")
        await desk.delivery.set_customer_topic(anns.number, 501)
        context = await desk.queries.private_context(bob.ref, thread_id=501)
        assert context.ticket is not None
        assert context.ticket.number == bobs.number

    async def test_a_logged_in_agent_is_recognised_and_gets_no_ticket(
        self, desk: Desk, alice: Actor
    ) -> None:
        context = await desk.queries.private_context(9001)
        assert context.agent is not None
        assert context.agent.username == "alice"
        assert context.ticket is None


class TestCustomerWrites:
    """Routing and storing a customer's plain message in one transaction."""

    async def test_a_message_goes_to_the_current_ticket_and_is_stored(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann, "Printer")
        written = await desk.messages.customer_writes(ann.profile, text_from(ann, "Still 🔥 <b>"))
        assert written.posted is not None
        assert written.posted.ticket.number == ticket.number
        assert [m.text for m in written.posted.messages] == ["Still 🔥 <b>"]
        assert written.context.ticket is not None
        stored = await desk.queries.get_ticket(alice, ticket.number)
        assert [m.text for m in stored.messages] == ["It smokes.", "Still 🔥 <b>"]

    async def test_a_reply_to_a_copy_goes_to_that_ticket(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        first = await report(ann, "First")
        await report(ann, "Second")
        origin = (await desk.queries.get_ticket(alice, first.number)).messages[0].origin
        assert origin is not None
        written = await desk.messages.customer_writes(
            ann.profile,
            text_from(ann, "About the first"),
            reply_to=ChatRef(origin.chat_id, origin.message_id),
        )
        assert written.posted is not None
        assert written.posted.ticket.number == first.number

    async def test_nothing_is_written_without_an_open_ticket(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        written = await desk.messages.customer_writes(ann.profile, text_from(ann, "Hello?"))
        assert (written.posted, written.context.ticket) == (None, None)
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.CLOSED)
        written = await desk.messages.customer_writes(ann.profile, text_from(ann, "Hello?"))
        assert written.posted is None
        stored = await desk.queries.get_ticket(alice, ticket.number)
        assert [m.text for m in stored.messages] == ["It smokes."]

    async def test_a_conversation_in_progress_is_left_to_the_front_end(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await desk.conversations.set(ann.ref, IntakeState(IntakeStep.SUBJECT))
        written = await desk.messages.customer_writes(ann.profile, text_from(ann, "My subject"))
        assert written.posted is None
        assert written.context.conversation is not None
        assert written.context.conversation.flow == "intake"
        stored = await desk.queries.get_ticket(alice, ticket.number)
        assert len(stored.messages) == 1

    async def test_an_agent_writing_in_private_is_not_stored_as_a_customer(
        self, desk: Desk, alice: Actor, ann: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        agent_as_customer = CustomerProfile(9001, "Alice")
        written = await desk.messages.customer_writes(
            agent_as_customer, NewMessage("hi", origin=ChatRef(9001, 55))
        )
        assert written.posted is None
        assert written.context.agent is not None

    async def test_a_reply_reopens_a_resolved_ticket_and_says_so(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
        written = await desk.messages.customer_writes(ann.profile, text_from(ann, "Not fixed"))
        assert written.posted is not None
        assert written.posted.reopened
        assert written.posted.ticket.status is Status.OPEN

    async def test_the_same_message_twice_is_refused_and_stored_once(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        message = text_from(ann, "Once")
        await desk.messages.customer_writes(ann.profile, message)
        with pytest.raises(DuplicateMessage):
            await desk.messages.customer_writes(ann.profile, message)
        stored = await desk.queries.get_ticket(alice, ticket.number)
        assert [m.text for m in stored.messages].count("Once") == 1

    async def test_an_empty_message_is_refused(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        with pytest.raises(InvalidInput):
            await desk.messages.customer_writes(ann.profile, text_from(ann, "   "))


class TestLockedReads:
    async def test_locking_a_ticket_reads_it_afresh(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        """A ticket read earlier in the transaction is read again under the lock."""
        if desk.database.is_sqlite:
            pytest.skip("SQLite writers take turns: nobody commits between the two reads")
        ticket = await report(ann)
        async with desk.database.write_session() as session:
            before = await session.get(TicketRow, ticket.number)
            assert before is not None
            assert before.status == Status.NEW.value
            await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
            locked = await load_ticket(session, alice, ticket.number, for_update=True)
            assert locked.status == Status.RESOLVED.value
            await session.rollback()
