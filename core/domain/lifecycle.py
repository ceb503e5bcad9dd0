"""The ticket lifecycle: one explicit transition table and the rule that enforces it.

Read a row of ``TRANSITIONS`` as "from → to: who may make this move". A customer may
reopen a pending or resolved ticket only by writing to it (``Mover.CUSTOMER_REPLY``), never
by asking for a status; the desk itself (``Mover.SYSTEM``) only closes tickets on timers.
"""

from __future__ import annotations

from enum import StrEnum

from core.domain.values import Status
from core.errors import TransitionRefused


class Mover(StrEnum):
    """Who makes a move, and how."""

    AGENT = "agent"
    CUSTOMER = "customer"
    CUSTOMER_REPLY = "customer reply"
    SYSTEM = "system"


_A, _C, _R, _S = Mover.AGENT, Mover.CUSTOMER, Mover.CUSTOMER_REPLY, Mover.SYSTEM

TRANSITIONS: dict[tuple[Status, Status], frozenset[Mover]] = {
    (Status.NEW, Status.OPEN): frozenset({_A}),
    (Status.NEW, Status.PENDING): frozenset({_A}),
    (Status.NEW, Status.RESOLVED): frozenset({_A}),
    (Status.NEW, Status.CLOSED): frozenset({_A, _C}),
    (Status.OPEN, Status.PENDING): frozenset({_A}),
    (Status.OPEN, Status.RESOLVED): frozenset({_A}),
    (Status.OPEN, Status.CLOSED): frozenset({_A, _C}),
    (Status.PENDING, Status.OPEN): frozenset({_A, _R}),
    (Status.PENDING, Status.RESOLVED): frozenset({_A}),
    (Status.PENDING, Status.CLOSED): frozenset({_A, _C, _S}),
    (Status.RESOLVED, Status.OPEN): frozenset({_A, _R}),
    (Status.RESOLVED, Status.PENDING): frozenset({_A}),
    (Status.RESOLVED, Status.CLOSED): frozenset({_A, _C, _S}),
    (Status.CLOSED, Status.OPEN): frozenset({_A}),
}


def allowed_moves(current: Status, mover: Mover) -> list[Status]:
    """List the statuses ``mover`` may move a ticket to from ``current``, in table order."""
    return [to for (frm, to), movers in TRANSITIONS.items() if frm == current and mover in movers]


def check_move(current: Status, requested: Status, mover: Mover) -> None:
    """Refuse a move the table does not allow.

    Raises:
        TransitionRefused: naming both statuses and why the move is refused.
    """
    if current == requested:
        raise TransitionRefused(current, requested, f"the ticket is already {current}")
    movers = TRANSITIONS.get((current, requested))
    if movers is None:
        raise TransitionRefused(current, requested, "the lifecycle has no such move")
    if mover not in movers:
        who = ", ".join(sorted(m.value for m in movers))
        raise TransitionRefused(current, requested, f"only {who} may make this move")
