"""The v1 list's answer from plain rows is byte for byte the answer built from views."""

from __future__ import annotations

import itertools
from datetime import timedelta

from api.json_bodies import JsonBody, page_json, summary_page_json
from api.schemas import TicketOut, TicketPageOut
from core.clock import ManualClock
from core.desk import Desk
from core.domain.actors import Actor, ChatRef, CustomerProfile, NewMessage
from core.domain.values import Priority, Status
from core.services.customer_refs import CustomerRef
from core.services.queries import UNASSIGNED, TicketFilter
from core.views import TicketPage

PASSWORD = "a-long-secret-pass"
ANN = Actor.customer(CustomerProfile(7001, 'Änn <b>"the" & co</b> 🙂', None, "de"))
BOB = Actor.customer(CustomerProfile(7002, "Bob", "bob_42", "en"))
CAROL = Actor.customer(CustomerProfile(7003, "Carol", "carol", None))  # erased
_message_ids = itertools.count(5000)


def _text(actor: Actor, text: str) -> NewMessage:
    return NewMessage(text, origin=ChatRef(actor.ref, next(_message_ids)))


def _bytes(content: object) -> bytes:
    return bytes(JsonBody(content).body)


def _model_bytes(page: TicketPage) -> bytes:
    model = TicketPageOut(
        items=[TicketOut.of(view) for view in page.tickets], next_cursor=page.next_cursor
    )
    return model.model_dump_json().encode()


async def _varied_tickets(desk: Desk, clock: ManualClock) -> Actor:
    """Tickets of every status, assigned or not, tagged, rated, a follow-up, an erased one."""
    await desk.accounts.add_agent("alice", PASSWORD, is_admin=True)
    view = await desk.accounts.login("alice", PASSWORD, 9001)
    alice = Actor.agent(view.id, view.username)
    tickets = desk.tickets
    subjects = ["Päyment <failed> & “retried”", "</script><script>alert(1)</script>", "Plain"]
    numbers = []
    for index in range(9):
        clock.advance(timedelta(seconds=1, microseconds=index * 137_001))
        customer = CAROL if index == 8 else ANN if index % 2 == 0 else BOB
        subject = subjects[index % len(subjects)]
        opened_view = await tickets.report_ticket(customer, subject, _text(customer, "Hi \u2028"))
        numbers.append(opened_view.number)
    # Ann's are the even ones, Bob's the odd ones, Carol's the last.
    new, opened, pending, resolved, closed, tagged, rated, follow, erased = numbers
    clock.advance(timedelta(minutes=3))  # a whole second: no fraction in its times
    await tickets.change_status(alice, opened, Status.OPEN)
    await tickets.assign(alice, opened, "alice")
    await tickets.change_status(alice, pending, Status.PENDING)
    await tickets.set_priority(alice, pending, Priority.URGENT)
    clock.advance(timedelta(microseconds=250_001))
    await tickets.change_status(alice, resolved, Status.RESOLVED)
    await tickets.set_category(alice, resolved, "Billing")
    await tickets.change_status(alice, closed, Status.CLOSED)
    await desk.tags.tag(alice, tagged, ["vip", "émigré"])
    await tickets.assign(alice, tagged, "alice")
    await tickets.change_status(alice, rated, Status.RESOLVED)
    await tickets.rate_ticket(ANN, rated, 4, 'Grand <3 "ok"')  # ANN's: an even one
    clock.advance(timedelta(seconds=2))
    await tickets.report_ticket(BOB, "Again ∑", _text(BOB, "More"), follow_up_of=follow)
    await desk.customer_data.erase(Actor.system(), CustomerRef(ticket=erased))
    assert new
    return alice


async def _same_answers(desk: Desk, actor: Actor, where: TicketFilter, limit: int) -> int:
    """Walk every page both ways; return how many tickets were listed."""
    cursor: str | None = None
    listed = 0
    while True:
        summaries = await desk.queries.list_ticket_summaries(
            actor, where, cursor=cursor, limit=limit
        )
        views = await desk.queries.list_tickets(
            actor, where, cursor=cursor, limit=limit, tags=False
        )
        assert _bytes(summary_page_json(summaries, summaries.next_cursor)) == _bytes(
            page_json(views)
        )
        assert _bytes(summary_page_json(summaries, summaries.next_cursor)) == _model_bytes(views)
        listed += len(views.tickets)
        cursor = summaries.next_cursor
        assert cursor == views.next_cursor
        if cursor is None:
            return listed


class TestSummaryPage:
    async def test_every_filter_and_page_answers_as_the_views_do(
        self, desk: Desk, clock: ManualClock
    ) -> None:
        alice = await _varied_tickets(desk, clock)
        filters = [
            TicketFilter(),
            *(TicketFilter(statuses=(status,)) for status in Status),
            TicketFilter(statuses=(Status.NEW, Status.OPEN, Status.RESOLVED)),
            TicketFilter(assignee_id=alice.ref),
            TicketFilter(assignee_id=UNASSIGNED),
            TicketFilter(customer=ANN.ref),
            TicketFilter(priority=Priority.URGENT),
            TicketFilter(category="Billing"),
            TicketFilter(updated_since=clock.now() - timedelta(minutes=1)),
        ]
        for where in filters:
            for limit in (1, 3, 20):
                await _same_answers(desk, alice, where, limit)
        assert await _same_answers(desk, alice, TicketFilter(), 100) == 10
        assert await _same_answers(desk, ANN, TicketFilter(), 2) > 0
        assert await _same_answers(desk, BOB, TicketFilter(customer=ANN.ref), 20) == 0

    async def test_the_rows_hold_every_kind_of_value(self, desk: Desk, clock: ManualClock) -> None:
        alice = await _varied_tickets(desk, clock)
        page = await desk.queries.list_ticket_summaries(alice, TicketFilter(), limit=100)
        items = summary_page_json(page, None)["items"]
        assert {item["status"] for item in items} == {status.value for status in Status}
        assert {item["assignee"] for item in items} == {None, "alice"}
        assert any(item["rating"] == 4 for item in items)
        assert any(item["follow_up_of"] is not None for item in items)
        assert any("<script>" in item["title"] for item in items)
        assert any(item["customer"]["username"] is None for item in items)
