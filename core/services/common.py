"""What every service shares: its context and the few queries they all need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.config import DeskConfig
from core.domain.actors import Actor, CustomerProfile
from core.domain.values import EventKind, Role, Status
from core.errors import PermissionDenied, TicketNotFound
from core.services.notices import Notice
from core.store.database import Database
from core.store.tables import CustomerRow, TicketEventRow, TicketRow


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """The database, the clock and the policy every service works with."""

    database: Database
    clock: Clock
    config: DeskConfig


async def load_ticket(
    session: AsyncSession, actor: Actor, number: int, *, for_update: bool = False
) -> TicketRow:
    """Load a ticket the actor may see.

    Raises:
        TicketNotFound: no such ticket, or it belongs to another customer (same answer).
    """
    query = select(TicketRow).where(TicketRow.id == number)
    if for_update:
        query = query.with_for_update(of=TicketRow)
    ticket = (await session.execute(query)).unique().scalar_one_or_none()
    if ticket is None or not may_see(actor, ticket):
        raise TicketNotFound(number)
    return ticket


def may_see(actor: Actor, ticket: TicketRow) -> bool:
    """Tell whether the actor may see a ticket: staff see all, customers their own."""
    if actor.role is Role.CUSTOMER:
        return ticket.customer.telegram_user_id == actor.ref
    return True


def require_agent(actor: Actor) -> None:
    """Refuse anyone who is not an agent.

    Raises:
        PermissionDenied: the actor is a customer or the system.
    """
    if actor.role is not Role.AGENT:
        raise PermissionDenied("Only agents can do that.")


async def upsert_customer(
    session: AsyncSession, profile: CustomerProfile, now: datetime
) -> CustomerRow:
    """Find the customer by Telegram user id, creating or refreshing their profile."""
    by_user = select(CustomerRow).where(CustomerRow.telegram_user_id == profile.telegram_user_id)
    customer = await session.scalar(by_user)
    if customer is None:
        # First contact. Two first messages may race (PostgreSQL runs them side by side):
        # insert unless present, then read whichever row won.
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await session.execute(
            insert(CustomerRow)
            .values(
                telegram_user_id=profile.telegram_user_id,
                display_name=profile.display_name,
                username=profile.username,
                language_code=profile.language_code,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["telegram_user_id"])
        )
        return (await session.scalars(by_user)).one()
    changed = (customer.display_name, customer.username, customer.language_code) != (
        profile.display_name,
        profile.username,
        profile.language_code,
    )
    if changed:
        customer.display_name = profile.display_name
        customer.username = profile.username
        customer.language_code = profile.language_code
        customer.updated_at = now
    if customer.unreachable_since is not None:
        # They wrote to us, so they have unblocked the bot.
        customer.unreachable_since = None
    return customer


async def record_event(
    session: AsyncSession,
    ticket: TicketRow,
    actor: Actor,
    kind: EventKind,
    now: datetime,
    *,
    from_status: Status | None = None,
    to_status: Status | None = None,
    detail: str | None = None,
) -> TicketEventRow:
    """Add one audit-trail entry and give it its id."""
    event = TicketEventRow(
        ticket_id=ticket.id,
        actor_role=actor.role.value,
        actor_agent_id=actor.ref if actor.role is Role.AGENT else None,
        actor_name=actor.name,
        kind=kind.value,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value if to_status else None,
        detail=detail,
        at=now,
    )
    session.add(event)
    await session.flush()
    return event


def enqueue(session: AsyncSession, notices: Iterable[Notice], now: datetime) -> None:
    """Put notifications into the outbox, in the caller's transaction."""
    session.add_all([notice.to_row(now) for notice in notices])
