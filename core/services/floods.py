"""Floods: a customer writing too fast, opening too many tickets, or a swarm of newcomers.

- A customer's messages past ``customer_messages_per_minute`` in a clock minute are stored
  at once, but their copies wait for the minute's end and then go out together; the
  customer is told once to slow down.
- A customer opens at most ``new_tickets_per_day`` tickets in 24 hours.
- When more than ``new_customers_per_minute`` new customers arrive within a minute, the
  first tickets of the ones past the limit wait for a human check (a button only a person
  taps) before their topic opens; the staff chat's general topic gets one alert per swarm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.actors import ChatRef, CustomerProfile, NewMessage
from core.domain.values import Audience, Role
from core.errors import InvalidInput, TicketNotFound
from core.notices.kinds import SwarmAlert
from core.services import notices
from core.services.bans import hold_message
from core.services.common import ServiceContext, upsert_customer
from core.store.prepared import Prepared, Writer
from core.store.tables import (
    CustomerRow,
    MessageCopyRow,
    MessageRow,
    TicketRow,
)
from core.store.to_views import message_view, ticket_view
from core.store.write_rows import ADD_DESK_STATE, DESK_STATE, SET_DESK_STATE, CustomerRecord
from core.views import MessageView, TicketView

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
SWARM_ALERT_KEY = "swarm_alert_at"
SWARM_QUIET = timedelta(minutes=10)
"""A new alert only after this long without one: one alert per swarm, not per customer."""


class TicketLimitReached(InvalidInput):
    """Raised when a customer has opened as many tickets as a day allows."""


@dataclass(frozen=True, slots=True)
class Pace:
    """Whether a customer's new messages go out now.

    Attributes:
        due: when their copies may be sent (now, or the end of the minute).
        held: they wait.
        first_held: the first to wait this minute: tell the customer once to slow down.
    """

    due: datetime
    held: bool = False
    first_held: bool = False


_WRITTEN_THIS_MINUTE = Prepared(
    select(func.count(MessageRow.id))
    .join(TicketRow, TicketRow.id == MessageRow.ticket_id)
    .where(
        TicketRow.customer_id == bindparam("customer"),
        MessageRow.author_role == Role.CUSTOMER.value,
        MessageRow.created_at >= bindparam("start"),
    )
)


async def pace_of(
    writer: Writer, customer_id: int, count: int, now: datetime, per_minute: int
) -> Pace:
    """Decide when ``count`` new messages of a customer may be relayed."""
    start = now.replace(second=0, microsecond=0)
    sent = await writer.scalar(_WRITTEN_THIS_MINUTE, {"customer": customer_id, "start": start})
    return pace_after(int(sent or 0), count, now, per_minute)


def pace_after(before: int, count: int, now: datetime, per_minute: int) -> Pace:
    """When ``count`` new messages may be relayed, ``before`` having come this clock minute."""
    if before + count <= per_minute:
        return Pace(due=now)
    start = now.replace(second=0, microsecond=0)
    return Pace(due=start + MINUTE, held=True, first_held=before <= per_minute)


_OPENED_SINCE = Prepared(
    select(func.count(TicketRow.id)).where(
        TicketRow.customer_id == bindparam("customer"), TicketRow.created_at > bindparam("since")
    )
)
_ANY_TICKET = Prepared(
    select(TicketRow.id).where(TicketRow.customer_id == bindparam("customer")).limit(1)
)
_ARRIVALS = Prepared(
    select(func.count(CustomerRow.id)).where(
        CustomerRow.created_at > bindparam("since"), CustomerRow.id <= bindparam("customer")
    )
)


async def check_ticket_allowance(
    writer: Writer, customer: CustomerRecord, now: datetime, per_day: int, *, fresh: bool
) -> None:
    """Refuse a customer's ticket past the day's allowance.

    ``fresh``: the customer was stored by this very transaction, so has no tickets yet.

    Raises:
        TicketLimitReached: they opened ``per_day`` tickets in the last 24 hours.
    """
    opened = 0
    if not fresh:
        opened = await writer.scalar(_OPENED_SINCE, {"customer": customer.id, "since": now - DAY})
    if int(opened or 0) >= per_day:
        raise TicketLimitReached(
            f"You opened {per_day} tickets in the last 24 hours, as many as a day allows. "
            "Write in one of them (/my lists them), or open a new one tomorrow."
        )


async def needs_human_check(
    writer: Writer, customer: CustomerRecord, now: datetime, per_minute: int, *, fresh: bool
) -> bool:
    """Tell whether this customer's first ticket comes in a swarm of newcomers.

    ``fresh``: the customer was stored by this very transaction, so has no tickets yet.
    """
    if customer.created_at < now - MINUTE:
        return False
    if not fresh and await writer.scalar(_ANY_TICKET, {"customer": customer.id}) is not None:
        return False
    arrivals = await writer.scalar(_ARRIVALS, {"since": now - MINUTE, "customer": customer.id})
    return int(arrivals or 0) > per_minute


async def swarm_alert(writer: Writer, now: datetime) -> list[notices.Notice]:
    """The one alert of a swarm for the staff chat (none if one went out lately)."""
    state = await writer.scalar(DESK_STATE, {"k": SWARM_ALERT_KEY})
    if state is not None and datetime.fromisoformat(state) > now - SWARM_QUIET:
        return []
    values = {"k": SWARM_ALERT_KEY, "v": now.isoformat(), "at": now}
    await writer.run(ADD_DESK_STATE if state is None else SET_DESK_STATE, values)
    return [
        notices.Notice(Audience.STAFF, SwarmAlert(), None, dedupe_key=f"swarm:{now.isoformat()}")
    ]


class FloodService:
    """Tickets waiting for a human check, and messages kept during a flood."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def awaiting_check(self, number: int) -> bool:
        """Tell whether a ticket waits for its customer's human check."""
        async with self._ctx.database.read_session() as session:
            since = await session.scalar(
                select(TicketRow.awaiting_check_since).where(TicketRow.id == number)
            )
        return since is not None

    async def confirm_human(self, profile: CustomerProfile, number: int) -> TicketView:
        """A person tapped the check: open the ticket's topic and confirm it to them.

        Raises:
            TicketNotFound: no such ticket of theirs, or it no longer waits.
        """
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            ticket = await session.get(TicketRow, number)
            if (
                ticket is None
                or ticket.customer.telegram_user_id != profile.telegram_user_id
                or ticket.awaiting_check_since is None
            ):
                raise TicketNotFound(number)
            ticket.awaiting_check_since = None
            rows = await _messages_of(session, ticket)
            parts = [
                NewMessage(
                    m.text,
                    attachment=m.attachment,
                    origin=m.origin,
                    album=m.album,
                    copyable=m.copyable,
                    forwarded_from=m.forwarded_from,
                )
                for m in rows
            ]
            await self._ctx.enqueue(session, notices.on_ticket_reported(ticket, rows, parts), now)
            await session.commit()
            return ticket_view(ticket)

    async def keep(self, profile: CustomerProfile, message: NewMessage, reason: str) -> None:
        """Store a message the desk does not take now (a ticket past the day's allowance)."""
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            customer = await upsert_customer(session, profile, now)
            await hold_message(session, customer.id, message, reason, now)
            await session.commit()


async def _messages_of(session: AsyncSession, ticket: TicketRow) -> list[MessageView]:
    rows = (
        await session.execute(
            select(MessageRow, MessageCopyRow)
            .outerjoin(
                MessageCopyRow,
                (MessageCopyRow.message_id == MessageRow.id) & MessageCopyRow.is_origin,
            )
            .where(MessageRow.ticket_id == ticket.id)
            .order_by(MessageRow.id)
        )
    ).all()
    return [
        message_view(message, ChatRef(copy.chat_id, copy.chat_message_id) if copy else None)
        for message, copy in rows
    ]
