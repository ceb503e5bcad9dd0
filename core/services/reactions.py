"""Reactions in step: an agent's reaction reaches the customer's message, and back.

A reaction an agent puts on a copy of a customer's message in the staff topic is put on the
customer's original; a reaction the customer puts on a copy of a public reply is put on the
reply in the topic. A customer's 👍 or 👎 on the desk's own message about a resolved ticket
they have not rated yet is a quick rating (5 or 1). Anything else (service messages, messages
the desk never stored, notes, members who are not agents) is ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.values import FINISHED_STATUSES, Audience, Role, Status
from core.notices.kinds import MessageReaction
from core.services.common import ServiceContext
from core.services.latest import drop_waiting, newest_key
from core.services.notices import Notice
from core.store.tables import (
    AgentRow,
    MessageCopyRow,
    MessageRow,
    TicketRefRow,
    TicketRow,
)

QUICK_RATINGS = {"👍": 5, "👎": 1}
"""A customer's reaction on the resolution message, as the rating it stands for."""


@dataclass(frozen=True, slots=True)
class QuickRating:
    """The customer's reaction stands for a rating of their ticket, not yet given."""

    number: int
    rating: int


@dataclass(frozen=True, slots=True)
class Reacted:
    """What a reaction led to: mirrored (True), a quick rating to record, or nothing."""

    mirrored: bool = False
    rating: QuickRating | None = None


class ReactionService:
    """Mirroring reactions between the customer's chat and the staff topic."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def react(
        self, chat_id: int, chat_message_id: int, user_id: int, emoji: Sequence[str]
    ) -> Reacted:
        """Take a person's reactions on a message as they are now (empty: taken off).

        Args:
            chat_id: where the message is (a customer's private chat, or the staff chat).
            chat_message_id: the message reacted to.
            user_id: who reacted (their Telegram id).
            emoji: their reactions now, oldest first.
        """
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            found = await session.execute(
                select(MessageRow, MessageCopyRow.is_origin)
                .join(MessageCopyRow, MessageCopyRow.message_id == MessageRow.id)
                .where(
                    MessageCopyRow.chat_id == chat_id,
                    MessageCopyRow.chat_message_id == chat_message_id,
                )
            )
            row = found.first()
            if row is None:
                return Reacted(rating=await _quick_rating(session, chat_id, chat_message_id, emoji))
            message, is_origin = row
            ticket = await session.get(TicketRow, message.ticket_id)
            if ticket is None or message.internal:
                return Reacted()
            notice = await _mirror(
                session,
                ticket,
                message,
                chat_id=chat_id,
                user_id=user_id,
                is_origin=is_origin,
                emoji=emoji,
            )
            if notice is None:
                return Reacted()
            if notice.dedupe_key is not None:
                start = notice.dedupe_key[: notice.dedupe_key.rindex(":") + 1]
                await drop_waiting(session, start, now)
            await self._ctx.enqueue(session, [notice], now)
            await session.commit()
            return Reacted(mirrored=True)


async def _mirror(
    session: AsyncSession,
    ticket: TicketRow,
    message: MessageRow,
    *,
    chat_id: int,
    user_id: int,
    is_origin: bool,
    emoji: Sequence[str],
) -> Notice | None:
    """The notice that puts the reaction on the other side, or None when none applies."""
    customer_id = ticket.customer.telegram_user_id
    body = MessageReaction(message_id=message.id, emoji=tuple(emoji))
    author = Role(message.author_role)
    if chat_id == customer_id == user_id:
        # The customer, in their chat, on the copy of an agent's public reply.
        if author is not Role.AGENT or is_origin:
            return None
        return Notice(Audience.TICKET_TOPIC, body, ticket.id, dedupe_key=_key(body, "topic"))
    if chat_id == customer_id or author is not Role.CUSTOMER or is_origin:
        return None
    agent = await session.scalar(
        select(AgentRow.id).where(AgentRow.telegram_user_id == user_id, AgentRow.is_active)
    )
    if agent is None:
        return None  # a member who is not an agent: their reactions stay in the group
    return Notice(
        Audience.CUSTOMER, body, ticket.id, customer_id, dedupe_key=_key(body, "customer")
    )


def _key(body: MessageReaction, side: str) -> str:
    """A dedupe key unique to this change, whose start names the message and the side."""
    return newest_key(_key_start(body.message_id, side))


def _key_start(message_id: int, side: str) -> str:
    return f"reaction:{side}:{message_id}:"


async def _quick_rating(
    session: AsyncSession, chat_id: int, chat_message_id: int, emoji: Sequence[str]
) -> QuickRating | None:
    """A 👍 or 👎 the customer put on the desk's message about their finished, unrated
    ticket (the resolution message), as a rating; None otherwise."""
    ratings = [QUICK_RATINGS[e] for e in emoji if e in QUICK_RATINGS]
    if not ratings:
        return None
    ticket = await session.scalar(
        select(TicketRow)
        .join(TicketRefRow, TicketRefRow.ticket_id == TicketRow.id)
        .where(TicketRefRow.chat_id == chat_id, TicketRefRow.chat_message_id == chat_message_id)
    )
    if ticket is None or ticket.customer.telegram_user_id != chat_id:
        return None
    if Status(ticket.status) not in FINISHED_STATUSES or ticket.rating is not None:
        return None
    return QuickRating(ticket.id, ratings[-1])
