"""Storing what the lifecycle decided: a ticket row's new state, its audit trail, its news.

``core.domain.moves`` decides from a ``TicketState``; this module reads that state from the
row, writes the decision back, and turns each event into its audit entry and notices, all
in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.domain.actors import Actor
from core.domain.moves import Outcome, ResponderAssigned, TicketEvent, TicketState
from core.domain.moves import move as decide_move
from core.domain.values import EventKind, Status
from core.services import notices
from core.services.common import ServiceContext, record_event
from core.store.tables import AgentRow, TicketRow, table_of


def ticket_state(ticket: TicketRow) -> TicketState:
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
    )


async def store_outcome(
    session: AsyncSession, ticket: TicketRow, actor: Actor, outcome: Outcome, now: datetime
) -> list[notices.Notice]:
    """Write a decision onto the ticket and audit its events; return the news to queue.

    ``actor`` is who caused it: the audit trail names them.
    """
    state = outcome.state
    await _write_state(session, ticket, state)
    if ticket.assignee_id != state.assignee_id:
        # Through the relationship, so the loaded row names its new agent.
        ticket.assignee = (
            None
            if state.assignee_id is None
            else await session.get_one(AgentRow, state.assignee_id)
        )
    news: list[notices.Notice] = []
    for event in outcome.events:
        news += await _record(session, ticket, actor, event, now)
    return news


async def _write_state(session: AsyncSession, ticket: TicketRow, state: TicketState) -> None:
    """Write the columns that changed with one UPDATE, bypassing the ORM's unit of work.

    Every customer message pays for this write, and the unit of work's flush cost several
    times the statement. The loaded row is then told its new values as already stored.
    """
    wanted = {
        "status": state.status.value,
        "status_changed_at": state.status_changed_at,
        "updated_at": state.updated_at,
        "first_response_at": state.first_response_at,
        "resolved_at": state.resolved_at,
        "closed_at": state.closed_at,
    }
    changed = {name: value for name, value in wanted.items() if getattr(ticket, name) != value}
    if not changed:
        return
    table = table_of(TicketRow)
    connection = await session.connection()  # a plain statement: skip the ORM's path
    await connection.execute(update(table).where(table.c.id == ticket.id).values(changed))
    for name, value in changed.items():
        set_committed_value(ticket, name, value)


async def _record(
    session: AsyncSession, ticket: TicketRow, actor: Actor, event: TicketEvent, now: datetime
) -> list[notices.Notice]:
    if isinstance(event, ResponderAssigned):
        entry = await record_event(
            session, ticket, actor, EventKind.ASSIGNED, now, detail=actor.name
        )
        return notices.on_assigned(ticket, entry, None, by_agent_id=actor.ref)
    entry = await record_event(
        session,
        ticket,
        actor,
        EventKind.STATUS,
        now,
        from_status=event.from_status,
        to_status=event.to_status,
        detail=event.reason,
    )
    return notices.on_status_changed(ticket, entry, ask_rating=event.ask_rating)


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
