"""The outbox: what each change enqueues, and how a dispatcher claims and settles rows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.clock import ManualClock
from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor, Attachment, ChatRef, NewMessage
from core.domain.values import AttachmentKind, Audience, NoticeKind, Status
from core.notices.kinds import TicketConfirmed, UnreadableNotice
from core.store.tables import OutboxRow
from core.views import OutboxItem
from tests.core.conftest import text_from


async def _drain(desk: Desk) -> list[OutboxItem]:
    items = await desk.delivery.claim("test", limit=500)
    if items:
        await desk.delivery.mark_sent([i.id for i in items])
    return items


def _kinds(items: list[OutboxItem]) -> list[tuple[str, str]]:
    return [(i.lane.split(":")[0], i.kind.value) for i in items]


class TestWhoIsToldWhat:
    async def test_report_opens_a_topic_with_card_and_message_and_confirms(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        items = await _drain(desk)
        assert _kinds(items) == [
            ("topic", "topic_create"),
            ("topic", "card_post"),
            ("topic", "message_copy"),
            ("chat", "ticket_confirmed"),
        ]
        assert {i.ticket_number for i in items} == {ticket.number}
        assert items[3].chat_id == 7001

    async def test_agent_reply_in_the_topic_goes_only_to_the_customer(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.take(alice, ticket.number)
        await _drain(desk)
        posted = await desk.messages.send_message(
            alice, ticket.number, text_from(alice, "hi"), written_in_topic=True
        )
        items = await _drain(desk)
        assert [(i.audience, i.kind, i.body.message_ids) for i in items] == [
            (Audience.CUSTOMER, NoticeKind.MESSAGE_COPY, (posted.messages[0].id,))
        ]

    async def test_reply_written_elsewhere_is_echoed_into_the_topic(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.take(alice, ticket.number)
        await _drain(desk)
        await desk.messages.send_message(alice, ticket.number, text_from(alice, "hi"))
        items = await _drain(desk)
        assert [(i.audience, i.body.style) for i in items] == [
            (Audience.CUSTOMER, "reply"),
            (Audience.TICKET_TOPIC, "reply"),
        ]

    async def test_internal_note_never_reaches_the_customer(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await _drain(desk)
        await desk.messages.send_message(
            alice, ticket.number, text_from(alice, "psst"), internal=True
        )
        in_topic = await _drain(desk)
        await desk.messages.send_message(
            alice, ticket.number, text_from(alice, "psst"), internal=True, written_in_topic=True
        )
        assert [(i.audience, i.body.style) for i in in_topic] == [(Audience.TICKET_TOPIC, "note")]
        assert await _drain(desk) == []

    async def test_status_change_edits_card_logs_closes_topic_and_tells_customer(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await _drain(desk)
        await desk.tickets.change_status(alice, ticket.number, Status.CLOSED)
        items = await _drain(desk)
        assert [i.kind for i in items] == [
            NoticeKind.CARD_REFRESH,
            NoticeKind.EVENT_LINE,
            NoticeKind.TOPIC_CLOSE,
            NoticeKind.STATUS_CHANGED,
        ]
        assert items[3].body.to == "closed"
        await desk.tickets.change_status(alice, ticket.number, Status.OPEN)
        assert NoticeKind.TOPIC_REOPEN in [i.kind for i in await _drain(desk)]

    async def test_a_ticket_with_a_topic_in_the_customers_chat_closes_and_reopens_it(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await desk.delivery.set_customer_topic(ticket.number, 77)
        await _drain(desk)
        await desk.tickets.change_status(alice, ticket.number, Status.CLOSED)
        closing = [(i.audience, i.kind) for i in await _drain(desk)]
        assert closing[-2:] == [
            (Audience.CUSTOMER, NoticeKind.STATUS_CHANGED),
            (Audience.CUSTOMER, NoticeKind.CUSTOMER_TOPIC_CLOSE),
        ]
        await desk.tickets.change_status(alice, ticket.number, Status.OPEN)
        reopening = [i.kind for i in await _drain(desk) if i.audience is Audience.CUSTOMER]
        assert reopening == [NoticeKind.CUSTOMER_TOPIC_REOPEN, NoticeKind.STATUS_CHANGED]

    async def test_a_customer_closing_their_ticket_closes_its_topic_in_their_chat(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await desk.delivery.set_customer_topic(ticket.number, 77)
        await _drain(desk)
        await desk.tickets.change_status(ann, ticket.number, Status.CLOSED)
        told = [i.kind for i in await _drain(desk) if i.audience is Audience.CUSTOMER]
        assert told == [NoticeKind.CUSTOMER_TOPIC_CLOSE]

    async def test_resolve_asks_the_customer_for_a_rating(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await _drain(desk)
        await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
        told = [i for i in await _drain(desk) if i.kind is NoticeKind.STATUS_CHANGED]
        assert told[0].body.ask_rating is True

    async def test_customer_closing_is_not_told_back_but_staff_see_it(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await _drain(desk)
        await desk.tickets.change_status(ann, ticket.number, Status.CLOSED)
        assert {i.audience for i in await _drain(desk)} == {Audience.TICKET_TOPIC}

    async def test_assignee_is_told_privately_unless_they_assigned_themselves(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        await desk.accounts.add_agent("bob", "a-long-secret-pass")
        await desk.accounts.login("bob", "a-long-secret-pass", 9002)
        ticket = await report(ann)
        await _drain(desk)
        await desk.tickets.assign(alice, ticket.number, "bob")
        to_bob = [i for i in await _drain(desk) if i.audience is Audience.AGENT]
        assert [(i.chat_id, i.kind) for i in to_bob] == [(9002, NoticeKind.ASSIGNED_TO_YOU)]
        await desk.tickets.take(alice, ticket.number)
        assert not [i for i in await _drain(desk) if i.audience is Audience.AGENT]

    async def test_reply_is_tagged_when_the_customer_has_several_open_tickets(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        first = await report(ann, "one")
        await desk.messages.send_message(
            alice, first.number, text_from(alice, "a"), written_in_topic=True
        )
        await report(ann, "two")
        await _drain(desk)
        await desk.messages.send_message(
            alice, first.number, text_from(alice, "b"), written_in_topic=True
        )
        (copy,) = [i for i in await _drain(desk) if i.kind is NoticeKind.MESSAGE_COPY]
        assert copy.body.tag_ticket is True

    async def test_reply_is_untagged_while_the_customers_other_tickets_are_closed(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        first = await report(ann, "one")
        await _drain(desk)
        await desk.messages.send_message(
            alice, first.number, text_from(alice, "a"), written_in_topic=True
        )
        alone = [i for i in await _drain(desk) if i.kind is NoticeKind.MESSAGE_COPY]
        assert [copy.body.tag_ticket for copy in alone] == [False]
        second = await report(ann, "two")
        await desk.tickets.change_status(alice, second.number, Status.CLOSED)
        await _drain(desk)
        await desk.messages.send_message(
            alice, first.number, text_from(alice, "b"), written_in_topic=True
        )
        copies = [i for i in await _drain(desk) if i.kind is NoticeKind.MESSAGE_COPY]
        assert [copy.body.tag_ticket for copy in copies] == [False]


class TestClaiming:
    async def test_claimed_rows_are_leased_until_settled(
        self, desk: Desk, ann: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        await report(ann)
        first = await desk.delivery.claim("a", lease=timedelta(seconds=30))
        assert len(first) == 4
        assert await desk.delivery.claim("b") == []
        clock.advance(timedelta(seconds=31))  # the first dispatcher died: rows come back
        again = await desk.delivery.claim("b")
        assert [i.id for i in again] == [i.id for i in first]
        await desk.delivery.mark_sent([i.id for i in again])
        clock.advance(timedelta(hours=1))
        assert await desk.delivery.claim("c") == []

    async def test_a_lane_waits_behind_its_rescheduled_row(
        self, desk: Desk, ann: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        await report(ann)
        items = await desk.delivery.claim("a")
        topic = [i for i in items if i.lane.startswith("topic")]
        chat = [i for i in items if i.lane.startswith("chat")]
        await desk.delivery.reschedule([topic[0].id], timedelta(seconds=5), "429")
        await desk.delivery.release("a", [i.id for i in topic[1:]])
        await desk.delivery.mark_sent([i.id for i in chat])
        assert await desk.delivery.claim("a") == []  # the topic lane is blocked, in order
        clock.advance(timedelta(seconds=5))
        resumed = await desk.delivery.claim("a")
        assert [i.id for i in resumed] == [i.id for i in topic]
        assert resumed[0].attempts == 1

    async def test_failed_rows_are_not_claimed_again_and_do_not_block_their_lane(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        items = await desk.delivery.claim("a")
        confirm = next(i for i in items if i.kind is NoticeKind.TICKET_CONFIRMED)
        await desk.delivery.mark_failed([confirm.id], "Forbidden: bot was blocked by the user")
        await desk.delivery.mark_sent([i.id for i in items if i.id != confirm.id])
        await desk.messages.send_message(
            alice, ticket.number, text_from(alice, "hi"), written_in_topic=True
        )
        later = await desk.delivery.claim("a")
        assert confirm.id not in [i.id for i in later]
        assert any(i.lane == confirm.lane for i in later)
        assert (await desk.delivery.counts())["failed"] == 1

    async def test_unreachable_customer_is_shown_to_agents_once(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await _drain(desk)
        await desk.delivery.mark_customer_unreachable(
            7001, ticket.number, "bot was blocked by the user"
        )
        await desk.delivery.mark_customer_unreachable(
            7001, ticket.number, "bot was blocked by the user"
        )
        items = await _drain(desk)
        assert [i.kind for i in items] == [NoticeKind.CARD_REFRESH, NoticeKind.EVENT_LINE]
        view = await desk.queries.find_ticket(alice, ticket.number)
        assert view.customer.unreachable_since is not None
        await desk.messages.send_message(ann, ticket.number, text_from(ann, "back"))
        view = await desk.queries.find_ticket(alice, ticket.number)
        assert view.customer.unreachable_since is None

    async def test_two_concurrent_claimers_never_share_a_row(
        self, desk: Desk, database_url: str, ann: Actor, clock: ManualClock, config: DeskConfig
    ) -> None:
        for i in range(40):
            await desk.tickets.report_ticket(ann, f"T{i}", text_from(ann, "x"))
        # A second desk on its own engine and connection pool, like a second process.
        other = await Desk.open(database_url, clock=clock, config=config, migrate=False)
        try:
            claimed: dict[str, list[int]] = {"a": [], "b": []}

            async def claimer(name: str, desk_: Desk) -> None:
                # Like a dispatcher: claim, "send", settle; until nothing is left.
                while (await desk_.delivery.counts())["pending"]:
                    batch = await desk_.delivery.claim(name, limit=7)
                    claimed[name] += [i.id for i in batch]
                    await asyncio.sleep(0)
                    await desk_.delivery.mark_sent([i.id for i in batch])

            await asyncio.gather(claimer("a", desk), claimer("b", other))
        finally:
            await other.close()
        assert claimed["a"]
        assert claimed["b"]
        assert not set(claimed["a"]) & set(claimed["b"])
        assert len(claimed["a"]) + len(claimed["b"]) == 160


class TestTypedNotices:
    async def test_a_claimed_row_carries_what_its_notice_says(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann, "Printer on fire")
        items = await _drain(desk)
        assert items[3].body == TicketConfirmed("Printer on fire")
        assert items[3].ticket_number == ticket.number

    async def test_a_row_this_version_cannot_read_is_claimed_with_the_others(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        async with desk.database.write_session() as session:
            row = await session.scalar(
                select(OutboxRow).where(OutboxRow.kind == NoticeKind.MESSAGE_COPY.value)
            )
            assert row is not None
            row.payload = {"message_ids": "all of them"}
            await session.commit()
        items = await _drain(desk)
        assert len(items) == 4
        assert isinstance(items[2].body, UnreadableNotice)
        assert items[2].kind is NoticeKind.MESSAGE_COPY


class TestAlbums:
    async def test_parts_of_an_album_fall_due_together_after_the_wait(
        self, desk: Desk, ann: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        await _drain(desk)
        for part in range(3):
            photo = NewMessage(
                f"p{part}",
                attachment=Attachment(AttachmentKind.PHOTO, f"F{part}"),
                origin=ChatRef(7001, 500 + part),
                album="A1",
            )
            await desk.messages.send_message(ann, ticket.number, photo)
            clock.advance(timedelta(milliseconds=400))
        assert await desk.delivery.claim("a") == []  # the album is still arriving
        clock.advance(timedelta(milliseconds=1000))
        assert await desk.delivery.claim("a") == []  # the last part arrived 1.4 s ago (< 1.5)
        clock.advance(timedelta(milliseconds=200))
        parts = await desk.delivery.claim("a")
        assert [len(i.body.message_ids) for i in parts] == [1, 1, 1]
        assert {i.lane for i in parts} == {f"topic:{ticket.number}"}


class TestLeases:
    async def test_rows_another_dispatcher_holds_wait_for_its_lease_to_end(
        self, desk: Desk, ann: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        await report(ann)
        held = await desk.delivery.claim("dead", lease=timedelta(minutes=5))
        assert held
        assert await desk.delivery.claim("new") == []
        await desk.delivery.release("new", [i.id for i in held])  # not its rows: no effect
        assert await desk.delivery.claim("new") == []
        clock.advance(timedelta(minutes=5, seconds=1))
        assert [i.id for i in await desk.delivery.claim("new")] == [i.id for i in held]

    async def test_a_dead_dispatchers_rows_are_all_freed_for_its_supervisor(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        held = await desk.delivery.claim("dead", lease=timedelta(minutes=5))
        await report(ann, "Another")
        others = await desk.delivery.claim("alive", lease=timedelta(minutes=5))
        assert held
        assert others
        assert await desk.delivery.release_all("dead") == len(held)
        claimed = {i.id for i in await desk.delivery.claim("next")}
        assert {i.id for i in held} <= claimed
        assert not {i.id for i in others} & claimed, "the live dispatcher keeps its rows"
        assert await desk.delivery.release_all("dead") == 0

    async def test_the_holder_takes_the_rows_behind_its_own_and_others_wait(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        held = await desk.delivery.claim("a", lease=timedelta(minutes=5))
        await desk.messages.send_message(ann, ticket.number, text_from(ann, "More smoke"))
        assert await desk.delivery.claim("b") == [], "another claimer keeps the lane in order"
        behind = await desk.delivery.claim("a")
        assert [i.lane for i in behind] == [f"topic:{ticket.number}"]
        assert behind[0].id > max(i.id for i in held)

    async def test_the_holder_releases_its_rows_for_the_next_claim(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        held = await desk.delivery.claim("a", lease=timedelta(minutes=5))
        await desk.delivery.release("a", [i.id for i in held])
        assert [i.id for i in await desk.delivery.claim("b")] == [i.id for i in held]


class TestHousekeeping:
    async def test_delivered_rows_are_purged_after_the_retention_waiting_and_failed_ones_kept(
        self, desk: Desk, ann: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        await report(ann)
        items = await desk.delivery.claim("a")
        await desk.delivery.mark_sent([i.id for i in items[:2]])
        await desk.delivery.mark_failed([items[2].id], "gone")
        clock.advance(timedelta(days=6))
        assert await desk.delivery.purge_delivered(timedelta(days=7)) == 0
        clock.advance(timedelta(days=1, seconds=1))
        assert await desk.delivery.purge_delivered(timedelta(days=7)) == 2
        assert await desk.delivery.counts() == {"pending": 1, "failed": 1, "sent": 0}

    async def test_progress_of_a_send_cut_short_is_kept_for_the_next_try(
        self, desk: Desk, ann: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        await report(ann)
        item = (await desk.delivery.claim("a", limit=1))[0]
        await desk.delivery.reschedule([item.id], timedelta(seconds=1), "429", progress=2)
        clock.advance(timedelta(seconds=1))
        again = (await desk.delivery.claim("a", limit=1))[0]
        assert (again.id, again.progress, again.attempts) == (item.id, 2, 1)
