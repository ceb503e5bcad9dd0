"""Reading tickets: the agents' queue, one ticket with its history, a customer's tickets.

Lists are paged by keyset on (last activity, number), newest first, so a page costs the
same at ticket 10 and at ticket 1,000,000 and never skips or repeats a ticket.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.actors import Actor, ChatRef
from core.domain.values import Priority, Role, Status
from core.errors import InvalidInput, PermissionDenied
from core.services.common import ServiceContext, load_ticket, require_agent
from core.services.routing import (
    PrivateContext,
    current_ticket,
    follow_merges,
    private_context,
    ticket_for_reference,
)
from core.store.direct_reads import DirectReads, Row
from core.store.tables import (
    CustomerRow,
    MessageCopyRow,
    MessageRow,
    TicketEventRow,
    TicketRow,
)
from core.store.ticket_lists import ListShape, list_statement
from core.store.ticket_rows import (
    SUMMARY_COLUMNS,
    TICKET_COLUMNS,
    ticket_view_of,
    views_with_tags,
)
from core.store.to_views import event_view, message_view, ticket_view
from core.views import (
    TICKET_SUMMARY_FIELDS,
    TicketDetail,
    TicketPage,
    TicketSummaryPage,
    TicketView,
)

UNASSIGNED = 0
"""Pass as ``assignee_id`` to list tickets nobody is assigned to."""
_SUMMARY_ID = TICKET_SUMMARY_FIELDS.index("number")
_SUMMARY_UPDATED = TICKET_SUMMARY_FIELDS.index("updated_at")


_CURSOR = re.compile(r"[0-9]{1,18}\.[0-9]{1,19}", re.ASCII)
_LARGEST_ID = 2**63 - 1


def encode_cursor(ticket: TicketRow | TicketView) -> str:
    """Write where the next page starts: the last ticket's activity time and number."""
    return _cursor(
        ticket.updated_at, ticket.number if isinstance(ticket, TicketView) else ticket.id
    )


def _cursor(updated_at: datetime, number: int) -> str:
    return f"{int(updated_at.timestamp() * 1_000_000)}.{number}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Read a cursor back.

    Raises:
        InvalidInput: the cursor is not one this code wrote.
    """
    stale = InvalidInput("That page link is no longer valid; open the list again.")
    if _CURSOR.fullmatch(cursor) is None:  # int() would take "-1", " 1", "1_0", "١"
        raise stale
    micros, number = (int(part) for part in cursor.split("."))
    if number > _LARGEST_ID:  # no database could bind it
        raise stale
    try:
        return datetime.fromtimestamp(micros / 1_000_000, tz=UTC), number
    except (ValueError, OverflowError, OSError) as exc:
        raise stale from exc


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """Which tickets a list shows; every condition left as None matches all.

    Attributes:
        statuses: only these statuses (empty: all).
        assignee_id: only this agent's tickets; ``UNASSIGNED`` for nobody's.
        priority: only this priority.
        category: only this category.
        customer: only this customer's tickets (their Telegram user id).
        updated_since: only tickets with activity at or after this time.
        tag: only tickets carrying this (normalised) tag.
    """

    statuses: tuple[Status, ...] = ()
    assignee_id: int | None = None
    priority: Priority | None = None
    category: str | None = None
    customer: int | None = None
    updated_since: datetime | None = None
    tag: str | None = None


class QueryService:
    """Read-only views of tickets."""

    def __init__(self, context: ServiceContext, reads: DirectReads) -> None:
        self._ctx = context
        self._reads = reads

    async def view_tickets(
        self,
        actor: Actor,
        *,
        statuses: Sequence[Status] | None = None,
        assignee_id: int | None = None,
        cursor: str | None = None,
        limit: int = 10,
    ) -> TicketPage:
        """List tickets for agents, most recent activity first.

        Args:
            actor: an agent.
            statuses: only these statuses (default: all).
            assignee_id: only this agent's tickets; ``UNASSIGNED`` for nobody's.
            cursor: ``next_cursor`` of the previous page.
            limit: tickets per page (1–100).

        Raises:
            PermissionDenied: the actor is not an agent.
            InvalidInput: a stale or forged cursor, or a bad limit.
        """
        require_agent(actor)
        return await self.list_tickets(
            actor,
            TicketFilter(statuses=tuple(statuses or ()), assignee_id=assignee_id),
            cursor=cursor,
            limit=limit,
        )

    async def list_tickets(
        self,
        actor: Actor,
        where: TicketFilter,
        *,
        cursor: str | None = None,
        limit: int = 10,
        tags: bool = True,
    ) -> TicketPage:
        """List the tickets the actor may see that match a filter, most recent activity first.

        Agents see every ticket; a customer sees only their own, whatever the filter says.
        With ``tags=False`` the views' ``tags`` are left empty and not read (one query less,
        for a front end that shows none).

        Raises:
            PermissionDenied: the actor is the system.
            InvalidInput: a stale or forged cursor, or a bad limit.
        """
        rows, more = await self._list_rows(actor, where, cursor, limit, TICKET_COLUMNS)
        if tags:
            views = await views_with_tags(self._reads, rows)
        else:
            views = [ticket_view_of(row) for row in rows]
        return TicketPage(tuple(views), encode_cursor(views[-1]) if more else None)

    async def list_ticket_summaries(
        self, actor: Actor, where: TicketFilter, *, cursor: str | None = None, limit: int = 10
    ) -> TicketSummaryPage:
        """The same page as ``list_tickets``, as plain rows of ``TICKET_SUMMARY_FIELDS``.

        For a caller that turns the page straight into text: no view is built per ticket.

        Raises:
            PermissionDenied: the actor is the system.
            InvalidInput: a stale or forged cursor, or a bad limit.
        """
        rows, more = await self._list_rows(actor, where, cursor, limit, SUMMARY_COLUMNS)
        last = rows[-1] if more else None
        next_cursor = None if last is None else _cursor(last[_SUMMARY_UPDATED], last[_SUMMARY_ID])
        return TicketSummaryPage(tuple(rows), next_cursor)

    async def _list_rows(
        self,
        actor: Actor,
        where: TicketFilter,
        cursor: str | None,
        limit: int,
        columns: Select[Any],
    ) -> tuple[Sequence[Row], bool]:
        """A page's rows of ``columns`` and whether more follow (see ``list_tickets``)."""
        if actor.is_customer:
            if where.customer is not None and where.customer != actor.ref:
                return [], False
            where = replace(where, customer=actor.ref)
        else:
            require_agent(actor)
        _check_limit(limit)
        after = decode_cursor(cursor) if cursor else None
        shape = ListShape(
            statuses=tuple(dict.fromkeys(where.statuses or list(Status))),  # each status once
            assignee=where.assignee_id is not None and where.assignee_id != UNASSIGNED,
            unassigned=where.assignee_id == UNASSIGNED,
            priority=where.priority is not None,
            category=where.category is not None,
            customer=where.customer is not None,
            updated_since=where.updated_since is not None,
            after=after is not None,
            tag=where.tag is not None,
        )
        values: dict[str, object] = {
            "limit": limit + 1,
            "assignee": where.assignee_id,
            "priority": where.priority.value if where.priority is not None else None,
            "category": where.category,
            "customer": where.customer,
            "since": where.updated_since,
            "after_at": after[0] if after else None,
            "after_id": after[1] if after else None,
            "tag": where.tag,
        }
        rows = await self._reads.all(list_statement(shape, columns), values)
        more = len(rows) > limit
        return rows[:limit], more

    async def tickets_of_customer(
        self, actor: Actor, *, cursor: str | None = None, limit: int = 5
    ) -> TicketPage:
        """List the acting customer's own tickets, most recent activity first.

        Raises:
            PermissionDenied: the actor is not a customer.
            InvalidInput: a stale or forged cursor, or a bad limit.
        """
        if not actor.is_customer:
            raise PermissionDenied("Only customers have their own ticket list.")
        query = (
            select(TicketRow)
            .join(CustomerRow, TicketRow.customer_id == CustomerRow.id)
            .where(CustomerRow.telegram_user_id == actor.ref)
        )
        return await self._page(query, cursor, limit)

    async def _page(self, query: Select[TicketRow], cursor: str | None, limit: int) -> TicketPage:
        _check_limit(limit)
        if cursor:
            at, number = decode_cursor(cursor)
            query = query.where(tuple_(TicketRow.updated_at, TicketRow.id) < (at, number))
        query = query.order_by(TicketRow.updated_at.desc(), TicketRow.id.desc()).limit(limit + 1)
        async with self._ctx.database.read_session() as session:
            rows = list((await session.scalars(query)).unique())
        more = len(rows) > limit
        rows = rows[:limit]
        return TicketPage(
            tuple(ticket_view(row) for row in rows), encode_cursor(rows[-1]) if more else None
        )

    async def get_ticket(self, actor: Actor, number: int, *, history: int = 50) -> TicketDetail:
        """Return one ticket with its latest history (oldest first).

        Customers see neither internal notes nor the audit trail's staff-only entries.

        Raises:
            TicketNotFound: no such ticket, or another customer's (the same answer).
        """
        async with self._ctx.database.read_session() as session:
            ticket = await load_ticket(session, actor, number)
            messages = select(MessageRow).where(MessageRow.ticket_id == number)
            if actor.is_customer:
                messages = messages.where(MessageRow.internal.is_(False))
            message_rows = list(
                await session.scalars(messages.order_by(MessageRow.id.desc()).limit(history))
            )
            origins = await _origins(session, [row.id for row in message_rows])
            events = list(
                await session.scalars(
                    select(TicketEventRow)
                    .where(TicketEventRow.ticket_id == number)
                    .order_by(TicketEventRow.id.desc())
                    .limit(history)
                )
            )
        return TicketDetail(
            ticket=ticket_view(ticket),
            messages=tuple(message_view(r, origins.get(r.id)) for r in reversed(message_rows)),
            events=tuple(event_view(row) for row in reversed(events)),
        )

    async def find_ticket(self, actor: Actor, number: int) -> TicketView:
        """Return one ticket without history.

        Raises:
            TicketNotFound: no such ticket, or another customer's (the same answer).
        """
        async with self._ctx.database.read_session() as session:
            return ticket_view(await load_ticket(session, actor, number))

    async def ticket_for_reference(self, actor: Actor, ref: ChatRef) -> TicketView | None:
        """Find the ticket a Telegram message belongs to (a copy, a card, a notice).

        Returns None when the message is unknown or belongs to a ticket the actor may not
        see, so a reply to it is treated like any other message.
        """
        async with self._ctx.database.read_session() as session:
            return await ticket_for_reference(session, actor, ref)

    async def ticket_for_topic(self, actor: Actor, topic_id: int) -> TicketView | None:
        """Find the ticket whose staff topic this is (None for other topics).

        The topic of a ticket merged into another leads to that other ticket, where the
        conversation continues: its ``staff_topic_id`` then differs from ``topic_id``.
        """
        require_agent(actor)
        async with self._ctx.database.read_session() as session:
            ticket = await session.scalar(
                select(TicketRow)
                .where(TicketRow.staff_topic_id == topic_id)
                .order_by(TicketRow.id.desc())
                .limit(1)
            )
            ticket = await follow_merges(session, ticket)
            return ticket_view(ticket) if ticket else None

    async def current_ticket_of(
        self, actor: Actor, *, thread_id: int | None = None
    ) -> TicketView | None:
        """Pick the ticket a customer's plain message goes to (see ``current_ticket``).

        ``thread_id`` is the topic of the customer's chat it was written in, if any.
        """
        if actor.role is not Role.CUSTOMER:
            raise PermissionDenied("Only customers have a current ticket.")
        async with self._ctx.database.read_session() as session:
            return await current_ticket(session, actor.ref, thread_id)

    async def private_context(
        self,
        telegram_user_id: int,
        *,
        reply_to: ChatRef | None = None,
        thread_id: int | None = None,
    ) -> PrivateContext:
        """Everything needed to route a private message, read in one go.

        The chat's conversation, the agent logged in from this account (if any), and the
        ticket a customer's message goes to: the one whose topic of the customer's chat it
        was written in (``thread_id``), else the one it replies to, else the current one.
        """
        async with self._ctx.database.read_session() as session:
            return await private_context(session, telegram_user_id, reply_to, thread_id)


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= 100:
        raise InvalidInput("A page holds 1 to 100 tickets.")


async def _origins(session: AsyncSession, message_ids: list[int]) -> dict[int, ChatRef]:
    if not message_ids:
        return {}
    rows = await session.execute(
        select(
            MessageCopyRow.message_id, MessageCopyRow.chat_id, MessageCopyRow.chat_message_id
        ).where(MessageCopyRow.message_id.in_(message_ids), MessageCopyRow.is_origin.is_(True))
    )
    return {
        message_id: ChatRef(chat_id, chat_message_id)
        for message_id, chat_id, chat_message_id in rows
    }
