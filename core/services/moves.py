"""Storing what the lifecycle decided: a ticket row's new state, its audit trail, its news.

``core.domain.moves`` decides from a ``TicketState``; this module reads that state from the
row, writes the decision back, and turns each event into its audit entry and notices, all
in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.domain.actors import Actor
from core.domain.moves import Outcome, ResponderAssigned, TicketEvent, TicketState
from core.domain.moves import move as decide_move
from core.domain.values import EventKind, Status
from core.services import notices
from core.services.common import ServiceContext, write_event
from core.store.prepared import Writer
from core.store.tables import AgentRow, TicketRow
from core.store.write_rows import AGENT_NAME, TicketRecord, ticket_state_write


def ticket_state(ticket: TicketRow | TicketRecord) -> TicketState:
    """Read what the lifecycle rules need from a loaded ticket."""
    return TicketState(
        number=ticket.id,
        status=Status(ticket.status),
        status_changed_at=ticket.status_changed_at,
        updated_at=ticket.updated_at,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        assignee_id=ticket.assignee_id,
        rated=ticket.rating is not None,
        merged_into=ticket.merged_into_id,
        erased=ticket.erased if isinstance(ticket, TicketRecord) else _erased(ticket),
    )


def _erased(ticket: TicketRow) -> bool:
    return ticket.content_erased_at is not None


async def store_outcome(
    session: AsyncSession, ticket: TicketRow, actor: Actor, outcome: Outcome, now: datetime
) -> list[notices.Notice]:
    """Write a decision onto the ticket and audit its events; return the news to queue.

    ``actor`` is who caused it: the audit trail names them.
    """
    state = outcome.state
    writer = await Writer.of(session)
    if await _write_state(writer, ticket, state):
        if ticket.assignee_id != state.assignee_id:
            assignee = None
            if state.assignee_id is not None:
                assignee = await session.get_one(AgentRow, state.assignee_id)
            set_committed_value(ticket, "assignee", assignee)
        # The loaded row is told its new values as already stored: no flush writes them again.
        for name, value in _state_values(state).items():
            set_committed_value(ticket, name, value)
    news: list[notices.Notice] = []
    for event in outcome.events:
        news += await _record(writer, ticket, actor, event, now)
    return news


async def store_record_outcome(
    writer: Writer, ticket: TicketRecord, actor: Actor, outcome: Outcome, now: datetime
) -> list[notices.Notice]:
    """``store_outcome`` for a ticket read as plain values: the record follows the row."""
    state = outcome.state
    changed = await _write_state(writer, ticket, state)
    if changed:
        if "assignee_id" in changed:
            ticket.assignee_username = (
                None
                if state.assignee_id is None
                else await writer.scalar(AGENT_NAME, {"agent": state.assignee_id})
            )
        for name, value in changed.items():  # the others hold these values already
            setattr(ticket, name, value)
    news: list[notices.Notice] = []
    for event in outcome.events:
        news += await _record(writer, ticket, actor, event, now)
    return news


def _state_values(state: TicketState) -> dict[str, object]:
    return {
        "status": state.status.value,
        "status_changed_at": state.status_changed_at,
        "updated_at": state.updated_at,
        "first_response_at": state.first_response_at,
        "resolved_at": state.resolved_at,
        "closed_at": state.closed_at,
        "assignee_id": state.assignee_id,
    }


async def _write_state(
    writer: Writer, ticket: TicketRow | TicketRecord, state: TicketState
) -> dict[str, object]:
    """Write the lifecycle's columns that changed with one prepared UPDATE; return those.

    Every customer message pays for this write, and the unit of work's flush cost several
    times the statement; the statement for each set of changed columns is built only once.
    """
    changed = {
        name: value
        for name, value in _state_values(state).items()
        if getattr(ticket, name) != value
    }
    if changed:
        await writer.run(ticket_state_write(tuple(changed)), {"n": ticket.id, **changed})
    return changed


async def _record(
    writer: Writer,
    ticket: TicketRow | TicketRecord,
    actor: Actor,
    event: TicketEvent,
    now: datetime,
) -> list[notices.Notice]:
    if isinstance(event, ResponderAssigned):
        entry = await write_event(
            writer, ticket.id, actor, EventKind.ASSIGNED, now, detail=actor.name
        )
        return notices.on_assigned(ticket, entry, None, by_agent_id=actor.ref)
    entry = await write_event(
        writer,
        ticket.id,
        actor,
        EventKind.STATUS,
        now,
        from_status=event.from_status,
        to_status=event.to_status,
        detail=event.reason,
    )
    return notices.on_status_changed(ticket, entry, ask_rating=event.ask_rating)


async def move_record(
    context: ServiceContext,
    writer: Writer,
    ticket: TicketRecord,
    *,
    actor: Actor,
    to: Status,
    now: datetime,
) -> None:
    """``move_ticket`` for a ticket read as plain values.

    Raises:
        TransitionRefused: the lifecycle does not allow this move for this actor.
    """
    outcome = decide_move(ticket_state(ticket), to, mover=actor.mover, now=now)
    news = await store_record_outcome(writer, ticket, actor, outcome, now)
    await context.enqueue(writer, news, now)


async def move_ticket(
    context: ServiceContext,
    session: AsyncSession,
    ticket: TicketRow,
    *,
    actor: Actor,
    to: Status,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Move a loaded ticket, stamp its times, audit it and queue the news (one transaction).

    Raises:
        TransitionRefused: the lifecycle does not allow this move for this actor.
    """
    outcome = decide_move(ticket_state(ticket), to, mover=actor.mover, now=now, reason=reason)
    news = await store_outcome(session, ticket, actor, outcome, now)
    await context.enqueue(session, news, now)
