"""Messages on tickets: customers writing, agents replying, internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from core.domain.actors import Actor, ChatRef, CustomerProfile, NewMessage
from core.domain.moves import agent_reply, customer_reply
from core.domain.values import Role
from core.errors import DuplicateMessage, InvalidInput, PermissionDenied
from core.services import notices
from core.services.common import (
    ServiceContext,
    load_record,
    refresh_record,
)
from core.services.floods import pace_of
from core.services.moves import store_record_outcome, ticket_state
from core.services.routing import PrivateContext, route
from core.store import search_index
from core.store.prepared import Writer
from core.store.write_rows import INSERT_MESSAGE, INSERT_ORIGIN, SET_ACTIVE_TICKET, TicketRecord
from core.views import MessageView, PostedMessages

MAX_TEXT_LENGTH = 65_536


def as_parts(message: NewMessage | Sequence[NewMessage]) -> list[NewMessage]:
    """Accept one message or the parts of an album; refuse nothing-at-all.

    Raises:
        InvalidInput: no parts, an empty part, or text beyond any sane size.
    """
    parts = [message] if isinstance(message, NewMessage) else list(message)
    if not parts or any(part.is_empty for part in parts):
        raise InvalidInput("The message is empty: write some text or attach something.")
    if any(len(part.text) > MAX_TEXT_LENGTH for part in parts):
        raise InvalidInput(f"The message is longer than {MAX_TEXT_LENGTH} characters.")
    return parts


async def add_messages(
    writer: Writer,
    ticket_id: int,
    actor: Actor,
    parts: Sequence[NewMessage],
    now: datetime,
    *,
    internal: bool = False,
) -> list[MessageView]:
    """Store messages on a ticket, with their origins, refusing a repeated delivery.

    Prepared INSERTs rather than ORM objects: this is the hottest write of the desk.

    Raises:
        DuplicateMessage: one of the origins was recorded before.
    """
    ids: list[int] = []
    for part in parts:
        values = message_values(ticket_id, actor, part, now, internal=internal)
        ids.append(await writer.scalar(INSERT_MESSAGE, values))
    origins = [
        {
            "message_id": message_id,
            "chat_id": p.origin.chat_id,
            "chat_message_id": p.origin.message_id,
            "is_origin": True,
        }
        for message_id, p in zip(ids, parts, strict=True)
        if p.origin is not None
    ]
    await search_index.add_text(writer, ticket_id, [part.text for part in parts])
    if origins:
        try:
            await writer.run_many(INSERT_ORIGIN, origins)
        except IntegrityError as exc:  # the (chat, message id) of an origin is unique
            raise DuplicateMessage("The message was already recorded.") from exc
    return [
        message_view_of(message_id, ticket_id, actor, part, now, internal=internal)
        for message_id, part in zip(ids, parts, strict=True)
    ]


def message_values(
    ticket_id: int, actor: Actor, part: NewMessage, now: datetime, *, internal: bool = False
) -> dict[str, object]:
    """The ``messages`` row of one part, as the values of a plain INSERT."""
    return {
        "ticket_id": ticket_id,
        "author_role": actor.role.value,
        "author_agent_id": actor.ref if actor.role is Role.AGENT else None,
        "author_name": actor.name,
        "text": part.text,
        "formatted": part.formatted,
        "attachment_kind": part.attachment.kind.value if part.attachment else None,
        "attachment_file_id": part.attachment.file_id if part.attachment else None,
        "attachment_details": part.attachment.details if part.attachment else None,
        "album": part.album,
        "internal": internal,
        "copyable": part.copyable,
        "created_at": now,
        "forward_origin": part.forwarded_from.to_json() if part.forwarded_from else None,
    }


def message_view_of(
    message_id: int,
    ticket_id: int,
    actor: Actor,
    part: NewMessage,
    now: datetime,
    *,
    internal: bool = False,
) -> MessageView:
    """The view of a part just stored as message ``message_id``."""
    return MessageView(
        id=message_id,
        ticket_number=ticket_id,
        author_role=actor.role,
        author_name=actor.name,
        text=part.text,
        formatted=part.formatted,
        attachment=part.attachment,
        album=part.album,
        internal=internal,
        created_at=now,
        origin=part.origin,
        copyable=part.copyable,
        forwarded_from=part.forwarded_from,
    )


class MessageService:
    """Posting messages to tickets."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def send_message(
        self,
        actor: Actor,
        number: int,
        message: NewMessage | Sequence[NewMessage],
        *,
        internal: bool = False,
        written_in_topic: bool = False,
    ) -> PostedMessages:
        """Add a message (or an album) to a ticket and tell whoever needs to know.

        A customer's message reopens a pending ticket, or a resolved one within the reopen
        window. An agent's first public reply records the first response, takes the ticket
        if nobody has, and moves it from new to open.

        Args:
            actor: the customer or agent writing.
            number: the ticket.
            message: one message, or the parts of one album.
            internal: an agent's internal note, never shown to the customer.
            written_in_topic: it was written in the ticket's staff topic, so it needs no echo
                there.

        Raises:
            TicketNotFound: no such ticket, or another customer's.
            TicketClosed: the ticket no longer takes messages (offer a follow-up).
            PermissionDenied: a customer tried to write an internal note.
            DuplicateMessage: the same inbound message was recorded before.
            InvalidInput: the message is empty.
        """
        parts = as_parts(message)
        if internal and not actor.is_agent:
            raise PermissionDenied("Only agents can write internal notes.")
        now = self._ctx.clock.now()
        async with self._ctx.database.write_transaction() as writer:
            # An agent's public reply names its ticket when the customer has another open
            # one: the same statement tells.
            others = not actor.is_customer and not internal
            ticket = await load_record(writer, actor, number, for_update=True, others=others)
            if actor.profile is not None:  # the ticket is theirs: load_record checked it
                await refresh_record(writer, ticket.customer, actor.profile, now)
            if actor.is_customer:
                posted = await self._from_customer(writer, ticket, actor, parts, now)
            else:
                posted = await self._from_agent(
                    writer,
                    ticket,
                    actor,
                    parts,
                    now,
                    internal=internal,
                    written_in_topic=written_in_topic,
                )
        return posted

    async def customer_writes(
        self,
        profile: CustomerProfile,
        message: NewMessage,
        *,
        reply_to: ChatRef | None = None,
        thread_id: int | None = None,
    ) -> CustomerWrite:
        """Route a customer's plain message and, when it has a ticket to go to, store it.

        One transaction reads where the message belongs (the chat's conversation, whether
        the sender is a logged-in agent, the ticket it replies to or the customer's current
        one) and, in the common case, adds it there. When a conversation is going on, the
        sender is an agent, or there is no open ticket, nothing is written and the context
        comes back for the front end to decide. ``thread_id`` is the topic of the customer's
        chat it was written in: a ticket's topic sends it to that ticket.

        Raises:
            TicketClosed: the target ticket was resolved too long ago to reopen.
            DuplicateMessage: the same inbound message was recorded before.
            InvalidInput: the message is empty.
        """
        parts = as_parts(message)
        actor = Actor.customer(profile)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            context, target = await route(session, profile.telegram_user_id, reply_to, thread_id)
            if context.conversation or context.agent or target is None or context.ticket is None:
                return CustomerWrite(context, None)
            if context.ticket.is_closed:
                return CustomerWrite(context, None)
            writer = await Writer.of(session)
            ticket = await load_record(writer, actor, target.id, for_update=True)
            await refresh_record(writer, ticket.customer, profile, now)
            posted = await self._from_customer(writer, ticket, actor, parts, now)
            await session.commit()
            return CustomerWrite(context, posted)

    async def _from_customer(
        self,
        writer: Writer,
        ticket: TicketRecord,
        actor: Actor,
        parts: list[NewMessage],
        now: datetime,
    ) -> PostedMessages:
        outcome = customer_reply(
            ticket_state(ticket), now=now, reopen_window=self._ctx.config.reopen_window
        )
        per_minute = self._ctx.config.customer_messages_per_minute
        pace = await pace_of(writer, ticket.customer_id, len(parts), now, per_minute)
        rows = await add_messages(writer, ticket.id, actor, parts, now)
        if ticket.customer.active_ticket_id != ticket.id:  # unchanged: nothing to write
            await writer.run(
                SET_ACTIVE_TICKET, {"customer": ticket.customer_id, "ticket": ticket.id}
            )
            ticket.customer.active_ticket_id = ticket.id
        # Past the minute's allowance the copies wait for the minute's end, all together.
        await self._ctx.enqueue(writer, notices.on_customer_messages(ticket, rows, parts), pace.due)
        news = await store_record_outcome(writer, ticket, actor, outcome, now)
        await self._ctx.enqueue(writer, news, now)
        posted = _posted(ticket, rows, reopened=outcome.moved)
        return replace(posted, slowed=pace.first_held)

    async def _from_agent(
        self,
        writer: Writer,
        ticket: TicketRecord,
        actor: Actor,
        parts: list[NewMessage],
        now: datetime,
        *,
        internal: bool,
        written_in_topic: bool,
    ) -> PostedMessages:
        outcome = agent_reply(ticket_state(ticket), agent_id=actor.ref, now=now, internal=internal)
        rows = await add_messages(writer, ticket.id, actor, parts, now, internal=internal)
        news = await store_record_outcome(writer, ticket, actor, outcome, now)
        news += notices.on_agent_messages(
            ticket,
            rows,
            parts,
            internal=internal,
            written_in_topic=written_in_topic,
            tag_ticket=not internal and bool(ticket.others_open),
        )
        await self._ctx.enqueue(writer, news, now)
        return _posted(ticket, rows)


@dataclass(frozen=True, slots=True)
class CustomerWrite:
    """Where a customer's message belongs, and what was stored (None: nothing yet)."""

    context: PrivateContext
    posted: PostedMessages | None


def _posted(
    ticket: TicketRecord, messages: list[MessageView], *, reopened: bool = False
) -> PostedMessages:
    return PostedMessages(ticket.view(), tuple(messages), reopened)
