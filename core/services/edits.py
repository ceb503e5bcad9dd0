"""Edited messages: keep every version on the ticket and bring the copies in step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.actors import ChatRef, NewMessage
from core.domain.values import Audience, Role, Status
from core.errors import InvalidInput
from core.notices.kinds import CopyStyle, MessageEdit
from core.services.common import ServiceContext
from core.services.latest import drop_waiting, newest_key
from core.services.messages import MAX_TEXT_LENGTH
from core.services.notices import Notice
from core.store import search_index
from core.store.tables import MessageCopyRow, MessageEditRow, MessageRow, TicketRow, table_of


class EditOutcome(StrEnum):
    """What became of an edit."""

    UNKNOWN = "unknown"  # the desk never stored the message: nothing to do
    UNCHANGED = "unchanged"  # the same content again (Telegram repeats edits): nothing to do
    RECORDED = "recorded"  # the new version is stored and the copies are being edited


@dataclass(frozen=True, slots=True)
class MessageVersion:
    """One version of an edited message, as the audit trail keeps it.

    Attributes:
        text: its plain text (or caption).
        replaced_at: when the next version replaced it (None: the current version).
    """

    text: str
    replaced_at: datetime | None


class EditService:
    """Recording edits of stored messages, with the notices that edit their copies."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def edit(self, origin: ChatRef, new: NewMessage, *, as_note: bool = False) -> EditOutcome:
        """Store the new version of the message that arrived as ``origin``.

        The version it replaces is kept (``message_edits``); copies made of it are edited
        to match: a customer's message in the staff topic, an agent's reply (or a
        ``/reply``) in the customer's chat and in the topic, a note in the topic only. An
        edit after the ticket closed is kept and its copies edited too, so the record always
        matches what both sides see.

        Args:
            origin: where the message arrived.
            new: its new version.
            as_note: the edit is written as an internal note (``/note``): a message the
                customer has cannot become one (its copy would show the note).

        Raises:
            InvalidInput: the new version is empty, or longer than any message may be, or
                a public message edited into a note (the stored version stands).
        """
        if new.is_empty:
            raise InvalidInput("An edit cannot leave a message empty; the earlier version stands.")
        if len(new.text) > MAX_TEXT_LENGTH:
            raise InvalidInput(
                f"The edited message is longer than {MAX_TEXT_LENGTH} characters; "
                "the earlier version stands."
            )
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            message = await session.scalar(
                select(MessageRow)
                .join(MessageCopyRow, MessageCopyRow.message_id == MessageRow.id)
                .where(
                    MessageCopyRow.chat_id == origin.chat_id,
                    MessageCopyRow.chat_message_id == origin.message_id,
                    MessageCopyRow.is_origin.is_(True),
                )
            )
            if message is None:
                return EditOutcome.UNKNOWN
            if as_note and not message.internal:
                raise InvalidInput(
                    "The customer has this reply already: an edit cannot make it an internal "
                    "note, and their copy stays as it was. Send the note as a new message."
                )
            new_file = new.attachment.file_id if new.attachment else None
            media_changed = new_file != message.attachment_file_id
            if (
                new.text == message.text
                and new.formatted == message.formatted
                and not (media_changed)
            ):
                return EditOutcome.UNCHANGED
            await session.execute(
                insert(table_of(MessageEditRow)),
                {
                    "message_id": message.id,
                    "ticket_id": message.ticket_id,
                    "text": message.text,
                    "formatted": message.formatted,
                    "attachment_file_id": message.attachment_file_id,
                    "replaced_at": now,
                },
            )
            message.text = new.text
            message.formatted = new.formatted
            if new.attachment is not None:
                message.attachment_kind = new.attachment.kind.value
                message.attachment_file_id = new.attachment.file_id
                message.attachment_details = new.attachment.details
            await search_index.add_text(session, message.ticket_id, [new.text])
            ticket = await session.get(TicketRow, message.ticket_id)
            if ticket is not None:
                notices = await _edit_notices(session, ticket, message, media_changed)
                for notice in notices:
                    # An earlier text edit not sent yet is replaced: the row reads the
                    # message as it is when sent. A replaced attachment is never dropped.
                    await drop_waiting(session, _key_start(message.id, notice.audience), now)
                await self._ctx.enqueue(session, notices, now)
            await session.commit()
            return EditOutcome.RECORDED

    async def history(self, message_id: int) -> list[MessageVersion]:
        """Every version of a stored message, oldest first, the current one last."""
        async with self._ctx.database.read_session() as session:
            earlier = await session.execute(
                select(MessageEditRow.text, MessageEditRow.replaced_at)
                .where(MessageEditRow.message_id == message_id)
                .order_by(MessageEditRow.id)
            )
            current = await session.scalar(
                select(MessageRow.text).where(MessageRow.id == message_id)
            )
        versions = [MessageVersion(text, at) for text, at in earlier]
        if current is not None:
            versions.append(MessageVersion(current, None))
        return versions


async def _edit_notices(
    session: AsyncSession, ticket: TicketRow, message: MessageRow, media_changed: bool
) -> list[Notice]:
    """Edit the copies: in the topic always (where there are none, nothing happens), and
    in the customer's chat for an agent's public reply."""
    role = Role(message.author_role)
    if role is Role.CUSTOMER:
        style = CopyStyle.CUSTOMER
    else:
        style = CopyStyle.NOTE if message.internal else CopyStyle.REPLY

    def body(*, tag_ticket: bool = False) -> MessageEdit:
        return MessageEdit(
            message_id=message.id,
            style=style,
            author=message.author_name,
            tag_ticket=tag_ticket,
            media_changed=media_changed,
        )

    notices = [
        Notice(
            Audience.TICKET_TOPIC,
            body(),
            ticket.id,
            dedupe_key=_key(message.id, Audience.TICKET_TOPIC, media_changed),
        )
    ]
    if style is CopyStyle.REPLY:
        others = await session.scalar(
            select(func.count(TicketRow.id)).where(
                TicketRow.customer_id == ticket.customer_id,
                TicketRow.id != ticket.id,
                TicketRow.status != Status.CLOSED.value,
            )
        )
        notices.append(
            Notice(
                Audience.CUSTOMER,
                body(tag_ticket=bool(others)),
                ticket.id,
                ticket.customer.telegram_user_id,
                dedupe_key=_key(message.id, Audience.CUSTOMER, media_changed),
            )
        )
    return notices


def _key_start(message_id: int, audience: Audience) -> str:
    """The start of the dedupe keys of a message's text edits for one side."""
    return f"edit:{audience.value}:{message_id}:text:"


def _key(message_id: int, audience: Audience, media_changed: bool) -> str:
    if media_changed:
        return newest_key(f"edit:{audience.value}:{message_id}:media:")
    return newest_key(_key_start(message_id, audience))
