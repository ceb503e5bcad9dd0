"""The lifecycle's rules, decided on plain values: no database, no desk, no clock.

Every expectation below is written out again here, independently of core.domain, so a
slip in either one fails a test.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.domain.lifecycle import Mover
from core.domain.moves import (
    Outcome,
    ResponderAssigned,
    StatusChanged,
    TicketState,
    agent_reply,
    customer_reply,
    move,
)
from core.domain.values import Status
from core.errors import TicketClosed, TransitionRefused

N, OP, P, R, C = Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED
A, CU, CR, S = Mover.AGENT, Mover.CUSTOMER, Mover.CUSTOMER_REPLY, Mover.SYSTEM

CREATED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
RESOLVED_AT = CREATED + timedelta(hours=1)
CLOSED_AT = CREATED + timedelta(hours=2)
NOW = CREATED + timedelta(days=1)
WINDOW = timedelta(days=7)
ALICE, BORIS = 11, 12

EXPECTED = {
    (N, OP): {A}, (N, P): {A}, (N, R): {A}, (N, C): {A, CU},
    (OP, P): {A}, (OP, R): {A}, (OP, C): {A, CU},
    (P, OP): {A, CR}, (P, R): {A}, (P, C): {A, CU, S},
    (R, OP): {A, CR}, (R, P): {A}, (R, C): {A, CU, S},
    (C, OP): {A},
}  # fmt: skip
ALL = [(frm, to, mover) for frm in Status for to in Status for mover in Mover]
ALLOWED_PAIRS = list(EXPECTED)

# (resolved_at, closed_at) after each allowed move from a ticket as it would stand there:
# a resolved ticket carries its resolution, a closed one its resolution and its close.
TIMES_AFTER = {
    (N, OP): (None, None), (N, P): (None, None),
    (N, R): (NOW, None), (N, C): (None, NOW),
    (OP, P): (None, None), (OP, R): (NOW, None), (OP, C): (None, NOW),
    (P, OP): (None, None), (P, R): (NOW, None), (P, C): (None, NOW),
    (R, OP): (None, None), (R, P): (None, None), (R, C): (RESOLVED_AT, NOW),
    (C, OP): (RESOLVED_AT, None),
}  # fmt: skip

# The moves that ask a customer who has not rated yet for a rating.
ASKS_RATING = {(N, R), (OP, R), (P, R), (N, C), (OP, C), (P, C)}


def ticket(status: Status, **changes: Any) -> TicketState:
    """A ticket #42 as it would stand in ``status``, reported at CREATED."""
    resolved_at = RESOLVED_AT if status in (R, C) else None
    closed_at = CLOSED_AT if status is C else None
    state = TicketState(
        number=42,
        status=status,
        status_changed_at=CREATED,
        updated_at=CREATED,
        resolved_at=resolved_at,
        closed_at=closed_at,
    )
    return replace(state, **changes)


class TestTransitionTable:
    @pytest.mark.parametrize(("frm", "to", "mover"), ALL)
    def test_every_combination_moves_or_is_refused_as_designed(
        self, frm: Status, to: Status, mover: Mover
    ) -> None:
        before = ticket(frm)
        if mover not in EXPECTED.get((frm, to), set()):
            with pytest.raises(TransitionRefused, match=f"from {frm} to {to}"):
                move(before, to, mover=mover, now=NOW)
            return
        outcome = move(before, to, mover=mover, now=NOW)
        assert outcome.state.status is to
        assert outcome.events == (
            StatusChanged(frm, to, reason=None, ask_rating=(frm, to) in ASKS_RATING),
        )
        assert outcome.moved

    @pytest.mark.parametrize(("frm", "to"), ALLOWED_PAIRS)
    def test_every_move_stamps_its_times(self, frm: Status, to: Status) -> None:
        after = move(ticket(frm), to, mover=A, now=NOW).state
        assert (after.resolved_at, after.closed_at) == TIMES_AFTER[frm, to]
        assert after.status_changed_at == NOW
        assert after.updated_at == NOW

    @pytest.mark.parametrize(("frm", "to"), ALLOWED_PAIRS)
    def test_a_move_leaves_the_rest_of_the_ticket_alone(self, frm: Status, to: Status) -> None:
        before = ticket(frm, first_response_at=CREATED, assignee_id=ALICE, rated=True)
        after = move(before, to, mover=A, now=NOW).state
        assert (after.number, after.first_response_at, after.assignee_id, after.rated) == (
            42,
            CREATED,
            ALICE,
            True,
        )


class TestMoveDetails:
    def test_a_timer_move_carries_its_reason(self) -> None:
        outcome = move(ticket(P), C, mover=S, now=NOW, reason="no answer from the customer")
        assert outcome.events == (StatusChanged(P, C, "no answer from the customer", True),)

    @pytest.mark.parametrize(("frm", "to"), ALLOWED_PAIRS)
    def test_a_rated_ticket_is_never_asked_again(self, frm: Status, to: Status) -> None:
        outcome = move(ticket(frm, rated=True), to, mover=A, now=NOW)
        assert outcome.events == (StatusChanged(frm, to, ask_rating=False),)

    def test_closing_after_a_resolution_does_not_ask_twice(self) -> None:
        resolved = move(ticket(OP), R, mover=A, now=NOW)
        closed = move(resolved.state, C, mover=S, now=NOW + timedelta(days=3))
        assert (*resolved.events, *closed.events) == (
            StatusChanged(OP, R, ask_rating=True),
            StatusChanged(R, C, ask_rating=False),
        )

    def test_reopening_a_closed_ticket_keeps_when_it_was_resolved(self) -> None:
        reopened = move(ticket(C), OP, mover=A, now=NOW).state
        assert (reopened.resolved_at, reopened.closed_at) == (RESOLVED_AT, None)

    def test_a_refused_move_names_who_may_make_it(self) -> None:
        with pytest.raises(TransitionRefused, match="only agent, customer, system may"):
            move(ticket(P), C, mover=CR, now=NOW)

    def test_the_same_status_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="already open"):
            move(ticket(OP), OP, mover=A, now=NOW)


# What a customer's message does in each status: the status after it, or the refusal.
CUSTOMER_REPLY = {N: N, OP: OP, P: OP, R: OP, C: "is closed"}


class TestEndedTickets:
    """A merged or erased ticket's story is over: it can be closed, never moved otherwise."""

    @pytest.mark.parametrize("to", [N, OP, P, R])
    def test_a_merged_ticket_only_closes(self, to: Status) -> None:
        merged = ticket(C, merged_into=7)
        with pytest.raises(TransitionRefused, match="#42 was merged into #7; work on that one"):
            move(merged, to, mover=A, now=NOW)
        assert move(ticket(OP, merged_into=7), C, mover=A, now=NOW).state.status is C

    @pytest.mark.parametrize("to", [N, OP, P, R])
    def test_an_erased_ticket_only_closes(self, to: Status) -> None:
        with pytest.raises(TransitionRefused, match="#42's content was erased"):
            move(ticket(C, erased=True), to, mover=A, now=NOW)
        assert move(ticket(OP, erased=True), C, mover=A, now=NOW).state.status is C

    @pytest.mark.parametrize("internal", [False, True])
    def test_neither_takes_an_agents_message(self, internal: bool) -> None:
        with pytest.raises(TicketClosed, match="#42 was merged into #7; write on that one"):
            agent_reply(ticket(C, merged_into=7), agent_id=ALICE, now=NOW, internal=internal)
        with pytest.raises(TicketClosed, match="#42 was erased; it takes no more messages"):
            agent_reply(ticket(C, erased=True), agent_id=ALICE, now=NOW, internal=internal)

    def test_an_ordinary_closed_ticket_still_takes_a_note_and_reopens(self) -> None:
        assert agent_reply(ticket(C), agent_id=ALICE, now=NOW, internal=True).state.status is C
        assert move(ticket(C), OP, mover=A, now=NOW).state.status is OP


class TestCustomerReply:
    @pytest.mark.parametrize("frm", list(Status))
    def test_every_status(self, frm: Status) -> None:
        expected = CUSTOMER_REPLY[frm]
        if not isinstance(expected, Status):
            with pytest.raises(TicketClosed, match=f"#42 {expected}"):
                customer_reply(ticket(frm), now=NOW, reopen_window=WINDOW)
            return
        outcome = customer_reply(ticket(frm), now=NOW, reopen_window=WINDOW)
        assert outcome.state.status is expected
        assert outcome.state.updated_at == NOW
        if expected is frm:
            assert outcome == Outcome(ticket(frm, updated_at=NOW))
        else:
            assert outcome.events == (StatusChanged(frm, OP, ask_rating=False),)
            assert outcome.state.status_changed_at == NOW
            assert outcome.moved

    def test_reopening_clears_the_resolution(self) -> None:
        outcome = customer_reply(ticket(R), now=NOW, reopen_window=WINDOW)
        assert outcome.state.resolved_at is None

    def test_reopening_a_pending_ticket_clears_a_resolution_from_before_a_close(self) -> None:
        # Resolved, closed, reopened by an agent and set pending: the old stamp stayed.
        before = ticket(P, resolved_at=RESOLVED_AT)
        assert move(before, OP, mover=A, now=NOW).state.resolved_at == RESOLVED_AT
        assert customer_reply(before, now=NOW, reopen_window=WINDOW).state.resolved_at is None

    def test_a_reply_on_the_last_moment_of_the_window_reopens(self) -> None:
        before = ticket(R, resolved_at=NOW - WINDOW)
        assert customer_reply(before, now=NOW, reopen_window=WINDOW).state.status is OP

    def test_a_reply_just_after_the_window_is_refused(self) -> None:
        before = ticket(R, resolved_at=NOW - WINDOW - timedelta(microseconds=1))
        with pytest.raises(TicketClosed, match="#42 was resolved too long ago to reopen"):
            customer_reply(before, now=NOW, reopen_window=WINDOW)

    def test_a_resolved_ticket_without_its_time_reopens(self) -> None:
        before = ticket(R, resolved_at=None)
        assert customer_reply(before, now=NOW, reopen_window=WINDOW).state.status is OP

    def test_the_window_does_not_apply_to_a_pending_ticket(self) -> None:
        before = ticket(P, status_changed_at=NOW - 10 * WINDOW)
        assert customer_reply(before, now=NOW, reopen_window=WINDOW).state.status is OP

    def test_a_reply_is_never_a_first_response_nor_an_assignment(self) -> None:
        after = customer_reply(ticket(N), now=NOW, reopen_window=WINDOW).state
        assert (after.first_response_at, after.assignee_id) == (None, None)


# What an agent's public reply does in each status: the status after it, or the refusal.
AGENT_REPLY = {N: OP, OP: OP, P: P, R: R, C: "is closed; reopen it before replying"}


class TestAgentReply:
    @pytest.mark.parametrize("frm", list(Status))
    def test_every_status_of_an_unassigned_ticket(self, frm: Status) -> None:
        expected = AGENT_REPLY[frm]
        if not isinstance(expected, Status):
            with pytest.raises(TicketClosed, match=f"#42 {expected}"):
                agent_reply(ticket(frm), agent_id=ALICE, now=NOW, internal=False)
            return
        outcome = agent_reply(ticket(frm), agent_id=ALICE, now=NOW, internal=False)
        after = outcome.state
        assert (after.status, after.first_response_at, after.assignee_id) == (expected, NOW, ALICE)
        assert after.updated_at == NOW
        opened = (StatusChanged(frm, OP, ask_rating=False),) if expected is not frm else ()
        assert outcome.events == (ResponderAssigned(ALICE), *opened)
        assert after.status_changed_at == (NOW if opened else CREATED)

    @pytest.mark.parametrize("frm", list(Status))
    def test_an_internal_note_only_marks_activity(self, frm: Status) -> None:
        outcome = agent_reply(ticket(frm), agent_id=ALICE, now=NOW, internal=True)
        assert outcome == Outcome(ticket(frm, updated_at=NOW))

    def test_the_first_response_is_recorded_once(self) -> None:
        before = ticket(OP, first_response_at=CREATED, assignee_id=ALICE)
        outcome = agent_reply(before, agent_id=ALICE, now=NOW, internal=False)
        assert outcome == Outcome(replace(before, updated_at=NOW))

    def test_a_ticket_someone_has_stays_theirs(self) -> None:
        before = ticket(N, assignee_id=BORIS)
        outcome = agent_reply(before, agent_id=ALICE, now=NOW, internal=False)
        assert outcome.state.assignee_id == BORIS
        assert outcome.events == (StatusChanged(N, OP, ask_rating=False),)


DOMAIN = Path(__file__).resolve().parents[2] / "core" / "domain"
PURE_ROOTS = {
    "__future__",
    "dataclasses",
    "datetime",
    "enum",
    "typing",
    "unicodedata",
    "re",
    "collections",
    "zoneinfo",  # business hours are read in the team's time zone
    "itertools",
    "math",  # search ranking's logarithms
}
PURE_CORE = ("core.domain", "core.errors")


def _impure_imports(path: Path) -> list[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return sorted(
        name
        for name in modules
        if name.split(".")[0] not in PURE_ROOTS and not name.startswith(PURE_CORE)
    )


class TestDomainIsPure:
    def test_the_domain_imports_no_database_nor_services(self) -> None:
        impure = {path.name: _impure_imports(path) for path in DOMAIN.glob("*.py")}
        assert {name: found for name, found in impure.items() if found} == {}

    def test_the_check_sees_a_database_import(self, tmp_path: Path) -> None:
        module = tmp_path / "leaky.py"
        module.write_text("from sqlalchemy import select\nimport core.store.tables\n")
        assert _impure_imports(module) == ["core.store.tables", "sqlalchemy"]
