"""What a move does to a ticket, decided without a database.

A service reads a ``TicketState`` from the stored ticket, asks one of these functions what a
request does, then stores the new state and acts on the events it returns (the audit trail,
the outbox). Every rule about which times change, the first response, the reopen window and
the rating request lives here; which moves are allowed at all is ``core.domain.lifecycle``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.domain.lifecycle import Mover, check_move
from core.domain.values import Status
from core.errors import TicketClosed, TransitionRefused


@dataclass(frozen=True, slots=True)
class TicketState:
    """What the lifecycle rules read and write of a ticket.

    Attributes:
        number: the ticket's number (#N), for the errors that name it.
        status: where it stands.
        status_changed_at: when it last changed status (the timers count from here).
        updated_at: when anything last happened on it.
        first_response_at: an agent's first public reply, if there was one.
        resolved_at: when it was last resolved; a close keeps it.
        closed_at: when it was closed; reopening clears it.
        assignee_id: the agent it is assigned to, if any.
        rated: the customer has rated it.
        merged_into: the ticket it was merged into, if it was: it stays closed.
        erased: its content was erased: it stays closed and takes nothing more.
    """

    number: int
    status: Status
    status_changed_at: datetime
    updated_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    assignee_id: int | None = None
    rated: bool = False
    merged_into: int | None = None
    erased: bool = False


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """The ticket changed status.

    Attributes:
        from_status: where it stood.
        to_status: where it stands now.
        reason: why the desk moved it (a timer), shown to the customer; None otherwise.
        ask_rating: the customer is asked to rate the ticket.
    """

    from_status: Status
    to_status: Status
    reason: str | None = None
    ask_rating: bool = False


@dataclass(frozen=True, slots=True)
class ResponderAssigned:
    """An agent's public reply on an unassigned ticket made them its assignee."""

    agent_id: int


TicketEvent = StatusChanged | ResponderAssigned


@dataclass(frozen=True, slots=True)
class Outcome:
    """A ticket's new state and what happened to get there, in order."""

    state: TicketState
    events: tuple[TicketEvent, ...] = ()

    @property
    def moved(self) -> bool:
        """Tell whether the ticket changed status."""
        return any(isinstance(event, StatusChanged) for event in self.events)


def move(
    state: TicketState, to: Status, *, mover: Mover, now: datetime, reason: str | None = None
) -> Outcome:
    """Move a ticket on request: an agent's, the customer's, or a timer's.

    Raises:
        TransitionRefused: the lifecycle does not allow this move for this mover, or the
            ticket was merged or erased (it can only be closed).
    """
    if to is not Status.CLOSED and (ended := _ended(state)):
        raise TransitionRefused(state.status.value, to.value, ended)
    check_move(state.status, to, mover)
    resolved_at, closed_at = state.resolved_at, state.closed_at
    if to is Status.RESOLVED:
        resolved_at = now
    elif to is Status.CLOSED:
        closed_at = now
    if state.status is Status.CLOSED:
        closed_at = None
    if state.status is Status.RESOLVED and to is not Status.CLOSED:
        resolved_at = None
    moved = replace(
        state,
        status=to,
        status_changed_at=now,
        updated_at=now,
        resolved_at=resolved_at,
        closed_at=closed_at,
    )
    event = StatusChanged(state.status, to, reason, ask_rating=_asks_rating(state, to))
    return Outcome(moved, (event,))


def _ended(state: TicketState) -> str:
    """Why the ticket's story is over for good ("" while it is not): merged, or erased."""
    if state.erased:
        return f"#{state.number}'s content was erased"
    if state.merged_into is not None:
        return f"#{state.number} was merged into #{state.merged_into}; work on that one"
    return ""


def _asks_rating(state: TicketState, to: Status) -> bool:
    # A close right after a resolution asked already; a close that skipped it asks now.
    if state.rated:
        return False
    return to is Status.RESOLVED or (to is Status.CLOSED and state.status is not Status.RESOLVED)


def customer_reply(state: TicketState, *, now: datetime, reopen_window: timedelta) -> Outcome:
    """What a customer's message does: it reopens a pending or recently resolved ticket.

    Raises:
        TicketClosed: the ticket is closed, or was resolved longer than ``reopen_window`` ago.
    """
    if state.status is Status.CLOSED:
        raise TicketClosed(state.number)
    resolved_at = state.resolved_at
    if state.status is Status.RESOLVED and resolved_at and now - resolved_at > reopen_window:
        raise TicketClosed(state.number, "was resolved too long ago to reopen")
    written = replace(state, updated_at=now)
    if state.status not in (Status.PENDING, Status.RESOLVED):
        return Outcome(written)
    reopened = move(written, Status.OPEN, mover=Mover.CUSTOMER_REPLY, now=now)
    # Reopened by the customer, the ticket is unresolved, whatever an earlier resolution left.
    return Outcome(replace(reopened.state, resolved_at=None), reopened.events)


def agent_reply(state: TicketState, *, agent_id: int, now: datetime, internal: bool) -> Outcome:
    """What an agent's message does.

    A public reply records the first response, assigns the ticket to the agent if nobody
    has it, and opens a new ticket. An internal note changes nothing but the activity time.

    Raises:
        TicketClosed: a public reply on a closed ticket (it must be reopened first), or any
            message on a merged or erased one (it cannot be).
    """
    if state.erased:
        raise TicketClosed(state.number, "was erased; it takes no more messages")
    if state.merged_into is not None:
        raise TicketClosed(state.number, f"was merged into #{state.merged_into}; write on that one")
    if state.status is Status.CLOSED and not internal:
        raise TicketClosed(state.number, "is closed; reopen it before replying")
    if internal:
        return Outcome(replace(state, updated_at=now))
    events: tuple[TicketEvent, ...] = ()
    assignee_id = state.assignee_id
    if assignee_id is None:
        assignee_id = agent_id
        events = (ResponderAssigned(agent_id),)
    first_response_at = now if state.first_response_at is None else state.first_response_at
    # One copy of the state for all three changes (this runs on every reply).
    answered = replace(
        state, updated_at=now, first_response_at=first_response_at, assignee_id=assignee_id
    )
    if state.status is not Status.NEW:
        return Outcome(answered, events)
    opened = move(answered, Status.OPEN, mover=Mover.AGENT, now=now)
    return Outcome(opened.state, events + opened.events)
