"""Where an incoming message belongs: the reads behind routing, shared by the queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from core.domain.actors import Actor, ChatRef
from core.domain.values import Status
from core.services.common import may_see
from core.store.tables import (
    AgentRow,
    ConversationRow,
    CustomerRow,
    MessageCopyRow,
    MessageRow,
    TicketRefRow,
    TicketRow,
)
from core.store.to_views import agent_view, conversation_view, ticket_view
from core.views import AgentView, Conversation, TicketView


@dataclass(frozen=True, slots=True)
class PrivateContext:
    """What routing a private message needs to know."""

    conversation: Conversation | None
    agent: AgentView | None
    ticket: TicketView | None


MAX_MERGE_HOPS = 8


async def private_context(
    session: AsyncSession,
    telegram_user_id: int,
    reply_to: ChatRef | None,
    thread_id: int | None = None,
) -> PrivateContext:
    """Read the chat's conversation, its agent and the customer's target ticket."""
    return (await route(session, telegram_user_id, reply_to, thread_id))[0]


async def route(
    session: AsyncSession,
    telegram_user_id: int,
    reply_to: ChatRef | None,
    thread_id: int | None = None,
) -> tuple[PrivateContext, TicketRow | None]:
    """Like ``private_context``, also handing back the target ticket's row (to write to).

    One statement in the common case (every private message pays for it): the conversation,
    the agent and the customer's active ticket come from one row of outer joins. The row
    is returned so the caller's session keeps it (its identity map holds rows weakly).
    A message written in a ticket's topic of the customer's chat (``thread_id``) goes to
    that ticket, whatever else is active; one in any other topic is routed as usual.
    """
    row = (await session.execute(_CONTEXT, {"user": telegram_user_id})).first()
    conversation, agent, active = (row[0], row[1], row[2]) if row else (None, None, None)
    target: TicketRow | None = None
    if agent is None:
        if thread_id is not None:
            target = await _ticket_row_for_topic(session, telegram_user_id, thread_id)
        if target is None and reply_to is not None:
            customer = Actor.customer_ref(telegram_user_id)
            target = await _ticket_row_for_reference(session, customer, reply_to)
        if target is None:
            target = active if active is not None else await _latest_open(session, telegram_user_id)
    context = PrivateContext(
        conversation=conversation_view(conversation) if conversation else None,
        agent=agent_view(agent) if agent else None,
        ticket=ticket_view(target) if target is not None else None,
    )
    return context, target


async def ticket_for_reference(
    session: AsyncSession, actor: Actor, ref: ChatRef
) -> TicketView | None:
    """The ticket a Telegram message (a copy, a card, a notice) belongs to, if visible."""
    ticket = await _ticket_row_for_reference(session, actor, ref)
    return ticket_view(ticket) if ticket is not None else None


async def _ticket_row_for_topic(
    session: AsyncSession, telegram_user_id: int, thread_id: int
) -> TicketRow | None:
    """The customer's ticket whose topic in their chat this is (merges followed), or None."""
    ticket = (
        await session.scalars(
            select(TicketRow)
            .join(CustomerRow, TicketRow.customer_id == CustomerRow.id)
            .where(
                CustomerRow.telegram_user_id == telegram_user_id,
                TicketRow.customer_topic_id == thread_id,
            )
            .order_by(TicketRow.id.desc())
            .limit(1)
        )
    ).first()
    for _ in range(MAX_MERGE_HOPS):  # a merged ticket lives on in the one it went into
        if ticket is None or ticket.merged_into_id is None:
            break
        ticket = await session.get(TicketRow, ticket.merged_into_id)
    return ticket


async def _ticket_row_for_reference(
    session: AsyncSession, actor: Actor, ref: ChatRef
) -> TicketRow | None:
    number = await session.scalar(
        select(MessageRow.ticket_id)
        .join(MessageCopyRow, MessageCopyRow.message_id == MessageRow.id)
        .where(
            MessageCopyRow.chat_id == ref.chat_id,
            MessageCopyRow.chat_message_id == ref.message_id,
        )
    )
    if number is None:
        number = await session.scalar(
            select(TicketRefRow.ticket_id).where(
                TicketRefRow.chat_id == ref.chat_id,
                TicketRefRow.chat_message_id == ref.message_id,
            )
        )
    if number is None:
        return None
    ticket = await follow_merges(session, await session.get(TicketRow, number))
    if ticket is None or not may_see(actor, ticket):
        return None
    return ticket


async def follow_merges(session: AsyncSession, ticket: TicketRow | None) -> TicketRow | None:
    """The ticket a merged ticket lives on in (the ticket itself when it was not merged)."""
    for _ in range(MAX_MERGE_HOPS):
        if ticket is None or ticket.merged_into_id is None:
            break
        ticket = await session.get(TicketRow, ticket.merged_into_id)
    return ticket


async def current_ticket(
    session: AsyncSession, telegram_user_id: int, thread_id: int | None = None
) -> TicketView | None:
    """The ticket a customer's plain message goes to.

    That is the ticket whose topic of the customer's chat it was written in (``thread_id``),
    else their active ticket (even if it has since been closed, so the customer is offered a
    follow-up), else their most recently active ticket that is not closed.
    """
    if thread_id is not None:
        in_topic = await _ticket_row_for_topic(session, telegram_user_id, thread_id)
        if in_topic is not None:
            return ticket_view(in_topic)
    active = (
        await session.scalars(
            select(TicketRow)
            .join(CustomerRow, CustomerRow.active_ticket_id == TicketRow.id)
            .where(CustomerRow.telegram_user_id == telegram_user_id)
        )
    ).first()
    if active is not None:
        return ticket_view(active)
    latest = await _latest_open(session, telegram_user_id)
    return ticket_view(latest) if latest is not None else None


async def _latest_open(session: AsyncSession, telegram_user_id: int) -> TicketRow | None:
    return (
        await session.scalars(
            select(TicketRow)
            .join(CustomerRow, TicketRow.customer_id == CustomerRow.id)
            .where(
                CustomerRow.telegram_user_id == telegram_user_id,
                TicketRow.status != Status.CLOSED.value,
            )
            .order_by(TicketRow.updated_at.desc(), TicketRow.id.desc())
            .limit(1)
        )
    ).first()


def _context_query() -> Select[ConversationRow, AgentRow, TicketRow]:
    asking = select(bindparam("user", type_=BigInteger()).label("asker")).subquery("asking")
    return (
        select(ConversationRow, AgentRow, TicketRow)
        .select_from(asking)
        .outerjoin(ConversationRow, ConversationRow.chat_id == asking.c.asker)
        .outerjoin(
            AgentRow,
            and_(AgentRow.telegram_user_id == asking.c.asker, AgentRow.is_active.is_(True)),
        )
        .outerjoin(CustomerRow, CustomerRow.telegram_user_id == asking.c.asker)
        .outerjoin(TicketRow, TicketRow.id == CustomerRow.active_ticket_id)
        # The ticket may be missing, so its customer must not be inner-joined here.
        .options(joinedload(TicketRow.customer, innerjoin=False))
    )


_CONTEXT = _context_query()
