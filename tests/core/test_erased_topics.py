"""Erasing a ticket's content queues the deletion of its staff topic, when nobody needs it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from core.clock import ManualClock
from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor
from core.domain.values import Audience, NoticeKind, Status
from core.notices import codec
from core.notices.kinds import TopicDelete
from core.services.customer_refs import CustomerRef
from core.services.erased_topics import forget_topics
from core.services.retention import LEFTOVERS_SWEPT_KEY
from core.store.erasure import erase_ticket_contents
from core.store.tables import DeskStateRow, OutboxRow, TicketRow
from tests.core.conftest import text_from

YEAR = timedelta(days=365)
STAFF = -1001234


@pytest.fixture(name="keeping")
async def fixture_keeping(
    database_url: str, clock: ManualClock, config: DeskConfig
) -> AsyncIterator[Desk]:
    """A desk, on each backend, that keeps closed tickets' content for a year."""
    desk = await Desk.open(
        database_url, clock=clock, config=replace(config, retention_after_close=YEAR)
    )
    try:
        yield desk
    finally:
        await desk.close()


async def reported(desk: Desk, customer: Actor, subject: str, *, topic: int | None) -> int:
    """A ticket whose topic (``topic``, with its card) the sender made, if any."""
    ticket = await desk.tickets.report_ticket(customer, subject, text_from(customer, subject))
    if topic is not None:
        await desk.delivery.set_staff_topic(ticket.number, topic)
        await desk.delivery.set_card_message(ticket.number, STAFF, topic + 1)
    return ticket.number


async def deletions(desk: Desk) -> dict[int, TopicDelete]:
    """The topic deletions queued, by ticket."""
    async with desk.database.read_session() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.kind == NoticeKind.TOPIC_DELETE.value)
        )
        found = {}
        for row in rows:
            assert (row.audience, row.lane, row.chat_id) == (
                Audience.TICKET_TOPIC.value,
                f"topic:{row.ticket_id}",
                None,
            )
            body = codec.decode(NoticeKind.TOPIC_DELETE, row.payload)
            assert isinstance(body, TopicDelete)
            assert row.ticket_id is not None
            found[row.ticket_id] = body
        return found


async def topic_rows(desk: Desk, number: int) -> tuple[int | None, int | None]:
    async with desk.database.read_session() as session:
        ticket = await session.get(TicketRow, number)
        assert ticket is not None
        return ticket.staff_topic_id, ticket.staff_card_message_id


async def lane(desk: Desk, number: int) -> list[str]:
    """The kinds waiting in a ticket's topic lane, in order."""
    async with desk.database.read_session() as session:
        kinds = await session.scalars(
            select(OutboxRow.kind).where(OutboxRow.lane == f"topic:{number}").order_by(OutboxRow.id)
        )
        return list(kinds)


async def erase(desk: Desk, customer: Actor) -> None:
    """The customer asks for their data to be erased (``/forgetme``)."""
    me = CustomerRef(reference=str(customer.ref))
    await desk.customer_data.erase(Actor.customer_ref(customer.ref), me)


async def erase_without_topics(desk: Desk, *numbers: int) -> None:
    """Erase tickets as a desk did before erasing deleted topics: their topics stay named.

    Such a desk had never swept the leftovers either (no ``desk_state`` note of it).
    """
    async with desk.database.write_session() as session:
        await erase_ticket_contents(session, list(numbers), desk.clock.now())
        await session.execute(delete(DeskStateRow).where(DeskStateRow.key == LEFTOVERS_SWEPT_KEY))
        await session.commit()


async def close(desk: Desk, customer: Actor, number: int) -> None:
    await desk.tickets.change_status(customer, number, Status.CLOSED)


class TestCustomerErasure:
    async def test_the_topic_goes_with_nothing_but_its_ids_and_the_ticket_forgets_it(
        self, keeping: Desk, ann: Actor
    ) -> None:
        number = await reported(keeping, ann, "Printer on fire", topic=501)
        await erase(keeping, ann)

        assert await deletions(keeping) == {number: TopicDelete(thread_id=501, chat_id=STAFF)}
        async with keeping.database.read_session() as session:
            row = await session.scalar(
                select(OutboxRow).where(OutboxRow.kind == NoticeKind.TOPIC_DELETE.value)
            )
        assert row is not None
        assert row.payload == {"thread_id": 501, "chat_id": STAFF}
        assert await topic_rows(keeping, number) == (None, None)
        # Closing an open ticket tells no topic that is about to be deleted.
        assert await lane(keeping, number) == [NoticeKind.TOPIC_DELETE.value]

    async def test_a_ticket_without_a_topic_queues_no_deletion(
        self, keeping: Desk, ann: Actor
    ) -> None:
        number = await reported(keeping, ann, "Printer on fire", topic=None)
        await erase(keeping, ann)

        assert await deletions(keeping) == {}
        assert NoticeKind.TOPIC_DELETE.value not in await lane(keeping, number)

    async def test_the_customers_own_topics_are_left_to_them(
        self, keeping: Desk, ann: Actor
    ) -> None:
        number = await reported(keeping, ann, "Printer on fire", topic=501)
        await keeping.delivery.set_customer_topic(number, 9)
        await erase(keeping, ann)

        async with keeping.database.read_session() as session:
            to_customer = await session.scalar(
                select(OutboxRow.id).where(OutboxRow.audience == Audience.CUSTOMER.value)
            )
        assert to_customer is None
        assert set(await deletions(keeping)) == {number}

    async def test_a_topic_another_ticket_names_stays(
        self, keeping: Desk, ann: Actor, bob: Actor
    ) -> None:
        anns = await reported(keeping, ann, "Printer on fire", topic=501)
        bobs = await reported(keeping, bob, "Router", topic=501)
        await erase(keeping, ann)

        assert await deletions(keeping) == {}
        assert (await topic_rows(keeping, anns))[0] == 501
        assert (await topic_rows(keeping, bobs))[0] == 501

    async def test_a_merged_tickets_topic_goes_with_the_ticket_it_went_into(
        self, keeping: Desk, ann: Actor, alice: Actor
    ) -> None:
        source = await reported(keeping, ann, "Printer", topic=501)
        target = await reported(keeping, ann, "Printer again", topic=601)
        await keeping.merge.merge(alice, source, target)
        await erase(keeping, ann)

        assert await deletions(keeping) == {
            source: TopicDelete(501, STAFF),
            target: TopicDelete(601, STAFF),
        }
        assert NoticeKind.TOPIC_ANONYMIZE.value not in await lane(keeping, source)


class TestRetention:
    async def test_the_timers_queue_the_deletion_with_the_erasure_once(
        self, keeping: Desk, clock: ManualClock, ann: Actor
    ) -> None:
        with_topic = await reported(keeping, ann, "Printer", topic=501)
        without = await reported(keeping, ann, "Router", topic=None)
        await close(keeping, ann, with_topic)
        await close(keeping, ann, without)
        clock.advance(YEAR + timedelta(days=1))

        assert await keeping.retention.erase_due() == 2
        assert await deletions(keeping) == {with_topic: TopicDelete(501, STAFF)}
        assert await topic_rows(keeping, with_topic) == (None, None)
        assert await keeping.retention.erase_due() == 0
        assert len(await deletions(keeping)) == 1

    async def test_a_merged_topic_stays_while_the_ticket_it_went_into_is_kept(
        self, keeping: Desk, clock: ManualClock, ann: Actor, alice: Actor
    ) -> None:
        source = await reported(keeping, ann, "Printer", topic=501)
        target = await reported(keeping, ann, "Printer again", topic=601)
        await keeping.merge.merge(alice, source, target)  # closes the source
        clock.advance(YEAR + timedelta(days=1))

        assert await keeping.retention.erase_due() == 1
        assert await deletions(keeping) == {}
        assert await topic_rows(keeping, source) == (501, 502)
        # Its name held the erased subject: the topic is renamed, once.
        assert await lane(keeping, source) == [NoticeKind.TOPIC_ANONYMIZE.value]
        assert NoticeKind.TOPIC_ANONYMIZE.value not in await lane(keeping, target)
        topic_ticket = await keeping.queries.ticket_for_topic(alice, 501)
        assert topic_ticket is not None
        assert topic_ticket.number == target

        await close(keeping, alice, target)
        clock.advance(YEAR + timedelta(days=1))
        assert await keeping.retention.erase_due() == 1
        assert await deletions(keeping) == {
            source: TopicDelete(501, STAFF),
            target: TopicDelete(601, STAFF),
        }
        assert await topic_rows(keeping, source) == (None, None)
        assert await lane(keeping, source) == [
            NoticeKind.TOPIC_ANONYMIZE.value,
            NoticeKind.TOPIC_DELETE.value,
        ]


class TestTopicMadeDuringTheErasure:
    async def test_a_topic_recorded_for_an_erased_ticket_is_deleted_at_once(
        self, keeping: Desk, ann: Actor
    ) -> None:
        number = await reported(keeping, ann, "Printer on fire", topic=None)
        await erase(keeping, ann)  # while the sender was making the topic

        assert await keeping.delivery.set_staff_topic(number, 701) is False
        assert await topic_rows(keeping, number) == (None, None)
        assert await deletions(keeping) == {number: TopicDelete(701, None)}
        # After the erasure's own news for the topic (the sender posts them into it).
        assert (await lane(keeping, number))[-1] == NoticeKind.TOPIC_DELETE.value

    async def test_a_live_tickets_topic_is_kept_and_forgetting_one_queues_nothing(
        self, keeping: Desk, ann: Actor
    ) -> None:
        number = await reported(keeping, ann, "Printer on fire", topic=None)
        assert await keeping.delivery.set_staff_topic(number, 701) is True
        assert await topic_rows(keeping, number) == (701, None)
        await erase(keeping, ann)
        assert await keeping.delivery.set_staff_topic(number, None) is True
        assert await deletions(keeping) == {number: TopicDelete(701, None)}

    async def test_a_topic_recorded_while_the_erasure_waits_is_seen_by_it(
        self, keeping: Desk, ann: Actor
    ) -> None:
        number = await reported(keeping, ann, "Printer on fire", topic=None)
        async with keeping.database.write_session() as session:
            recorded = update(TicketRow).where(TicketRow.id == number)
            await session.execute(recorded.values(staff_topic_id=701))
            erasing = asyncio.create_task(erase(keeping, ann))
            await asyncio.sleep(0.3)
            assert not erasing.done()  # it waits for the ticket's row
            await session.commit()
        await erasing

        assert await deletions(keeping) == {number: TopicDelete(701, None)}
        assert await topic_rows(keeping, number) == (None, None)

    async def test_a_topic_recorded_while_the_erasure_holds_the_ticket_goes(
        self, keeping: Desk, ann: Actor
    ) -> None:
        number = await reported(keeping, ann, "Printer on fire", topic=None)
        async with keeping.database.write_session() as session:
            gone = await forget_topics(session, [number])
            await erase_ticket_contents(session, [number], keeping.clock.now())
            recording = asyncio.create_task(keeping.delivery.set_staff_topic(number, 701))
            await asyncio.sleep(0.3)
            assert not recording.done()
            await session.commit()

        assert gone == []
        assert await recording is False
        assert await deletions(keeping) == {number: TopicDelete(701, None)}


class TestLeftovers:
    async def test_topics_of_tickets_erased_before_are_deleted_once(
        self, keeping: Desk, ann: Actor, bob: Actor
    ) -> None:
        old = await reported(keeping, ann, "Printer on fire", topic=501)
        live = await reported(keeping, bob, "Router", topic=601)
        await erase_without_topics(keeping, old)
        assert await topic_rows(keeping, old) == (501, 502)  # the card's chat is forgotten

        assert await keeping.retention.forget_leftover_topics() == 1
        assert await deletions(keeping) == {old: TopicDelete(501)}
        assert await topic_rows(keeping, old) == (None, None)
        assert await topic_rows(keeping, live) == (601, 602)

        assert await keeping.retention.forget_leftover_topics() == 0
        assert len(await deletions(keeping)) == 1

    async def test_a_merged_topic_kept_for_its_target_stays_renamed(
        self, keeping: Desk, ann: Actor, alice: Actor
    ) -> None:
        source = await reported(keeping, ann, "Printer", topic=501)
        target = await reported(keeping, ann, "Printer again", topic=601)
        await keeping.merge.merge(alice, source, target)
        await erase_without_topics(keeping, source)
        before = await lane(keeping, source)

        assert await keeping.retention.forget_leftover_topics() == 0
        assert await deletions(keeping) == {}
        assert await topic_rows(keeping, source) == (501, 502)
        assert await lane(keeping, source) == [*before, NoticeKind.TOPIC_ANONYMIZE.value]

        assert await keeping.retention.forget_leftover_topics() == 0
        assert await lane(keeping, source) == [*before, NoticeKind.TOPIC_ANONYMIZE.value], (
            "renamed once, not at every start"
        )

    async def test_a_chain_erased_before_goes_whole(
        self, keeping: Desk, ann: Actor, alice: Actor
    ) -> None:
        source = await reported(keeping, ann, "Printer", topic=501)
        target = await reported(keeping, ann, "Printer again", topic=601)
        await keeping.merge.merge(alice, source, target)
        await erase_without_topics(keeping, source, target)

        assert await keeping.retention.forget_leftover_topics() == 2
        assert await deletions(keeping) == {
            source: TopicDelete(501),
            target: TopicDelete(601),
        }

    async def test_without_retention_the_leftovers_still_go(self, desk: Desk, ann: Actor) -> None:
        number = await reported(desk, ann, "Printer on fire", topic=501)
        await erase_without_topics(desk, number)

        assert await desk.retention.forget_leftover_topics() == 1
        assert await deletions(desk) == {number: TopicDelete(501)}

    async def test_a_deletion_refused_for_good_is_queued_again(
        self, keeping: Desk, ann: Actor
    ) -> None:
        number = await reported(keeping, ann, "Printer on fire", topic=501)
        await erase(keeping, ann)
        async with keeping.database.read_session() as session:
            row_id = await session.scalar(
                select(OutboxRow.id).where(OutboxRow.kind == NoticeKind.TOPIC_DELETE.value)
            )
        assert row_id is not None
        await keeping.delivery.mark_failed([row_id], "not enough rights to delete topics")

        assert await keeping.retention.forget_leftover_topics() == 1
        async with keeping.database.read_session() as session:
            row = await session.get(OutboxRow, row_id)
        assert row is not None
        assert (row.failed_at, row.sent_at, row.ticket_id) == (None, None, number)
        assert len(await deletions(keeping)) == 1
