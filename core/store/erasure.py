"""Erasing what tickets say, keeping that they happened.

A ticket whose content is erased keeps its number, status, priority, times and rating (the
figures count it, anonymous); its subject, the texts, captions, formatting, file ids and
forward origins of its messages, the Telegram ids of their copies, the rating comment and
the customer's name in its audit trail are gone. Marked with ``content_erased_at`` in the
same transaction, so it is done exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.values import Role
from core.store.tables import (
    ConversationRow,
    MessageCopyRow,
    MessageEditRow,
    MessageRow,
    OutboxRow,
    TicketEventRow,
    TicketRefRow,
    TicketRow,
)

ERASED = "(erased)"
"""What stands where a name or a subject was."""


async def erase_ticket_contents(
    session: AsyncSession, ticket_ids: Sequence[int], now: datetime
) -> None:
    """Erase the content of these tickets, in the caller's transaction."""
    if not ticket_ids:
        return
    ids = list(ticket_ids)
    message_ids = select(MessageRow.id).where(MessageRow.ticket_id.in_(ids)).scalar_subquery()
    await session.execute(delete(MessageCopyRow).where(MessageCopyRow.message_id.in_(message_ids)))
    # Earlier versions of edited messages are content too.
    await session.execute(
        delete(MessageEditRow).where(
            or_(MessageEditRow.ticket_id.in_(ids), MessageEditRow.message_id.in_(message_ids))
        )
    )
    await session.execute(
        update(MessageRow)
        .where(MessageRow.ticket_id.in_(ids))
        .values(
            text="",
            formatted=None,
            attachment_file_id=None,
            attachment_details=None,
            album=None,
            forward_origin=None,
            copyable=False,
        )
    )
    await session.execute(
        update(MessageRow)
        .where(MessageRow.ticket_id.in_(ids), MessageRow.author_role == Role.CUSTOMER.value)
        .values(author_name=ERASED)
    )
    await session.execute(
        update(TicketEventRow)
        .where(
            TicketEventRow.ticket_id.in_(ids),
            TicketEventRow.actor_role == Role.CUSTOMER.value,
        )
        .values(actor_name=ERASED, detail=None)  # a rating's comment, among others
    )
    await session.execute(delete(TicketRefRow).where(TicketRefRow.ticket_id.in_(ids)))
    # Delivered notices keep copies of texts for a while; undelivered ones would send them.
    await session.execute(delete(OutboxRow).where(OutboxRow.ticket_id.in_(ids)))
    await session.execute(
        update(TicketRow)
        .where(TicketRow.id.in_(ids))
        .values(subject=ERASED, rating_comment=None, content_erased_at=now)
    )


async def forget_chat(session: AsyncSession, chat_id: int) -> None:
    """Drop what a private chat left behind: its conversation and its queued notices."""
    await session.execute(delete(ConversationRow).where(ConversationRow.chat_id == chat_id))
    await session.execute(delete(OutboxRow).where(OutboxRow.chat_id == chat_id))
