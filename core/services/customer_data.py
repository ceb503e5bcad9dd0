"""A customer's data: everything the desk holds about them, to hand over or to erase.

The export is JSON meant to be read by a person: the profile, every ticket with its
messages, ratings and events, the messages kept but not relayed, and the customer's own
audit trail. It is split into parts below ``max_part_bytes`` (Telegram takes files up to
50 MB), each part a whole JSON document.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.actors import Actor
from core.domain.lifecycle import Mover
from core.domain.moves import move as decide_move
from core.domain.values import Audience, Status
from core.errors import InvalidInput
from core.notices.kinds import TopicDelete
from core.services.bans import record_customer_event
from core.services.common import ServiceContext
from core.services.customer_refs import CustomerRef, find_customer
from core.services.erased_topics import forget_topics
from core.services.moves import store_outcome, ticket_state
from core.services.notices import Notice
from core.store.erasure import ERASED, erase_ticket_contents, forget_chat
from core.store.tables import (
    CustomerEventRow,
    CustomerRow,
    HeldMessageRow,
    MessageEditRow,
    MessageRow,
    TicketEventRow,
    TicketRow,
)

FORMAT = "helpdesk-customer-data"
MAX_PART_BYTES = 45 * 1024 * 1024
"""Below Telegram's 50 MB for a bot's upload, with room to spare."""
_CHUNK = 500  # ids per IN (...) list
_EMPTY_LIST = len(json.dumps({"tickets": []}, indent=1))


class NothingToErase(InvalidInput):
    """Raised when a customer's data was erased already and nothing new was written since."""


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure did: how many tickets it emptied (and closed)."""

    tickets: int
    closed: tuple[int, ...]


class CustomerDataService:
    """Handing a customer their data, and erasing it."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def export(
        self,
        target: CustomerRef,
        *,
        include_internal: bool = False,
        max_part_bytes: int = MAX_PART_BYTES,
    ) -> list[bytes]:
        """Everything the desk holds about a customer, as one or more JSON documents.

        Args:
            target: who.
            include_internal: add agents' internal notes (for staff answering a data request;
                never in what the customer gets from the bot).
            max_part_bytes: the largest part; more data is split over several parts.

        Raises:
            TicketNotFound / CustomerNotFound: nobody is meant by ``target``.
        """
        async with self._ctx.database.read_session() as session:
            customer = await find_customer(session, target)
            tickets = await _tickets(session, customer.id, include_internal=include_internal)
            held = await _held(session, customer.id)
            events = await _customer_events(session, customer.id)
        head = {
            "format": FORMAT,
            "exported_at": self._ctx.clock.now().isoformat(),
            "profile": _profile(customer),
            "held_messages": held,
            "audit": events,
        }
        return split_export(head, tickets, max_part_bytes)

    async def erase(self, actor: Actor, target: CustomerRef) -> Erasure:
        """Erase a customer's data; their tickets stay, closed and empty, as counts.

        Raises:
            TicketNotFound / CustomerNotFound: nobody is meant by ``target``.
            NothingToErase: erased already, and nothing written since.
        """
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            customer = await find_customer(session, target)
            ticket_rows = (
                await session.scalars(
                    select(TicketRow)
                    .where(TicketRow.customer_id == customer.id)
                    .where(TicketRow.content_erased_at.is_(None))
                    .order_by(TicketRow.id)
                )
            ).all()
            held = await session.scalar(
                select(HeldMessageRow.id).where(HeldMessageRow.customer_id == customer.id).limit(1)
            )
            if (
                customer.erased_at is not None
                and customer.display_name == ERASED
                and not ticket_rows
                and held is None
            ):
                raise NothingToErase(
                    f"The data was erased on {customer.erased_at:%Y-%m-%d}; "
                    "nothing has been written since."
                )
            ids = [ticket.id for ticket in ticket_rows]
            topics_gone = await forget_topics(session, ids)
            await erase_ticket_contents(session, ids, now)
            without_topic = {n.ticket_id for n in topics_gone if isinstance(n.body, TopicDelete)}
            closed = await self._close(session, list(ticket_rows), actor, now, without_topic)
            await self._ctx.enqueue(session, topics_gone, now)
            await session.execute(
                delete(HeldMessageRow).where(HeldMessageRow.customer_id == customer.id)
            )
            await forget_chat(session, customer.telegram_user_id)
            customer.display_name, customer.username = ERASED, None
            customer.language_code, customer.active_ticket_id = None, None
            customer.erased_at = customer.updated_at = now
            await record_customer_event(session, customer.id, actor, "erased", now)
            await session.commit()
            return Erasure(tickets=len(ids), closed=tuple(closed))

    async def _close(
        self,
        session: AsyncSession,
        tickets: list[TicketRow],
        actor: Actor,
        now: datetime,
        topics_gone: set[int | None],
    ) -> list[int]:
        """Close the open tickets; tell the staff, except in topics about to be deleted."""
        news: list[Notice] = []
        closed = []
        for ticket in tickets:
            await session.refresh(ticket)
            if ticket.status == Status.CLOSED.value:
                continue
            outcome = decide_move(
                ticket_state(ticket), Status.CLOSED, mover=Mover.AGENT, now=now, reason="erased"
            )
            news += await store_outcome(session, ticket, actor, outcome, now)
            closed.append(ticket.id)
        staff_news = [
            notice
            for notice in news
            if notice.audience is not Audience.CUSTOMER
            and not (notice.audience is Audience.TICKET_TOPIC and notice.ticket_id in topics_gone)
        ]
        await self._ctx.enqueue(session, staff_news, now)
        return closed


def split_export(
    head: dict[str, Any], tickets: Sequence[dict[str, Any]], max_part_bytes: int
) -> list[bytes]:
    """Lay the export out in parts of at most ``max_part_bytes``, tickets never cut in two.

    Raises:
        InvalidInput: one ticket alone is larger than a part.
    """
    parts: list[list[dict[str, Any]]] = [[]]
    base = len(_encode({**head, "part": 99999, "parts": 99999, "tickets": []}))
    size = base
    for ticket in tickets:
        # Its size where it stands (indented inside the list), with the comma after it.
        encoded = len(_encode({"tickets": [ticket]})) - _EMPTY_LIST + 2
        if base + encoded > max_part_bytes:
            raise InvalidInput(f"Ticket #{ticket['number']} alone is larger than one file.")
        if size + encoded > max_part_bytes and parts[-1]:
            parts.append([])
            size = base
        parts[-1].append(ticket)
        size += encoded
    documents = []
    for index, part in enumerate(parts, start=1):
        extra: dict[str, Any] = {} if index == 1 else {"held_messages": [], "audit": []}
        document = {**head, **extra, "part": index, "parts": len(parts), "tickets": part}
        documents.append(_encode(document))
    return documents


def _encode(value: Any) -> bytes:
    """JSON for people: indented, non-ASCII kept readable."""
    return json.dumps(value, ensure_ascii=False, indent=1).encode()


def _profile(customer: CustomerRow) -> dict[str, Any]:
    return {
        "telegram_user_id": customer.telegram_user_id,
        "name": customer.display_name,
        "username": customer.username,
        "language": customer.language_code,
        "first_contact": customer.created_at.isoformat(),
        "erased_at": customer.erased_at.isoformat() if customer.erased_at else None,
    }


async def _tickets(
    session: AsyncSession, customer_id: int, *, include_internal: bool
) -> list[dict[str, Any]]:
    rows = (
        await session.scalars(
            select(TicketRow).where(TicketRow.customer_id == customer_id).order_by(TicketRow.id)
        )
    ).all()
    messages: dict[int, list[dict[str, Any]]] = {row.id: [] for row in rows}
    events: dict[int, list[dict[str, Any]]] = {row.id: [] for row in rows}
    ids = list(messages)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = select(MessageRow).where(MessageRow.ticket_id.in_(chunk))
        if not include_internal:
            query = query.where(MessageRow.internal.is_(False))
        earlier = await _earlier_versions(session, chunk)
        for message in await session.scalars(query.order_by(MessageRow.id)):
            entry = _message(message)
            if message.id in earlier:
                entry["earlier_versions"] = earlier[message.id]
            messages[message.ticket_id].append(entry)
        event_query = select(TicketEventRow).where(TicketEventRow.ticket_id.in_(chunk))
        for event in await session.scalars(event_query.order_by(TicketEventRow.id)):
            events[event.ticket_id].append(
                {
                    "at": event.at.isoformat(),
                    "what": event.kind,
                    "by": event.actor_name,
                    "from": event.from_status,
                    "to": event.to_status,
                    "detail": event.detail,
                }
            )
    return [
        {
            "number": row.id,
            "subject": row.subject,
            "status": row.status,
            "priority": row.priority,
            "category": row.category,
            "opened": row.created_at.isoformat(),
            "closed": row.closed_at.isoformat() if row.closed_at else None,
            "rating": row.rating,
            "rating_comment": row.rating_comment,
            "messages": messages[row.id],
            "events": events[row.id],
        }
        for row in rows
    ]


async def _earlier_versions(
    session: AsyncSession, ticket_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """The versions edited messages had before, by message, oldest first."""
    found: dict[int, list[dict[str, Any]]] = {}
    query = (
        select(MessageEditRow)
        .where(MessageEditRow.ticket_id.in_(ticket_ids))
        .order_by(MessageEditRow.id)
    )
    for version in await session.scalars(query):
        found.setdefault(version.message_id, []).append(
            {"text": version.text, "replaced_at": version.replaced_at.isoformat()}
        )
    return found


def _message(message: MessageRow) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "at": message.created_at.isoformat(),
        "from": message.author_role,
        "author": message.author_name,
        "text": message.text,
    }
    if message.internal:
        entry["internal_note"] = True
    if message.attachment_kind:
        entry["attachment"] = {
            "kind": message.attachment_kind,
            "details": message.attachment_details,
            "file_id": message.attachment_file_id,
        }
    if message.forward_origin:
        entry["forwarded_from"] = message.forward_origin
    return entry


async def _held(session: AsyncSession, customer_id: int) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(HeldMessageRow)
        .where(HeldMessageRow.customer_id == customer_id)
        .order_by(HeldMessageRow.id)
    )
    return [{"at": row.created_at.isoformat(), "why": row.reason, **row.content} for row in rows]


async def _customer_events(session: AsyncSession, customer_id: int) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(CustomerEventRow)
        .where(CustomerEventRow.customer_id == customer_id)
        .order_by(CustomerEventRow.id)
    )
    return [
        {"at": row.at.isoformat(), "what": row.kind, "by": row.actor_name, "detail": row.detail}
        for row in rows
    ]
