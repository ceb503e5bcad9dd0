"""A batch of customers' plain messages stored in one transaction, each judged on its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.clock import ManualClock
from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor, ChatRef, CustomerProfile, NewMessage
from core.domain.values import Status
from core.flows.states import IntakeState, IntakeStep
from core.services.customer_batch import CustomerMessage, Taken
from core.services.delivery import Claim
from core.store.tables import OutboxRow
from tests.core.conftest import text_from


def _item(actor: Actor, text: str) -> CustomerMessage:
    assert actor.profile is not None
    return CustomerMessage(actor.profile, text_from(actor, text))


async def _texts(desk: Desk, alice: Actor, number: int) -> list[str]:
    return [m.text for m in (await desk.queries.get_ticket(alice, number)).messages]


async def _outbox(desk: Desk, number: int) -> list[tuple[str, str, str]]:
    """The ticket's outbox rows, in order: (lane, kind, when due)."""
    async with desk.database.read_session() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.ticket_id == number).order_by(OutboxRow.id)
        )
        return [(row.lane, row.kind, row.next_attempt_at.isoformat()) for row in rows]


class TestStoring:
    async def test_each_message_goes_to_its_senders_ticket_in_order(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        anns, bobs = await report(ann, "Ann's"), await report(bob, "Bob's")
        items = [_item(ann, "a1"), _item(bob, "b1"), _item(ann, "a2"), _item(bob, "b2")]
        outcomes = await desk.batches.customer_messages(items)
        assert [o.taken for o in outcomes] == [Taken.STORED] * 4
        assert await _texts(desk, alice, anns.number) == ["It smokes.", "a1", "a2"]
        assert await _texts(desk, alice, bobs.number) == ["It smokes.", "b1", "b2"]
        posted = outcomes[2].posted
        assert posted is not None
        assert posted.ticket.number == anns.number
        assert [m.text for m in posted.messages] == ["a2"]
        found = await desk.search.search(alice, "a2")
        assert [hit.ticket.number for hit in found] == [anns.number]

    async def test_the_outbox_gets_what_one_by_one_writing_gives(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        anns, bobs = await report(ann), await report(bob)
        for ticket in (anns, bobs):
            await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
        for text in ("one", "two"):
            await desk.messages.customer_writes(bob.profile, text_from(bob, text))  # type: ignore[arg-type]
        outcomes = await desk.batches.customer_messages([_item(ann, "one"), _item(ann, "two")])
        assert [o.posted.reopened for o in outcomes if o.posted] == [True, False]
        assert await _texts(desk, alice, anns.number) == await _texts(desk, alice, bobs.number)
        by_batch, one_by_one = await _outbox(desk, anns.number), await _outbox(desk, bobs.number)
        in_topic = [(kind, due) for lane, kind, due in by_batch if lane.startswith("topic:")]
        assert in_topic == [
            (kind, due) for lane, kind, due in one_by_one if lane.startswith("topic:")
        ]
        assert len(in_topic) > 2, "copies and status news in the topic"
        assert [k for _, k, _ in by_batch] == [k for _, k, _ in one_by_one]
        ticket = await desk.queries.get_ticket(alice, anns.number)
        assert ticket.ticket.status is Status.OPEN

    async def test_each_ticket_written_to_shows_the_new_activity_time(
        self,
        desk: Desk,
        ann: Actor,
        bob: Actor,
        alice: Actor,
        report: Callable[..., Any],
        clock: ManualClock,
    ) -> None:
        anns, bobs = await report(ann), await report(bob)
        later = clock.advance(timedelta(minutes=5))
        await desk.batches.customer_messages([_item(ann, "a"), _item(ann, "b")])
        assert (await desk.queries.get_ticket(alice, anns.number)).ticket.updated_at == later
        assert (await desk.queries.get_ticket(alice, bobs.number)).ticket.updated_at < later


class TestRefusingAlone:
    async def test_a_duplicate_in_the_middle_is_refused_and_the_rest_stored(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        again = text_from(ann, "sent before")
        await desk.messages.customer_writes(ann.profile, again)  # type: ignore[arg-type]
        assert ann.profile is not None
        items = [_item(ann, "before"), CustomerMessage(ann.profile, again), _item(ann, "after")]
        outcomes = await desk.batches.customer_messages(items)
        assert [o.taken for o in outcomes] == [Taken.STORED, Taken.DUPLICATE, Taken.STORED]
        assert await _texts(desk, alice, ticket.number) == [
            "It smokes.",
            "sent before",
            "before",
            "after",
        ]

    async def test_the_same_message_twice_in_one_batch_is_stored_once(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        assert ann.profile is not None
        twice = CustomerMessage(ann.profile, text_from(ann, "twice"))
        outcomes = await desk.batches.customer_messages([twice, twice])
        assert [o.taken for o in outcomes] == [Taken.STORED, Taken.DUPLICATE]
        assert await _texts(desk, alice, ticket.number) == ["It smokes.", "twice"]

    async def test_a_whole_batch_sent_again_is_all_duplicates(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await report(bob)
        items = [_item(ann, "x"), _item(bob, "y")]
        await desk.batches.customer_messages(items)
        outcomes = await desk.batches.customer_messages(items)
        assert [o.taken for o in outcomes] == [Taken.DUPLICATE, Taken.DUPLICATE]
        assert await _texts(desk, alice, ticket.number) == ["It smokes.", "x"]


class TestLeftToTheFrontEnd:
    async def test_what_needs_a_decision_is_left_and_so_is_the_rest_of_that_chat(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        anns = await report(ann)
        bobs = await report(bob)
        assert ann.profile is not None
        empty = CustomerMessage(ann.profile, NewMessage("", origin=ChatRef(ann.ref, 99_001)))
        items = [_item(ann, "kept"), empty, _item(ann, "after"), _item(bob, "bob's")]
        outcomes = await desk.batches.customer_messages(items)
        assert [o.taken for o in outcomes] == [Taken.STORED, Taken.LEFT, Taken.LEFT, Taken.STORED]
        assert await _texts(desk, alice, anns.number) == ["It smokes.", "kept"]
        assert await _texts(desk, alice, bobs.number) == ["It smokes.", "bob's"]

    async def test_a_conversation_an_agent_a_closed_ticket_or_a_stranger_is_left(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        bobs = await report(bob)
        await desk.conversations.set(ann.ref, IntakeState(IntakeStep.SUBJECT))
        await desk.tickets.change_status(alice, bobs.number, Status.CLOSED)
        agent = CustomerMessage(
            CustomerProfile(9001, "Alice"), NewMessage("hi", origin=ChatRef(9001, 5))
        )
        stranger = CustomerMessage(
            CustomerProfile(4242, "New"), NewMessage("hi", origin=ChatRef(4242, 5))
        )
        items = [_item(ann, "subject"), _item(bob, "hello?"), agent, stranger]
        outcomes = await desk.batches.customer_messages(items)
        assert [o.taken for o in outcomes] == [Taken.LEFT] * 4
        assert await _texts(desk, alice, bobs.number) == ["It smokes."]

    async def test_a_ticket_resolved_too_long_ago_is_left(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
        clock.advance(desk.config.reopen_window + timedelta(minutes=1))
        outcomes = await desk.batches.customer_messages([_item(ann, "late")])
        assert [o.taken for o in outcomes] == [Taken.LEFT]
        assert await _texts(desk, alice, ticket.number) == ["It smokes."]

    async def test_an_album_part_is_left(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        assert ann.profile is not None
        part = NewMessage("photo", origin=ChatRef(ann.ref, 99_002), album="a1")
        outcomes = await desk.batches.customer_messages([CustomerMessage(ann.profile, part)])
        assert [o.taken for o in outcomes] == [Taken.LEFT]

    async def test_an_album_part_leaves_the_rest_of_its_senders_messages(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        assert ann.profile is not None
        part = NewMessage("photo", origin=ChatRef(ann.ref, 99_002), album="a1")
        items = [_item(ann, "before"), CustomerMessage(ann.profile, part), _item(ann, "after")]
        outcomes = await desk.batches.customer_messages(items)
        assert [o.taken for o in outcomes] == [Taken.STORED, Taken.LEFT, Taken.LEFT]
        assert await _texts(desk, alice, ticket.number) == ["It smokes.", "before"]


class TestPace:
    @pytest.fixture(name="config")
    def fixture_config(self) -> DeskConfig:
        return DeskConfig(bcrypt_rounds=4, customer_messages_per_minute=2)

    async def test_past_the_minutes_allowance_copies_wait_and_the_first_held_says_so(
        self, desk: Desk, ann: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        outcomes = await desk.batches.customer_messages([_item(ann, f"m{n}") for n in range(3)])
        assert [o.posted.slowed for o in outcomes if o.posted] == [False, True, False]
        copies = [
            due for lane, kind, due in await _outbox(desk, ticket.number) if kind == "message_copy"
        ]
        minute_end = clock.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
        assert copies[-2:] == [minute_end.isoformat()] * 2


class TestClaimingWithTheWrite:
    async def test_the_due_rows_are_claimed_in_the_same_transaction(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        while earlier := await desk.delivery.claim("earlier", limit=100):
            await desk.delivery.mark_sent([item.id for item in earlier])  # reporting's news
        claim = Claim("dispatcher-1", limit=100, lease=timedelta(seconds=30))
        stored = await desk.batches.customer_messages_claiming([_item(ann, "hello")], claim)
        assert [o.taken for o in stored.outcomes] == [Taken.STORED]
        assert stored.claimed is not None
        assert [(i.lane, i.kind.value) for i in stored.claimed] == [
            (f"topic:{ticket.number}", "message_copy")
        ]
        async with desk.database.read_session() as session:
            row = await session.get_one(OutboxRow, stored.claimed[0].id)
        assert row.lease_owner == "dispatcher-1"
        assert await desk.delivery.claim("another", limit=100, look_first=False) == []

    async def test_a_row_behind_one_that_must_wait_is_not_claimed(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        held = await desk.delivery.claim("earlier", limit=100)
        await desk.delivery.reschedule([i.id for i in held], timedelta(minutes=1), "flood")
        claim = Claim("dispatcher-1", limit=100)
        stored = await desk.batches.customer_messages_claiming([_item(ann, "hello")], claim)
        assert [o.taken for o in stored.outcomes] == [Taken.STORED]
        assert stored.claimed == [], "the ticket's lane waits for its earlier rows"

    async def test_nothing_is_claimed_when_nothing_was_stored(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        stranger = Actor.customer(CustomerProfile(999, "Stranger"))
        claim = Claim("dispatcher-1", limit=100)
        stored = await desk.batches.customer_messages_claiming([_item(stranger, "hi")], claim)
        assert [o.taken for o in stored.outcomes] == [Taken.LEFT]
        assert stored.claimed is None
        assert await desk.delivery.claim("another", limit=100), "the due rows are still free"
