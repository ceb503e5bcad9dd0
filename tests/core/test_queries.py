"""Queue views: filters, keyset pages (most recent activity first), ticket history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from core.clock import ManualClock
from core.desk import Desk
from core.domain.actors import Actor
from core.domain.values import Status
from core.errors import InvalidInput
from core.services.queries import UNASSIGNED, TicketFilter
from core.views import TICKET_SUMMARY_FIELDS
from tests.core.conftest import PASSWORD, text_from


async def _all_pages(desk: Desk, actor: Actor, **filters: Any) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = await desk.queries.view_tickets(actor, cursor=cursor, limit=3, **filters)
        pages.append([t.number for t in page.tickets])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


class TestQueue:
    async def test_pages_walk_every_ticket_once_most_recent_activity_first(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        numbers = []
        for i in range(8):
            clock.advance(timedelta(minutes=1))
            numbers.append((await report(ann, f"T{i}")).number)
        clock.advance(timedelta(minutes=1))
        await desk.messages.send_message(ann, numbers[2], text_from(ann, "bump"))
        pages = await _all_pages(desk, alice)
        expected = [numbers[2], *reversed([n for n in numbers if n != numbers[2]])]
        assert [n for page in pages for n in page] == expected
        assert [len(p) for p in pages] == [3, 3, 2]

    async def test_tickets_with_the_same_activity_time_are_neither_skipped_nor_repeated(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        numbers = [(await report(ann, f"T{i}")).number for i in range(7)]  # clock stands still
        pages = await _all_pages(desk, alice)
        assert sorted(n for page in pages for n in page) == sorted(numbers)
        assert [n for page in pages for n in page] == sorted(numbers, reverse=True)

    async def test_filter_by_status_and_assignee(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        await desk.accounts.add_agent("bob", PASSWORD)
        new = await report(ann, "new")
        mine = await report(ann, "mine")
        bobs = await report(ann, "bob's")
        pending = await report(ann, "pending")
        await desk.tickets.take(alice, mine.number)
        await desk.tickets.assign(alice, bobs.number, "bob")
        await desk.tickets.change_status(alice, pending.number, Status.PENDING)

        async def numbers(**filters: Any) -> set[int]:
            return {t.number for t in (await desk.queries.view_tickets(alice, **filters)).tickets}

        assert await numbers(statuses=[Status.NEW]) == {new.number, bobs.number}
        assert await numbers(statuses=[Status.OPEN, Status.PENDING]) == {
            mine.number,
            pending.number,
        }
        assert await numbers(assignee_id=alice.ref) == {mine.number}
        assert await numbers(assignee_id=UNASSIGNED) == {new.number, pending.number}
        assert await numbers(statuses=[Status.CLOSED]) == set()

    async def test_a_status_named_twice_lists_its_tickets_once(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        first, second = await report(ann, "first"), await report(ann, "second")
        page = await desk.queries.view_tickets(alice, statuses=[Status.NEW, Status.NEW])
        assert [t.number for t in page.tickets] == [second.number, first.number]

    async def test_every_status_in_one_walk_pages_like_the_walks_merged_per_status(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        numbers, new = [], []
        for i, status in enumerate([*Status, *Status]):
            clock.advance(timedelta(minutes=1))
            ticket = await report(ann, f"T{i}")
            numbers.append(ticket.number)
            if status is Status.NEW:
                new.append(ticket.number)
                continue
            await desk.tickets.assign(alice, ticket.number, "alice")
            if status is not Status.OPEN:
                await desk.tickets.change_status(alice, ticket.number, status)
        newest_first = list(reversed(numbers))
        everything = await _all_pages(desk, alice)  # one walk of the activity index
        assert [n for page in everything for n in page] == newest_first
        # Filtered by assignee: a walk per status, merged.
        alices = await _all_pages(desk, alice, assignee_id=alice.ref)
        assert [n for page in alices for n in page] == [n for n in newest_first if n not in new]
        nobodys = await _all_pages(desk, alice, assignee_id=UNASSIGNED)
        assert [n for page in nobodys for n in page] == list(reversed(new))

    async def test_listed_tickets_carry_their_tags_unless_left_out(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        first, second = await report(ann, "first"), await report(ann, "second")
        await desk.tags.tag(alice, first.number, ["vip", "billing"])
        page = await desk.queries.list_tickets(alice, TicketFilter())
        assert [(t.number, t.tags) for t in page.tickets] == [
            (second.number, ()),
            (first.number, ("billing", "vip")),
        ]
        bare = await desk.queries.list_tickets(alice, TicketFilter(), tags=False)
        assert [(t.number, t.tags) for t in bare.tickets] == [
            (second.number, ()),
            (first.number, ()),
        ]
        assert [replace(t, tags=()) for t in page.tickets] == list(bare.tickets)

    async def test_summaries_hold_the_views_values_in_field_order(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        first, _ = await report(ann, "first"), await report(bob, "second")
        await desk.tickets.assign(alice, first.number, "alice")
        for where, limit in ((TicketFilter(), 1), (TicketFilter(customer=ann.ref), 5)):
            summaries = await desk.queries.list_ticket_summaries(alice, where, limit=limit)
            views = await desk.queries.list_tickets(alice, where, limit=limit, tags=False)
            assert summaries.next_cursor == views.next_cursor
            assert len(summaries.rows) == len(views.tickets) == 1
            for row, view in zip(summaries.rows, views.tickets, strict=True):
                values = dict(zip(TICKET_SUMMARY_FIELDS, row, strict=True))
                for name, value in values.items():
                    if name.startswith("customer_"):
                        expected = getattr(view.customer, name.removeprefix("customer_"))
                    else:
                        expected = getattr(view, name)
                    assert value == expected, name

    @pytest.mark.parametrize("cursor", ["garbage", "1.2.3", "..", "99999999999999999999999.1"])
    async def test_a_forged_cursor_gets_a_clear_answer(
        self, desk: Desk, alice: Actor, cursor: str
    ) -> None:
        with pytest.raises(InvalidInput, match="no longer valid"):
            await desk.queries.view_tickets(alice, cursor=cursor)


class TestTicketHistory:
    async def test_history_interleaves_messages_and_events_oldest_first(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any], clock: ManualClock
    ) -> None:
        ticket = await report(ann)
        clock.advance(timedelta(minutes=1))
        await desk.messages.send_message(
            alice, ticket.number, text_from(alice, "note"), internal=True
        )
        clock.advance(timedelta(minutes=1))
        await desk.tickets.change_status(alice, ticket.number, Status.PENDING)
        clock.advance(timedelta(minutes=1))
        await desk.messages.send_message(ann, ticket.number, text_from(ann, "answer"))
        detail = await desk.queries.get_ticket(alice, ticket.number)
        described = [
            getattr(item, "text", None) or f"{item.kind}:{getattr(item, 'to_status', '')}"
            for item in detail.timeline()
        ]
        assert described == [
            "created:new",
            "It smokes.",
            "note",
            "status:pending",
            "status:open",
            "answer",
        ]

    async def test_history_is_limited_to_the_latest_entries(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        for i in range(5):
            await desk.messages.send_message(ann, ticket.number, text_from(ann, f"m{i}"))
        detail = await desk.queries.get_ticket(alice, ticket.number, history=3)
        assert [m.text for m in detail.messages] == ["m2", "m3", "m4"]
