"""Customers' plain messages of one batch of updates, stored in one transaction.

A front end that fetches updates in batches (the bot's polling) hands over the plain
messages customers wrote, in the order received. Each is stored as
``MessageService.customer_writes`` stores it: on the customer's active ticket, reopening it
when the lifecycle says so, paced like any other, copied into the ticket's topic. But the
batch is one transaction of a few statements: who may be served this way, the duplicate
check and the flood pace are read once for all senders, and the messages, their origins
and the outbox rows are one INSERT each.

Only that common case is taken. A message is *left* for the one-by-one path when its sender
is unknown, has a conversation going on, is a logged-in agent or is banned, has no active
ticket or one that no longer takes messages; when it is a part of an album or not a valid
message. Once one of a sender's messages is left, the rest of theirs are left too, so each
chat keeps its order. A message recorded before (Telegram sent it again) is refused alone,
as a duplicate; the others are stored.

A dispatcher with nothing to do may hand the batch a claim (``customer_messages_claiming``):
the due outbox rows, the batch's copies among them, are then claimed in the same
transaction, so they go out without a transaction of their own to claim them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.domain.actors import Actor, CustomerProfile, NewMessage
from core.domain.moves import Outcome, customer_reply
from core.domain.values import Role, Status
from core.errors import InvalidInput, TicketClosed
from core.services import notices
from core.services.common import ServiceContext, refresh_customer
from core.services.delivery import Claim, claim_due
from core.services.floods import Pace, pace_after
from core.services.messages import as_parts, message_values, message_view_of
from core.services.moves import store_outcome, ticket_state
from core.store import search_index
from core.store.tables import (
    AgentRow,
    ConversationRow,
    CustomerBanRow,
    CustomerRow,
    MessageCopyRow,
    MessageRow,
    OutboxRow,
    TicketRow,
    table_of,
)
from core.store.to_views import ticket_view
from core.views import OutboxItem, PostedMessages


class Taken(Enum):
    """What became of one message of a batch."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # recorded before: nothing stored, nothing more to do
    LEFT = "left"  # not taken here: the front end handles it on its own


@dataclass(frozen=True, slots=True)
class CustomerMessage:
    """A plain message a customer wrote in their private chat (its origin set)."""

    profile: CustomerProfile
    message: NewMessage


@dataclass(frozen=True, slots=True)
class BatchedWrite:
    """One message's outcome; ``posted`` is what was stored (``STORED`` only)."""

    taken: Taken
    posted: PostedMessages | None = None


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """A batch's outcomes, one per item in order, and the outbox rows claimed with it.

    ``claimed`` is None when no claim was made (none asked for, or nothing was stored).
    """

    outcomes: list[BatchedWrite]
    claimed: list[OutboxItem] | None = None


LEFT = BatchedWrite(Taken.LEFT)
DUPLICATE = BatchedWrite(Taken.DUPLICATE)


@dataclass(slots=True)
class _Stored:
    """A message decided on, waiting for the batch's INSERTs."""

    index: int
    ticket: TicketRow
    actor: Actor
    part: NewMessage
    pace: Pace
    outcome: Outcome
    news: list[notices.Notice] = field(default_factory=list)
    message_id: int = 0  # known once the batch's messages are inserted


class BatchService:
    """Work a front end hands over a batch at a time."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def customer_messages(self, items: Sequence[CustomerMessage]) -> list[BatchedWrite]:
        """Store customers' plain messages of one batch of updates in one transaction.

        Each item comes back stored, refused as a duplicate, or left for
        ``MessageService.customer_writes`` one by one (see the module's description).

        Raises:
            SQLAlchemyError: the transaction failed; nothing of the batch is stored then.
        """
        return (await store_customer_batch(self._ctx, items)).outcomes

    async def customer_messages_claiming(
        self, items: Sequence[CustomerMessage], claim: Claim
    ) -> StoredBatch:
        """``customer_messages``, and when something was stored, claim due outbox rows
        (``DeliveryService.claim``'s rule, the new copies among them) in the same
        transaction.

        For a dispatcher with nothing to do: what the batch queued goes out without a
        transaction of its own to claim it. The rows are leased to ``claim.owner`` once
        this returns; they are its to send (or to release).

        Raises:
            SQLAlchemyError: the transaction failed; nothing was stored or claimed then.
        """
        return await store_customer_batch(self._ctx, items, claim)


async def store_customer_batch(
    context: ServiceContext, items: Sequence[CustomerMessage], claim: Claim | None = None
) -> StoredBatch:
    """Store the common case of a batch in one transaction; one outcome per item, in order.

    With ``claim``, due outbox rows are claimed last in the same transaction, when
    something was stored.

    Raises:
        SQLAlchemyError: the transaction failed (a duplicate that arrived meanwhile from
            another process among them); nothing of the batch is stored then.
    """
    results = [LEFT] * len(items)
    batchable = {i for i, item in enumerate(items) if _may_batch(item.message)}
    if not batchable:
        return StoredBatch(results)
    now = context.clock.now()
    async with context.database.write_session() as session:
        users = {items[i].profile.telegram_user_id for i in batchable}
        tickets = await _routable_tickets(session, users)
        if not tickets:
            return StoredBatch(results)
        # Every item of these senders, in order: one that cannot be batched (an album's
        # part, say) leaves the rest of its sender's messages too, so their order holds.
        candidates = [i for i, item in enumerate(items) if item.profile.telegram_user_id in tickets]
        recorded = await _recorded_origins(
            session, (items[i].message for i in candidates if i in batchable)
        )
        sent = await _sent_this_minute(session, [t.customer_id for t in tickets.values()], now)
        left: set[int] = set()
        touched: dict[int, datetime] = {}  # tickets whose only change is their activity time
        stored: list[_Stored] = []
        for index in candidates:
            item = items[index]
            user = item.profile.telegram_user_id
            if user in left:
                continue
            if index not in batchable:
                left.add(user)
                continue
            origin = _origin_key(item.message)
            if origin in recorded:
                results[index] = DUPLICATE
                continue
            ticket = tickets[user]
            try:
                [part] = as_parts(item.message)
                outcome = customer_reply(
                    ticket_state(ticket), now=now, reopen_window=context.config.reopen_window
                )
            except (InvalidInput, TicketClosed):
                left.add(user)
                continue
            recorded.add(origin)
            actor = Actor.customer(item.profile)
            await refresh_customer(session, ticket.customer, item.profile, now)
            before = sent.get(ticket.customer_id, 0)
            sent[ticket.customer_id] = before + 1
            pace = pace_after(before, 1, now, context.config.customer_messages_per_minute)
            news = await _store(session, ticket, actor, outcome, now=now, touched=touched)
            if ticket.customer.active_ticket_id != ticket.id:
                ticket.customer.active_ticket_id = ticket.id
            stored.append(_Stored(index, ticket, actor, part, pace, outcome, news))
        if not stored:
            return StoredBatch(results)
        await _write(session, stored, now)
        await _touch(session, touched)
        claimed = None if claim is None else await claim_due(session, claim, now)
        await session.commit()
    _tell_stored(results, items, tickets, stored, now)
    return StoredBatch(results, claimed)


def _tell_stored(
    results: list[BatchedWrite],
    items: Sequence[CustomerMessage],
    tickets: dict[int, TicketRow],
    stored: list[_Stored],
    now: datetime,
) -> None:
    """Fill in the outcome of each stored item: its ticket and message as views."""
    views = {user: ticket_view(ticket) for user, ticket in tickets.items()}
    for entry in stored:
        user = items[entry.index].profile.telegram_user_id
        view = message_view_of(entry.message_id, entry.ticket.id, entry.actor, entry.part, now)
        posted = PostedMessages(
            views[user], (view,), entry.outcome.moved, slowed=entry.pace.first_held
        )
        results[entry.index] = BatchedWrite(Taken.STORED, posted)


async def _store(
    session: AsyncSession,
    ticket: TicketRow,
    actor: Actor,
    outcome: Outcome,
    *,
    now: datetime,
    touched: dict[int, datetime],
) -> list[notices.Notice]:
    """``store_outcome``, but a mere new activity time is kept for one UPDATE of all."""
    if outcome.events or replace(outcome.state, updated_at=ticket.updated_at) != ticket_state(
        ticket
    ):
        return await store_outcome(session, ticket, actor, outcome, now)
    if ticket.updated_at != outcome.state.updated_at:
        touched[ticket.id] = outcome.state.updated_at
        set_committed_value(ticket, "updated_at", outcome.state.updated_at)
    return []


async def _touch(session: AsyncSession, touched: dict[int, datetime]) -> None:
    """Write the tickets' new activity times, one statement for all."""
    if not touched:
        return
    connection = await session.connection()
    await connection.execute(
        _TOUCH, [{"ticket": number, "at": at} for number, at in touched.items()]
    )


def _may_batch(message: NewMessage) -> bool:
    """A single message from a chat (an album's parts wait for each other one by one)."""
    return message.origin is not None and message.album is None


def _origin_key(message: NewMessage) -> tuple[int, int]:
    origin = message.origin
    if origin is None:
        raise ValueError("a batched message has an origin")
    return origin.chat_id, origin.message_id


@functools.cache
def _routable_query(dialect: str) -> Select[TicketRow, int]:
    """The active ticket of each sender in ``users`` the batch may serve (see below).

    Built once per dialect: building a statement costs more than running it.
    """
    in_conversation = (
        select(ConversationRow.chat_id)
        .where(ConversationRow.chat_id == CustomerRow.telegram_user_id)
        .exists()
    )
    is_agent = (
        select(AgentRow.id)
        .where(AgentRow.telegram_user_id == CustomerRow.telegram_user_id)
        .where(AgentRow.is_active.is_(True))
        .exists()
    )
    banned = select(CustomerBanRow.customer_id).where(CustomerBanRow.customer_id == CustomerRow.id)
    query = (
        select(TicketRow, CustomerRow.telegram_user_id)
        .join(
            CustomerRow,
            (CustomerRow.active_ticket_id == TicketRow.id)
            & (TicketRow.customer_id == CustomerRow.id),
        )
        .where(
            CustomerRow.telegram_user_id.in_(bindparam("users", expanding=True)),
            TicketRow.status != Status.CLOSED.value,
            ~in_conversation,
            ~is_agent,
            ~banned.exists(),
        )
        .order_by(TicketRow.id)
    )
    if dialect != "sqlite":
        query = query.with_for_update(of=TicketRow).execution_options(populate_existing=True)
    return query


_copies, _messages, _tickets = table_of(MessageCopyRow), table_of(MessageRow), table_of(TicketRow)
_RECORDED = select(_copies.c.chat_id, _copies.c.chat_message_id).where(
    _copies.c.chat_id.in_(bindparam("chats", expanding=True)),
    _copies.c.chat_message_id.in_(bindparam("numbers", expanding=True)),
)
_SENT_SINCE = (
    select(_tickets.c.customer_id, func.count(_messages.c.id))
    .join(_tickets, _tickets.c.id == _messages.c.ticket_id)
    .where(
        _tickets.c.customer_id.in_(bindparam("customers", expanding=True)),
        _messages.c.author_role == Role.CUSTOMER.value,
        _messages.c.created_at >= bindparam("since", type_=_messages.c.created_at.type),
    )
    .group_by(_tickets.c.customer_id)
)
_TOUCH = (
    update(_tickets).where(_tickets.c.id == bindparam("ticket")).values(updated_at=bindparam("at"))
)


async def _routable_tickets(session: AsyncSession, users: set[int]) -> dict[int, TicketRow]:
    """The active ticket of each sender the batch may serve, by Telegram user id.

    Left out: unknown senders, a chat with a conversation going on, an agent's account, a
    banned customer, and a closed active ticket (or none). On PostgreSQL the tickets are
    locked, in order, as ``load_ticket`` does for one.
    """
    query = _routable_query(session.get_bind().dialect.name)
    rows = (await session.execute(query, {"users": sorted(users)})).unique().all()
    return {user: ticket for ticket, user in rows}


async def _recorded_origins(
    session: AsyncSession, messages: Iterable[NewMessage]
) -> set[tuple[int, int]]:
    """Which of these messages' origins were recorded before."""
    wanted = {_origin_key(message) for message in messages}
    if not wanted:
        return set()
    connection = await session.connection()  # a plain statement: no ORM path
    found = await connection.execute(
        _RECORDED,
        {
            "chats": sorted({chat for chat, _ in wanted}),
            "numbers": sorted({number for _, number in wanted}),
        },
    )
    return {(chat, number) for chat, number in found} & wanted


async def _sent_this_minute(
    session: AsyncSession, customer_ids: list[int], now: datetime
) -> dict[int, int]:
    """How many messages each customer wrote this clock minute (``pace_of``, for many)."""
    connection = await session.connection()
    counted = await connection.execute(
        _SENT_SINCE,
        {
            "customers": sorted(set(customer_ids)),
            "since": now.replace(second=0, microsecond=0),
        },
    )
    return {customer_id: int(count) for customer_id, count in counted}


async def _write(session: AsyncSession, stored: list[_Stored], now: datetime) -> None:
    """The messages, their origins, the search text and the outbox rows, in batch order.

    Each message's copy into its topic is queued before the news its message caused, as
    ``MessageService`` does, so every lane gets its rows in the order things happened.
    """
    connection = await session.connection()
    table = table_of(MessageRow)
    inserted = await connection.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [message_values(e.ticket.id, e.actor, e.part, now) for e in stored],
    )
    for entry, message_id in zip(stored, inserted.scalars(), strict=True):
        entry.message_id = message_id
    await connection.execute(
        insert(table_of(MessageCopyRow)),
        [_origin_values(entry) for entry in stored],
    )
    texts: dict[int, list[str]] = {}
    for entry in stored:
        texts.setdefault(entry.ticket.id, []).append(entry.part.text)
    for number, written in texts.items():
        await search_index.add_text(session, number, written)
    rows: list[dict[str, object]] = []
    for entry in stored:
        view = message_view_of(entry.message_id, entry.ticket.id, entry.actor, entry.part, now)
        copies = notices.on_customer_messages(entry.ticket, [view], [entry.part])
        rows += [notice.to_values(entry.pace.due) for notice in copies]
        rows += [notice.to_values(now) for notice in entry.news]
    if rows:
        await connection.execute(insert(table_of(OutboxRow)), rows)


def _origin_values(entry: _Stored) -> dict[str, object]:
    chat_id, number = _origin_key(entry.part)
    return {
        "message_id": entry.message_id,
        "chat_id": chat_id,
        "chat_message_id": number,
        "is_origin": True,
    }
