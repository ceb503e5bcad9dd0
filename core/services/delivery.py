"""The outbox, as the dispatcher sees it: claim, deliver, record where copies went.

Rows of one lane (one chat, or one ticket's staff topic) are handed out strictly in order:
a row is claimable only when no earlier row of its lane is waiting for a retry or held by
another claimer. Claims hold a lease, so a dispatcher that dies mid-send lets its rows come
back after the lease instead of losing them; a crash can at worst repeat a send, never drop
one.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from core.domain.actors import Actor, ChatRef
from core.domain.values import Audience, EventKind
from core.errors import TicketNotFound
from core.notices import codec as notice_codec
from core.services import notices
from core.services.common import ServiceContext, record_event
from core.services.erased_topics import topic_of_erased
from core.store.prepared import Prepared, Writer
from core.store.tables import (
    CustomerRow,
    MessageCopyRow,
    MessageRow,
    OutboxRow,
    TicketRefRow,
    TicketRow,
    table_of,
)
from core.store.to_views import message_view, outbox_item_of, ticket_view
from core.store.types import UtcDateTime
from core.views import MessageView, OutboxItem, TicketView

_CLAIM_LOCK_KEY = 7_301_554_211  # PostgreSQL advisory lock: one claimer at a time
_PRIVATE = (Audience.CUSTOMER, Audience.AGENT)
_ITEM_COLUMNS = ("id", "lane", "audience", "chat_id", "ticket_id", "kind", "payload", "attempts")
_STAFF = (Audience.TICKET_TOPIC, Audience.STAFF)


@functools.cache
def _claim_query(private: bool | None, sqlite: bool) -> Select[Any]:
    """The claim's SELECT, built once per audience filter and database (bound: ``now``,
    ``limit``, ``owner``).

    A row held by the claimer itself does not block the rows after it: they join its lane's
    queue, so a lane waiting for its turn gathers what comes in (and sends it in one call).
    """
    now = bindparam("now", type_=UtcDateTime())
    owner: BindParameter[str] = bindparam("owner")
    earlier = aliased(OutboxRow)
    lane_blocked = exists().where(
        earlier.lane == OutboxRow.lane,
        earlier.id < OutboxRow.id,
        earlier.sent_at.is_(None),
        earlier.failed_at.is_(None),
        or_(
            earlier.next_attempt_at > now,
            and_(
                earlier.lease_until.is_not(None),
                earlier.lease_until > now,
                or_(earlier.lease_owner.is_(None), earlier.lease_owner != owner),
            ),
        ),
    )
    table = table_of(OutboxRow)
    query = (
        select(*(table.c[name] for name in _ITEM_COLUMNS))
        .where(
            OutboxRow.sent_at.is_(None),
            OutboxRow.failed_at.is_(None),
            OutboxRow.next_attempt_at <= now,
            or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now),
            ~lane_blocked,
        )
        # SQLite would rather walk the whole table in id order than sort: through every row
        # sent in the last days (kept a week), 19 ms at 90,000 rows. Ordered by an
        # expression it reads the pending rows that are due from their partial index and
        # sorts those (0.06 ms).
        .order_by(OutboxRow.id + literal_column("0") if sqlite else OutboxRow.id)
        .limit(bindparam("limit"))
    )
    if private is not None:
        audiences = _PRIVATE if private else _STAFF
        # Equalities rather than IN: no expanding parameter, so ``Prepared`` can run it.
        query = query.where(or_(*(OutboxRow.audience == a.value for a in audiences)))
    return query


_CLAIMS = {
    (private, sqlite): Prepared(_claim_query(private, sqlite))
    for private in (None, True, False)
    for sqlite in (True, False)
}
_LEASE_ONE = Prepared(
    update(table_of(OutboxRow))
    .where(table_of(OutboxRow).c.id == bindparam("row"))
    .values(lease_until=bindparam("until"), lease_owner=bindparam("owner"))
)


@functools.cache
def _peek(query: Select[Any]) -> Select[Any]:
    return query.with_only_columns(OutboxRow.id)


_LEASE = (
    update(table_of(OutboxRow))
    .where(table_of(OutboxRow).c.id.in_(bindparam("ids", expanding=True)))
    .values(lease_until=bindparam("until"), lease_owner=bindparam("owner"))
)


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")

_SENT = (
    update(table_of(OutboxRow))
    .where(table_of(OutboxRow).c.id.in_(bindparam("ids", expanding=True)))
    .values(sent_at=bindparam("now"), lease_until=None, lease_owner=None)
)


def _pending() -> tuple[ColumnElement[bool], ...]:
    return (OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))


@dataclass(frozen=True, slots=True)
class Claim:
    """What a dispatcher claims: at most ``limit`` due rows, held by ``owner`` for ``lease``.

    ``private``: only rows for private chats (True), only for the staff chat (False), or
    both (None).
    """

    owner: str
    limit: int = 50
    lease: timedelta = timedelta(seconds=60)
    private: bool | None = None


async def claim_due(session: AsyncSession, claim: Claim, now: datetime) -> list[OutboxItem]:
    """Claim due rows in the caller's write transaction (``DeliveryService.claim``'s rule).

    The leases hold once the caller commits; until then no one else sees them. On
    PostgreSQL this takes the claimers' advisory lock, held to the end of the transaction,
    so the caller should claim last, just before its commit.
    """
    connection = await session.connection()  # plain statements: no ORM path
    if connection.dialect.name != "sqlite":
        await connection.execute(_ADVISORY_LOCK, {"key": _CLAIM_LOCK_KEY})
    params = {"now": now, "limit": claim.limit, "owner": claim.owner}
    query = _claim_query(claim.private, connection.dialect.name == "sqlite")
    rows = (await connection.execute(query, params)).mappings().all()
    if rows:
        await connection.execute(
            _LEASE,
            {"ids": [row["id"] for row in rows], "until": now + claim.lease, "owner": claim.owner},
        )
    return [outbox_item_of(row) for row in rows]


async def claim_due_with(writer: Writer, claim: Claim, now: datetime) -> list[OutboxItem]:
    """``claim_due`` through a write transaction's writer (prepared statements)."""
    if not writer.is_sqlite:
        await writer.connection.execute(_ADVISORY_LOCK, {"key": _CLAIM_LOCK_KEY})
    params = {"now": now, "limit": claim.limit, "owner": claim.owner}
    rows = [
        dict(zip(_ITEM_COLUMNS, row, strict=True))
        for row in await writer.rows(_CLAIMS[claim.private, writer.is_sqlite], params)
    ]
    until = now + claim.lease
    await writer.run_many(
        _LEASE_ONE, [{"row": row["id"], "until": until, "owner": claim.owner} for row in rows]
    )
    return [outbox_item_of(row) for row in rows]


class DeliveryService:
    """Outbox operations for a dispatcher, and the bookkeeping of what it delivered."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def claim(
        self,
        owner: str,
        *,
        limit: int = 50,
        lease: timedelta = timedelta(seconds=60),
        private: bool | None = None,
        look_first: bool = True,
    ) -> list[OutboxItem]:
        """Claim due rows, oldest first, never past a row of their lane that must wait.

        Rows held by ``owner`` itself do not wait: a dispatcher sends a lane's rows in
        order itself, so it may take the ones behind those it is still sending.

        Two claimers never get the same row: on SQLite claims are serialised by the write
        lock, on PostgreSQL by a transaction-scoped advisory lock.

        Args:
            owner: who holds the lease.
            limit: at most this many rows.
            lease: how long the rows are held before another claimer may take them.
            private: only rows for private chats (True), only for the staff chat (False),
                or both (None).
            look_first: check with a read whether anything is due before queueing for the
                write lock (worth it when the outbox is usually empty).
        """
        claim = Claim(owner, limit=limit, lease=lease, private=private)
        now = self._ctx.clock.now()
        if look_first:
            params = {"now": now, "limit": limit, "owner": owner}
            async with self._ctx.database.read_session() as session:
                peek = _peek(_claim_query(private, self._ctx.database.is_sqlite))
                if (await session.execute(peek, params)).first() is None:
                    return []  # nothing due: no need to queue for the write lock
        async with self._ctx.database.write_session() as session:
            items = await claim_due(session, claim, now)
            await session.commit()
        return items

    async def extend_lease(self, owner: str, ids: Sequence[int], lease: timedelta) -> None:
        """Keep holding rows that are taking long (waiting on flood limits)."""
        if not ids:
            return
        until = self._ctx.clock.now() + lease
        async with self._ctx.database.write_session() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids), OutboxRow.lease_owner == owner, *_pending())
                .values(lease_until=until)
            )
            await session.commit()

    async def release_all(self, owner: str) -> int:
        """Hand back every row ``owner`` holds; return how many.

        For a supervisor whose dispatcher process has died (its leases would otherwise
        hold its rows, and their lanes, until they end). Never for a live dispatcher.
        """
        async with self._ctx.database.write_session() as session:
            result = await session.execute(
                update(OutboxRow)
                .where(OutboxRow.lease_owner == owner, *_pending())
                .values(lease_until=None, lease_owner=None)
            )
            await session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    async def mark_sent(self, ids: Sequence[int], receipts: Receipts | None = None) -> None:
        """Record rows as delivered, with where their messages went (one transaction)."""
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            await session.execute(_SENT, {"ids": list(ids), "now": now})
            if receipts is not None:
                await _record(session, receipts)
            await session.commit()

    async def record_progress(self, ids: Sequence[int], done: int, receipts: Receipts) -> None:
        """Record that the first ``done`` calls of the rows' send went out (one transaction).

        A send of several calls records each as its answer arrives, so a crash, or a retry,
        resumes after the calls already made instead of repeating them.
        """
        async with self._ctx.database.write_session() as session:
            for row in await session.scalars(
                select(OutboxRow).where(OutboxRow.id.in_(ids), *_pending())
            ):
                row.payload = notice_codec.with_progress(row.payload, done)
            await _record(session, receipts)
            await session.commit()

    async def reschedule(
        self,
        ids: Sequence[int],
        delay: timedelta,
        error: str,
        *,
        count_attempt: bool = True,
        progress: int | None = None,
    ) -> None:
        """Give rows back to be tried again after ``delay``.

        Args:
            ids: the rows.
            delay: how long to wait.
            error: why, for the row (and whoever reads it).
            count_attempt: count this as a failed attempt (for the backoff).
            progress: how many calls of the rows' send went out already, so the next try
                resumes after them instead of repeating them.
        """
        now = self._ctx.clock.now()
        values: dict[str, object] = {
            "next_attempt_at": now + delay,
            "lease_until": None,
            "lease_owner": None,
            "last_error": error[:2000],
        }
        if count_attempt:
            values["attempts"] = OutboxRow.attempts + 1
        async with self._ctx.database.write_session() as session:
            await session.execute(
                update(OutboxRow).where(OutboxRow.id.in_(ids), *_pending()).values(**values)
            )
            if progress is not None:
                for row in await session.scalars(select(OutboxRow).where(OutboxRow.id.in_(ids))):
                    row.payload = notice_codec.with_progress(row.payload, progress)
            await session.commit()

    async def release(self, owner: str, ids: Sequence[int]) -> None:
        """Hand rows ``owner`` claimed back untouched (their lane hit a retry before them).

        Rows whose lease ran out and another dispatcher claimed since stay with it.
        """
        if not ids:
            return
        async with self._ctx.database.write_session() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids), OutboxRow.lease_owner == owner, *_pending())
                .values(lease_until=None, lease_owner=None)
            )
            await session.commit()

    async def mark_failed(self, ids: Sequence[int], error: str) -> None:
        """Give up on rows for good (the chat refuses us, or the request can never work)."""
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids))
                .values(
                    failed_at=now,
                    lease_until=None,
                    lease_owner=None,
                    attempts=OutboxRow.attempts + 1,
                    last_error=error[:2000],
                )
            )
            await session.commit()

    async def mark_customer_unreachable(
        self, chat_id: int, number: int | None, reason: str
    ) -> None:
        """Note that a customer cannot be reached (blocked the bot) and show it to agents.

        The first failure since the customer was last heard from adds an event to the ticket,
        which edits its card and posts a line in its topic; later ones add nothing.
        """
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            customer = await session.scalar(
                select(CustomerRow).where(CustomerRow.telegram_user_id == chat_id)
            )
            if customer is None or customer.unreachable_since is not None:
                return
            customer.unreachable_since = now
            ticket = await session.get(TicketRow, number) if number is not None else None
            if ticket is not None:
                event = await record_event(
                    session, ticket, Actor.system(), EventKind.UNDELIVERED, now, detail=reason
                )
                await self._ctx.enqueue(session, notices.on_card_event(ticket, event), now)
            await session.commit()

    async def ticket(self, number: int) -> TicketView:
        """Read a ticket as the dispatcher needs it (no visibility rules apply).

        Raises:
            TicketNotFound: no such ticket.
        """
        async with self._ctx.database.read_session() as session:
            row = await session.get(TicketRow, number)
            if row is None:
                raise TicketNotFound(number)
            return ticket_view(row)

    async def messages(self, ids: Sequence[int]) -> list[MessageView]:
        """Read stored messages, in the given order, with where their originals arrived."""
        async with self._ctx.database.read_session() as session:
            return await _messages(session, ids)

    async def copies_in(
        self, message_id: int, chat_id: int, *, with_origin: bool = False
    ) -> list[int]:
        """The ids of the copies a stored message has in a chat, in the order they were sent.

        A message sent in parts (a long text, a header before media) has several. With
        ``with_origin``, the original counts too, when it was written in that chat.
        """
        query = select(MessageCopyRow.chat_message_id).where(
            MessageCopyRow.message_id == message_id, MessageCopyRow.chat_id == chat_id
        )
        if not with_origin:
            query = query.where(MessageCopyRow.is_origin.is_(False))
        async with self._ctx.database.read_session() as session:
            found = await session.scalars(query.order_by(MessageCopyRow.chat_message_id))
            return list(found)

    async def set_staff_topic(self, number: int, topic_id: int | None) -> bool:
        """Remember the ticket's staff topic (None: it is gone and must be made again).

        A topic made for a ticket that was erased meanwhile is not kept: its deletion is
        queued instead, in the same transaction (the erasure could not know it).

        Returns:
            False when the ticket is erased and the topic goes.
        """
        async with self._ctx.database.write_session() as session:
            query = update(TicketRow).where(TicketRow.id == number)
            if topic_id is not None:
                query = query.where(TicketRow.content_erased_at.is_(None))
            result = await session.execute(query.values(staff_topic_id=topic_id))
            kept = topic_id is None or bool(getattr(result, "rowcount", 0))
            if not kept and topic_id is not None:
                erased = await session.scalar(
                    select(TicketRow.content_erased_at).where(TicketRow.id == number)
                )
                if erased is not None:
                    now = self._ctx.clock.now()
                    await self._ctx.enqueue(session, [topic_of_erased(number, topic_id)], now)
            await session.commit()
            return kept

    async def set_customer_topic(self, number: int, topic_id: int | None) -> None:
        """Remember the ticket's topic in the customer's chat (None: it is gone)."""
        async with self._ctx.database.write_session() as session:
            await session.execute(
                update(TicketRow).where(TicketRow.id == number).values(customer_topic_id=topic_id)
            )
            await session.commit()

    async def set_card_message(self, number: int, chat_id: int, message_id: int) -> None:
        """Remember the ticket card's message, and that replies to it belong to the ticket."""
        async with self._ctx.database.write_session() as session:
            await session.execute(
                update(TicketRow)
                .where(TicketRow.id == number)
                .values(staff_card_message_id=message_id)
            )
            receipts = Receipts()
            receipts.referenced(chat_id, message_id, number)
            await _record(session, receipts)
            await session.commit()

    async def counts(self) -> dict[str, int]:
        """Count rows waiting, delivered and given up on."""
        async with self._ctx.database.read_session() as session:
            pending = await session.scalar(select(func.count()).where(*_pending()))
            failed = await session.scalar(
                select(func.count()).where(OutboxRow.failed_at.is_not(None))
            )
            sent = await session.scalar(select(func.count()).where(OutboxRow.sent_at.is_not(None)))
        return {"pending": pending or 0, "failed": failed or 0, "sent": sent or 0}

    async def purge_delivered(self, older_than: timedelta) -> int:
        """Delete rows delivered longer ago than ``older_than``; return how many."""
        cutoff: datetime = self._ctx.clock.now() - older_than
        async with self._ctx.database.write_session() as session:
            result = await session.execute(
                delete(OutboxRow).where(OutboxRow.sent_at.is_not(None), OutboxRow.sent_at < cutoff)
            )
            await session.commit()
            return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class Receipts:
    """Where delivered messages ended up, so replies to them find their ticket."""

    copies: list[tuple[int, int, int]] = field(default_factory=list)
    refs: list[tuple[int, int, int]] = field(default_factory=list)

    def copied(self, message_ids: Sequence[int], chat_id: int, copy_ids: Sequence[int]) -> None:
        """Stored messages were copied into a chat as these message ids."""
        self.copies += [(m, chat_id, c) for m, c in zip(message_ids, copy_ids, strict=False)]

    def referenced(self, chat_id: int, message_id: int, number: int) -> None:
        """A bot message (a card, a notice, an event line) is about this ticket."""
        self.refs.append((chat_id, message_id, number))


async def _record(session: AsyncSession, receipts: Receipts) -> None:
    copies, refs = _receipt_inserts(session.get_bind().dialect.name)
    if receipts.copies:
        await session.execute(
            copies,
            [
                {"message_id": m, "chat_id": chat, "chat_message_id": c, "is_origin": False}
                for m, chat, c in receipts.copies
            ],
        )
    if receipts.refs:
        await session.execute(
            refs,
            [
                {"chat_id": chat, "chat_message_id": message, "ticket_id": number}
                for chat, message, number in receipts.refs
            ],
        )


@functools.cache
def _receipt_inserts(dialect: str) -> tuple[Any, Any]:
    """INSERTs for receipts that skip rows already there, built once per dialect."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    copies = insert(table_of(MessageCopyRow)).on_conflict_do_nothing(
        index_elements=["chat_id", "chat_message_id"]
    )
    refs = insert(table_of(TicketRefRow)).on_conflict_do_nothing(
        index_elements=["chat_id", "chat_message_id"]
    )
    return copies, refs


async def _messages(session: AsyncSession, ids: Sequence[int]) -> list[MessageView]:
    rows = await session.execute(
        select(MessageRow, MessageCopyRow.chat_id, MessageCopyRow.chat_message_id)
        .outerjoin(
            MessageCopyRow,
            and_(MessageCopyRow.message_id == MessageRow.id, MessageCopyRow.is_origin.is_(True)),
        )
        .where(MessageRow.id.in_(ids))
    )
    found = {
        row.id: message_view(row, ChatRef(chat, message) if chat is not None else None)
        for row, chat, message in rows
    }
    return [found[i] for i in ids if i in found]
