"""Customers' plain messages of one batch of updates, stored in one transaction.

A front end that fetches updates in batches (the bot's polling) hands over the plain
messages customers wrote, in the order received. Each is stored as
``MessageService.customer_writes`` stores it: on the customer's active ticket, reopening it
when the lifecycle says so, paced like any other, copied into the ticket's topic. But the
batch is one transaction of a few statements: who may be served this way, the duplicate
check and the flood pace are read once for all senders (the tickets as plain
``TicketRecord`` values, with their customers, assignees and tags), and the origins and the
outbox rows are written by one statement each. It is a write transaction without an ORM
session (``Database.write_transaction``): every statement is built once and prepared
(``core.store.prepared``), on SQLite run on its ``sqlite3`` connection directly.

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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import Executable

from core.domain.actors import Actor, CustomerProfile, NewMessage
from core.domain.moves import Outcome, customer_reply
from core.domain.values import Role, Status
from core.errors import InvalidInput, TicketClosed
from core.services import notices
from core.services.common import ServiceContext, refresh_record
from core.services.delivery import Claim, claim_due_with
from core.services.floods import Pace, pace_after
from core.services.messages import as_parts, message_values, message_view_of
from core.services.moves import store_record_outcome, ticket_state
from core.store import search_index
from core.store.prepared import Prepared, Writer
from core.store.tables import (
    AgentRow,
    ConversationRow,
    CustomerBanRow,
    CustomerRow,
    MessageCopyRow,
    MessageRow,
    TicketRow,
    table_of,
)
from core.store.write_rows import (
    INSERT_MESSAGE,
    INSERT_ORIGIN,
    INSERT_OUTBOX,
    TicketRecord,
    record_of,
    records_reading,
)
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
    ticket: TicketRecord
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
            another process among them, a locked or full database at BEGIN or COMMIT);
            nothing of the batch is stored then.
    """
    results = [LEFT] * len(items)
    batchable = {i for i, item in enumerate(items) if _may_batch(item.message)}
    if not batchable:
        return StoredBatch(results)
    now = context.clock.now()
    claimed: list[OutboxItem] | None = None
    async with context.database.write_transaction() as writer:
        users = {items[i].profile.telegram_user_id for i in batchable}
        tickets = await _routable_tickets(writer, users)
        if not tickets:
            return StoredBatch(results)
        # Every item of these senders, in order: one that cannot be batched (an album's
        # part, say) leaves the rest of its sender's messages too, so their order holds.
        candidates = [i for i, item in enumerate(items) if item.profile.telegram_user_id in tickets]
        recorded = await _recorded_origins(
            writer, (items[i].message for i in candidates if i in batchable)
        )
        sent = await _sent_this_minute(writer, [t.customer_id for t in tickets.values()], now)
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
            await refresh_record(writer, ticket.customer, item.profile, now)
            before = sent.get(ticket.customer_id, 0)
            sent[ticket.customer_id] = before + 1
            pace = pace_after(before, 1, now, context.config.customer_messages_per_minute)
            news = await _store(writer, ticket, actor, outcome, now=now, touched=touched)
            # The active ticket needs no write: only a customer's active ticket is routable.
            stored.append(_Stored(index, ticket, actor, part, pace, outcome, news))
        if not stored:
            return StoredBatch(results)
        await _write(writer, stored, now)
        await writer.run_many(_TOUCH, [{"n": n, "at": at} for n, at in touched.items()])
        if claim is not None:
            claimed = await claim_due_with(writer, claim, now)
    _tell_stored(results, items, tickets, stored, now)  # committed: what it tells holds
    return StoredBatch(results, claimed)


def _tell_stored(
    results: list[BatchedWrite],
    items: Sequence[CustomerMessage],
    tickets: dict[int, TicketRecord],
    stored: list[_Stored],
    now: datetime,
) -> None:
    """Fill in the outcome of each stored item: its ticket and message as views."""
    views = {user: ticket.view() for user, ticket in tickets.items()}
    for entry in stored:
        user = items[entry.index].profile.telegram_user_id
        view = message_view_of(entry.message_id, entry.ticket.id, entry.actor, entry.part, now)
        posted = PostedMessages(
            views[user], (view,), entry.outcome.moved, slowed=entry.pace.first_held
        )
        results[entry.index] = BatchedWrite(Taken.STORED, posted)


async def _store(
    writer: Writer,
    ticket: TicketRecord,
    actor: Actor,
    outcome: Outcome,
    *,
    now: datetime,
    touched: dict[int, datetime],
) -> list[notices.Notice]:
    """``store_record_outcome``, but a mere new activity time is kept for one UPDATE of all."""
    if outcome.events or replace(outcome.state, updated_at=ticket.updated_at) != ticket_state(
        ticket
    ):
        return await store_record_outcome(writer, ticket, actor, outcome, now)
    if ticket.updated_at != outcome.state.updated_at:
        touched[ticket.id] = outcome.state.updated_at
        ticket.updated_at = outcome.state.updated_at
    return []


def _may_batch(message: NewMessage) -> bool:
    """A single message from a chat (an album's parts wait for each other one by one)."""
    return message.origin is not None and message.album is None


def _origin_key(message: NewMessage) -> tuple[int, int]:
    origin = message.origin
    if origin is None:
        raise ValueError("a batched message has an origin")
    return origin.chat_id, origin.message_id


class _Listed:
    """A statement taking lists of values, prepared once per power-of-two length.

    ``Prepared`` takes no expanding ``IN``: each list ``name`` is written as
    ``IN (:name_0, ...)`` (``_listed``) and filled up to the length with its last value
    (a value twice in an ``IN`` changes nothing), so a few statements serve every batch.

    Args:
        build: the statement for a length and a database (True: SQLite).
    """

    __slots__ = ("_build", "_made")

    def __init__(self, build: Callable[[int, bool], Executable]) -> None:
        self._build = build
        self._made: dict[tuple[int, bool], Prepared] = {}

    def __call__(self, writer: Writer, **lists: Sequence[int]) -> tuple[Prepared, dict[str, Any]]:
        """The statement for these lists (none empty) and its parameters."""
        size = 1 << (max(len(values) for values in lists.values()) - 1).bit_length()
        key = (size, writer.is_sqlite)
        prepared = self._made.get(key)
        if prepared is None:
            prepared = self._made[key] = Prepared(self._build(size, writer.is_sqlite))
        params: dict[str, Any] = {}
        for name, values in lists.items():
            padded = [*values, *[values[-1]] * (size - len(values))]
            params.update({f"{name}_{i}": value for i, value in enumerate(padded)})
        return prepared, params


def _listed(name: str, size: int) -> list[BindParameter[Any]]:
    """The parameters ``name_0`` ... of a list of ``size`` values, for ``IN``."""
    return [bindparam(f"{name}_{i}") for i in range(size)]


_tickets, _customers = table_of(TicketRow), table_of(CustomerRow)
_copies, _messages = table_of(MessageCopyRow), table_of(MessageRow)
_conversations, _agents, _bans = (
    table_of(ConversationRow),
    table_of(AgentRow),
    table_of(CustomerBanRow),
)


def _routable_statement(size: int, sqlite: bool) -> Executable:
    """The active ticket of each sender in ``users`` the batch may serve, as records."""
    user = _customers.c.telegram_user_id
    in_conversation = select(_conversations.c.chat_id).where(_conversations.c.chat_id == user)
    agents = _agents.alias("agent_accounts")  # the query joins ``agents`` for the assignee
    is_agent = select(agents.c.id).where(
        agents.c.telegram_user_id == user, agents.c.is_active.is_(True)
    )
    banned = select(_bans.c.customer_id).where(_bans.c.customer_id == _customers.c.id)
    query = (
        records_reading(sqlite=sqlite)
        .where(
            _customers.c.active_ticket_id == _tickets.c.id,
            user.in_(_listed("users", size)),
            _tickets.c.status != Status.CLOSED.value,
            ~in_conversation.exists(),
            ~is_agent.exists(),
            ~banned.exists(),
        )
        .order_by(_tickets.c.id)
    )
    return query if sqlite else query.with_for_update(of=_tickets)


_ROUTABLE = _Listed(_routable_statement)
_RECORDED = _Listed(
    lambda size, _: select(_copies.c.chat_id, _copies.c.chat_message_id).where(
        _copies.c.chat_id.in_(_listed("chats", size)),
        _copies.c.chat_message_id.in_(_listed("numbers", size)),
    )
)
_SENT_SINCE = _Listed(
    lambda size, _: (
        select(_tickets.c.customer_id, func.count(_messages.c.id))
        .join(_tickets, _tickets.c.id == _messages.c.ticket_id)
        .where(
            _tickets.c.customer_id.in_(_listed("customers", size)),
            _messages.c.author_role == Role.CUSTOMER.value,
            _messages.c.created_at >= bindparam("since", type_=_messages.c.created_at.type),
        )
        .group_by(_tickets.c.customer_id)
    )
)
_TOUCH = Prepared(
    update(_tickets).where(_tickets.c.id == bindparam("n")).values(updated_at=bindparam("at"))
)


async def _routable_tickets(writer: Writer, users: set[int]) -> dict[int, TicketRecord]:
    """The active ticket of each sender the batch may serve, by Telegram user id.

    Left out: unknown senders, a chat with a conversation going on, an agent's account, a
    banned customer, and a closed active ticket (or none). On PostgreSQL the tickets are
    locked, in order, as ``read_ticket`` does for one.
    """
    statement, params = _ROUTABLE(writer, users=sorted(users))
    rows = await writer.rows(statement, params)
    tickets = [record_of(row, sqlite=writer.is_sqlite) for row in rows]
    return {ticket.customer.telegram_user_id: ticket for ticket in tickets}


async def _recorded_origins(writer: Writer, messages: Iterable[NewMessage]) -> set[tuple[int, int]]:
    """Which of these messages' origins were recorded before."""
    wanted = {_origin_key(message) for message in messages}
    if not wanted:
        return set()
    statement, params = _RECORDED(
        writer,
        chats=sorted({chat for chat, _ in wanted}),
        numbers=sorted({number for _, number in wanted}),
    )
    found = await writer.rows(statement, params)
    return {(chat, number) for chat, number in found} & wanted


async def _sent_this_minute(
    writer: Writer, customer_ids: list[int], now: datetime
) -> dict[int, int]:
    """How many messages each customer wrote this clock minute (``pace_of``, for many)."""
    statement, params = _SENT_SINCE(writer, customers=sorted(set(customer_ids)))
    params["since"] = now.replace(second=0, microsecond=0)
    counted = await writer.rows(statement, params)
    return {customer_id: int(count) for customer_id, count in counted}


async def _write(writer: Writer, stored: list[_Stored], now: datetime) -> None:
    """The messages, their origins, the search text and the outbox rows, in batch order.

    Each message's copy into its topic is queued before the news its message caused, as
    ``MessageService`` does, so every lane gets its rows in the order things happened.
    """
    for entry in stored:
        values = message_values(entry.ticket.id, entry.actor, entry.part, now)
        entry.message_id = await writer.scalar(INSERT_MESSAGE, values)
    await writer.run_many(INSERT_ORIGIN, [_origin_values(entry) for entry in stored])
    texts: dict[int, list[str]] = {}
    for entry in stored:
        texts.setdefault(entry.ticket.id, []).append(entry.part.text)
    for number, written in texts.items():
        await search_index.add_text(writer, number, written)
    rows: list[dict[str, object]] = []
    for entry in stored:
        view = message_view_of(entry.message_id, entry.ticket.id, entry.actor, entry.part, now)
        copies = notices.on_customer_messages(entry.ticket, [view], [entry.part])
        rows += [notice.to_values(entry.pace.due) for notice in copies]
        rows += [notice.to_values(now) for notice in entry.news]
    await writer.run_many(INSERT_OUTBOX, rows)


def _origin_values(entry: _Stored) -> dict[str, object]:
    chat_id, number = _origin_key(entry.part)
    return {
        "message_id": entry.message_id,
        "chat_id": chat_id,
        "chat_message_id": number,
        "is_origin": True,
    }
