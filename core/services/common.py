"""What every service shares: its context and the few queries they all need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from core.clock import Clock
from core.config import DeskConfig
from core.domain.actors import Actor, CustomerProfile
from core.domain.values import Audience, EventKind, Role, Status
from core.errors import PermissionDenied, TicketNotFound
from core.services.notices import Notice
from core.store.database import Database
from core.store.prepared import Writer
from core.store.tables import CustomerRow, OutboxRow, TicketRow
from core.store.write_rows import (
    ADD_CUSTOMER,
    CUSTOMER_BY_USER,
    HOLD_BATCH,
    INSERT_EVENT,
    INSERT_OUTBOX,
    MARK_REACHABLE,
    RESEND_MISSED,
    UPDATE_PROFILE,
    CustomerRecord,
    TicketRecord,
    read_ticket,
)
from core.views import EventView


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """The database, the clock and the policy every service works with."""

    database: Database
    clock: Clock
    config: DeskConfig

    async def enqueue(
        self, session: AsyncSession | Writer, notices: Iterable[Notice], now: datetime
    ) -> None:
        """Put notifications into the outbox with this desk's album wait."""
        writer = session if isinstance(session, Writer) else await Writer.of(session)
        await enqueue_with(writer, notices, now, batch_wait=self.config.album_wait)


_TICKET_IN_ONE_QUERY = (joinedload(TicketRow.tag_rows),)
"""A ticket with its tags, customer and assignee in one statement (not a second for tags)."""


async def load_ticket(
    session: AsyncSession, actor: Actor, number: int, *, for_update: bool = False
) -> TicketRow:
    """Load a ticket the actor may see.

    Raises:
        TicketNotFound: no such ticket, or it belongs to another customer (same answer).
    """
    if for_update and session.get_bind().dialect.name != "sqlite":
        query = (
            select(TicketRow)
            .options(*_TICKET_IN_ONE_QUERY)
            .where(TicketRow.id == number)
            .with_for_update(of=TicketRow)
            # A row this transaction read before the lock may be stale: read it again.
            .execution_options(populate_existing=True)
        )
        ticket = (await session.execute(query)).unique().scalar_one_or_none()
    else:
        # SQLite has no row locks (its writers take turns); a ticket this transaction read
        # already comes from the session without another query.
        ticket = await session.get(TicketRow, number, options=_TICKET_IN_ONE_QUERY)
    if ticket is None or not may_see(actor, ticket):
        raise TicketNotFound(number)
    return ticket


async def load_record(
    writer: Writer, actor: Actor, number: int, *, for_update: bool = False, others: bool = False
) -> TicketRecord:
    """Load a ticket the actor may see as plain values (``load_ticket`` without the ORM).

    ``others``: with ``TicketRecord.others_open`` read in the same statement.

    Raises:
        TicketNotFound: no such ticket, or it belongs to another customer (same answer).
    """
    ticket = await read_ticket(writer, number, lock=for_update, others=others)
    if ticket is None or not may_see(actor, ticket):
        raise TicketNotFound(number)
    return ticket


def may_see(actor: Actor, ticket: TicketRow | TicketRecord) -> bool:
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
    await refresh_customer(session, customer, profile, now)
    return customer


async def find_customer(
    writer: Writer, profile: CustomerProfile, now: datetime
) -> tuple[CustomerRecord, bool]:
    """``upsert_customer`` as plain values; also tell whether this call stored them (new)."""
    user = {"user": profile.telegram_user_id}
    row = await writer.first(CUSTOMER_BY_USER, user)
    if row is not None:
        customer = CustomerRecord(*row)
        await refresh_record(writer, customer, profile, now)
        return customer, False
    # First contact. Two first messages may race (PostgreSQL runs them side by side):
    # insert unless present; no row back means the other one won, so read its row.
    row = await writer.first(
        ADD_CUSTOMER[writer.is_sqlite],
        {
            "telegram_user_id": profile.telegram_user_id,
            "display_name": profile.display_name,
            "username": profile.username,
            "language_code": profile.language_code,
            "created_at": now,
            "updated_at": now,
        },
    )
    if row is not None:
        return CustomerRecord(*row), True
    row = await writer.first(CUSTOMER_BY_USER, user)
    if row is None:
        raise RuntimeError("the customer was neither stored nor found")
    return CustomerRecord(*row), False


async def refresh_customer(
    session: AsyncSession, customer: CustomerRow, profile: CustomerProfile, now: datetime
) -> None:
    """Bring a known customer's profile up to date; they wrote, so they can be reached."""
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
        # They wrote to us, so they have unblocked the bot: what they missed goes out again.
        await session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.chat_id == customer.telegram_user_id,
                OutboxRow.audience == Audience.CUSTOMER.value,
                OutboxRow.failed_at.is_not(None),
                OutboxRow.failed_at >= customer.unreachable_since,
            )
            .values(failed_at=None, next_attempt_at=now, attempts=0, last_error=None)
        )
        customer.unreachable_since = None


async def refresh_record(
    writer: Writer, customer: CustomerRecord, profile: CustomerProfile, now: datetime
) -> None:
    """``refresh_customer`` for a customer read as plain values."""
    if (customer.display_name, customer.username, customer.language_code) != (
        profile.display_name,
        profile.username,
        profile.language_code,
    ):
        await writer.run(
            UPDATE_PROFILE,
            {
                "customer": customer.id,
                "display_name": profile.display_name,
                "username": profile.username,
                "language_code": profile.language_code,
                "now": now,
            },
        )
        customer.display_name = profile.display_name
        customer.username = profile.username
        customer.language_code = profile.language_code
    if customer.unreachable_since is not None:
        # They wrote to us, so they have unblocked the bot: what they missed goes out again.
        await writer.run(
            RESEND_MISSED,
            {
                "chat": customer.telegram_user_id,
                "to_audience": Audience.CUSTOMER.value,
                "since": customer.unreachable_since,
                "now": now,
            },
        )
        await writer.run(MARK_REACHABLE, {"customer": customer.id})
        customer.unreachable_since = None


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
) -> EventView:
    """Add one audit-trail entry (with its id) in the caller's transaction."""
    return await write_event(
        await Writer.of(session),
        ticket.id,
        actor,
        kind,
        now,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
    )


async def write_event(
    writer: Writer,
    ticket_id: int,
    actor: Actor,
    kind: EventKind,
    now: datetime,
    *,
    from_status: Status | None = None,
    to_status: Status | None = None,
    detail: str | None = None,
) -> EventView:
    """Add one audit-trail entry (with its id) through a transaction's writer."""
    event_id = await writer.scalar(
        INSERT_EVENT,
        {
            "ticket_id": ticket_id,
            "actor_role": actor.role.value,
            "actor_agent_id": actor.ref if actor.role is Role.AGENT else None,
            "actor_name": actor.name,
            "kind": kind.value,
            "from_status": from_status.value if from_status else None,
            "to_status": to_status.value if to_status else None,
            "detail": detail,
            "at": now,
        },
    )
    if event_id is None:
        raise RuntimeError("the event was not stored")
    return EventView(
        id=event_id,
        ticket_number=ticket_id,
        actor_role=actor.role,
        actor_name=actor.name,
        kind=kind.value,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
        at=now,
    )


async def enqueue(
    session: AsyncSession,
    notices: Iterable[Notice],
    now: datetime,
    *,
    batch_wait: timedelta = timedelta(0),
) -> None:
    """Put notifications into the outbox, in the caller's transaction.

    A notice with a batch key (the parts of one album) waits ``batch_wait`` for the rest of
    its batch, and holds back the earlier parts still waiting, so they all fall due together
    and the front end can send them as one.
    """
    await enqueue_with(await Writer.of(session), notices, now, batch_wait=batch_wait)


async def enqueue_with(
    writer: Writer,
    notices: Iterable[Notice],
    now: datetime,
    *,
    batch_wait: timedelta = timedelta(0),
) -> None:
    """``enqueue`` through a transaction's writer."""
    rows: list[dict[str, object]] = []
    for notice in notices:
        if notice.batch_key is None:
            rows.append(notice.to_values(now))
            continue
        due = now + batch_wait
        await writer.run(
            HOLD_BATCH, {"in_lane": notice.lane, "of_batch": notice.batch_key, "due": due}
        )
        rows.append(notice.to_values(due))
    await writer.run_many(INSERT_OUTBOX, rows)
