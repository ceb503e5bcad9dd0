"""The lifecycle: every (from, to, actor) combination, in the domain and through the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from core.clock import ManualClock
from core.desk import Desk
from core.domain.actors import Actor
from core.domain.lifecycle import Mover, allowed_moves, check_move
from core.domain.values import Status
from core.errors import TicketClosed, TransitionRefused
from tests.core.conftest import text_from

N, OP, P, R, C = Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED
A, CU, CR, S = Mover.AGENT, Mover.CUSTOMER, Mover.CUSTOMER_REPLY, Mover.SYSTEM

# Written out again from docs/ARCHITECTURE.md, section "Ticket lifecycle", independently of
# core.domain.lifecycle, so a slip in either one fails the test.
EXPECTED = {
    (N, OP): {A}, (N, P): {A}, (N, R): {A}, (N, C): {A, CU},
    (OP, P): {A}, (OP, R): {A}, (OP, C): {A, CU},
    (P, OP): {A, CR}, (P, R): {A}, (P, C): {A, CU, S},
    (R, OP): {A, CR}, (R, P): {A}, (R, C): {A, CU, S},
    (C, OP): {A},
}  # fmt: skip
ALL = [(frm, to, mover) for frm in Status for to in Status for mover in Mover]


class TestTransitionTable:
    @pytest.mark.parametrize(("frm", "to", "mover"), ALL)
    def test_every_combination_is_allowed_exactly_as_designed(
        self, frm: Status, to: Status, mover: Mover
    ) -> None:
        if mover in EXPECTED.get((frm, to), set()):
            check_move(frm, to, mover)
        else:
            with pytest.raises(TransitionRefused) as refused:
                check_move(frm, to, mover)
            assert str(frm) in str(refused.value)
            assert str(to) in str(refused.value)

    def test_refusal_names_both_statuses(self) -> None:
        with pytest.raises(TransitionRefused, match="from closed to pending"):
            check_move(C, P, A)

    def test_allowed_moves_lists_the_table_row(self) -> None:
        assert allowed_moves(P, A) == [OP, R, C]
        assert allowed_moves(OP, CU) == [C]
        assert allowed_moves(C, S) == []


ReachStatus = Callable[[Status], Any]


@pytest.fixture(name="ticket_in")
def fixture_ticket_in(
    desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
) -> ReachStatus:
    """Make a ticket and move it (as an agent) to the requested status."""
    paths = {N: [], OP: [OP], P: [P], R: [R], C: [C]}

    async def ticket_in(status: Status) -> int:
        ticket = await report(ann)
        for step in paths[status]:
            await desk.tickets.change_status(alice, ticket.number, step)
        return int(ticket.number)

    return ticket_in


SERVICE_ACTORS = [
    (frm, to, who) for frm in Status for to in Status for who in ("agent", "customer", "system")
]


class TestChangeStatusService:
    @pytest.mark.parametrize(("frm", "to", "who"), SERVICE_ACTORS)
    async def test_every_combination_through_the_service(
        self,
        desk: Desk,
        ann: Actor,
        alice: Actor,
        ticket_in: ReachStatus,
        frm: Status,
        to: Status,
        who: str,
    ) -> None:
        actor = {"agent": alice, "customer": ann, "system": Actor.system()}[who]
        number = await ticket_in(frm)
        allowed = actor.mover in EXPECTED.get((frm, to), set())
        if allowed:
            view = await desk.tickets.change_status(actor, number, to)
            assert view.status is to
        else:
            with pytest.raises(TransitionRefused):
                await desk.tickets.change_status(actor, number, to)
            assert (await desk.queries.find_ticket(alice, number)).status is frm

    async def test_resolve_and_close_stamp_their_times(
        self, desk: Desk, alice: Actor, ticket_in: ReachStatus, clock: ManualClock
    ) -> None:
        number = await ticket_in(OP)
        clock.advance(timedelta(minutes=5))
        resolved = await desk.tickets.change_status(alice, number, R)
        assert resolved.resolved_at == clock.now()
        clock.advance(timedelta(minutes=5))
        closed = await desk.tickets.change_status(alice, number, C)
        assert closed.closed_at == clock.now()
        reopened = await desk.tickets.change_status(alice, number, OP)
        assert reopened.closed_at is None

    async def test_status_change_is_in_the_audit_trail(
        self, desk: Desk, alice: Actor, ticket_in: ReachStatus
    ) -> None:
        number = await ticket_in(P)
        events = (await desk.queries.get_ticket(alice, number)).events
        assert [(e.kind, e.from_status, e.to_status, e.actor_name) for e in events] == [
            ("created", None, N, "Ann"),
            ("status", N, P, "alice"),
        ]


class TestAutomaticMoves:
    async def test_customer_reply_reopens_a_pending_ticket(
        self, desk: Desk, ann: Actor, ticket_in: ReachStatus
    ) -> None:
        number = await ticket_in(P)
        posted = await desk.messages.send_message(ann, number, text_from(ann, "here it is"))
        assert posted.reopened
        assert posted.ticket.status is OP

    async def test_customer_reply_within_the_window_reopens_a_resolved_ticket(
        self, desk: Desk, ann: Actor, ticket_in: ReachStatus, clock: ManualClock
    ) -> None:
        number = await ticket_in(R)
        clock.advance(timedelta(days=6, hours=23))
        posted = await desk.messages.send_message(ann, number, text_from(ann, "still broken"))
        assert posted.ticket.status is OP
        assert posted.ticket.resolved_at is None

    async def test_customer_reply_after_the_window_is_refused_for_a_follow_up(
        self, desk: Desk, ann: Actor, ticket_in: ReachStatus, clock: ManualClock
    ) -> None:
        number = await ticket_in(R)
        clock.advance(timedelta(days=7, seconds=1))
        with pytest.raises(TicketClosed):
            await desk.messages.send_message(ann, number, text_from(ann, "again"))

    async def test_customer_message_to_a_closed_ticket_is_never_appended(
        self, desk: Desk, ann: Actor, alice: Actor, ticket_in: ReachStatus
    ) -> None:
        number = await ticket_in(C)
        with pytest.raises(TicketClosed, match=f"#{number} is closed"):
            await desk.messages.send_message(ann, number, text_from(ann, "hello?"))
        history = await desk.queries.get_ticket(alice, number)
        assert [m.text for m in history.messages] == ["It smokes."]

    async def test_follow_up_ticket_links_the_closed_one(
        self, desk: Desk, ann: Actor, ticket_in: ReachStatus
    ) -> None:
        number = await ticket_in(C)
        follow_up = await desk.tickets.report_ticket(
            ann, "Printer again", text_from(ann, "hello?"), follow_up_of=number
        )
        assert follow_up.follow_up_of == number
        assert follow_up.status is N

    async def test_first_public_reply_opens_records_response_and_takes(
        self, desk: Desk, alice: Actor, ticket_in: ReachStatus, clock: ManualClock
    ) -> None:
        number = await ticket_in(N)
        clock.advance(timedelta(minutes=12))
        posted = await desk.messages.send_message(alice, number, text_from(alice, "on it"))
        assert posted.ticket.status is OP
        assert posted.ticket.first_response_at == clock.now()
        assert posted.ticket.assignee == "alice"

    async def test_internal_note_is_not_a_first_response(
        self, desk: Desk, alice: Actor, ticket_in: ReachStatus
    ) -> None:
        number = await ticket_in(N)
        posted = await desk.messages.send_message(
            alice, number, text_from(alice, "hmm"), internal=True
        )
        assert posted.ticket.status is N
        assert posted.ticket.first_response_at is None

    async def test_agent_cannot_reply_publicly_on_a_closed_ticket(
        self, desk: Desk, alice: Actor, ticket_in: ReachStatus
    ) -> None:
        number = await ticket_in(C)
        with pytest.raises(TicketClosed, match="reopen it"):
            await desk.messages.send_message(alice, number, text_from(alice, "late"))
        await desk.messages.send_message(alice, number, text_from(alice, "note"), internal=True)
