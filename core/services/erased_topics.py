"""The staff topics of erased tickets: deleted with all their messages, once nobody needs them.

Erasing a ticket's content empties the database, but the copies of its messages stay in the
staff group's history until its topic is deleted. ``forget_topics`` decides, in the erasing
transaction, which topics go: a ticket's topic is deleted when the ticket and every ticket
its conversation went on in (merged into, followed to the end) are erased. A merged ticket's
topic holds copies of messages that moved into the ticket it was merged into, so while that
one keeps its content, the topic stays (and keeps leading agents to it); it goes when that
ticket is erased too. A topic another ticket still names is never deleted either.

For each topic that goes, the ticket forgets it (the topic and its card) and a
``TopicDelete`` notice is returned for the caller to queue in the same transaction, in the
ticket's topic lane, after whatever that lane holds. A merged ticket's topic that stays is
renamed instead, and its card edited (``TopicAnonymize``): both held the erased subject.

Two ways a topic could outlive its ticket's erasure are closed here too: ``erased_with_topics``
finds the erased tickets that still name a topic (erased before topics were deleted), to run
through ``forget_topics`` again, and ``retry_failed_deletions`` queues again the deletions
Telegram refused; ``topic_of_erased`` is the deletion of a topic made for a ticket while it
was being erased (the sender recorded it after the erasure).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.values import Audience, NoticeKind
from core.notices.kinds import TopicAnonymize, TopicDelete
from core.services.notices import Notice
from core.services.routing import MAX_MERGE_HOPS
from core.store.tables import OutboxRow, TicketRefRow, TicketRow

_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True, slots=True)
class _Ticket:
    id: int
    merged_into_id: int | None
    erased: bool
    topic_id: int | None
    card_id: int | None


async def forget_topics(session: AsyncSession, ticket_ids: Sequence[int]) -> list[Notice]:
    """Forget the staff topics that go with these tickets' content; the notices deleting them.

    Call it in the erasing transaction, before the content (and the card's reference) is
    erased; queue the notices after it.

    Args:
        session: the erasing transaction.
        ticket_ids: the tickets whose content is being erased now.
    """
    if not ticket_ids:
        return []
    erasing = set(ticket_ids)
    # Locked (PostgreSQL): a topic recorded meanwhile is seen here, or sees the erasure.
    known = {t.id: t for t in await _read(session, erasing, lock=True)}
    # Tickets erased before, merged into these, whose topics were kept for them.
    frontier = set(erasing)
    for _ in range(MAX_MERGE_HOPS):
        found = await _read(session, frontier, merged=True)
        frontier = {t.id for t in found if t.id not in known}
        known.update({t.id: t for t in found})
        if not frontier:
            break

    def gone(ticket: _Ticket) -> bool:
        return ticket.id in erasing or ticket.erased

    chains: dict[int, list[int]] = {}
    renamed: list[Notice] = []
    for ticket in [t for t in known.values() if t.topic_id is not None and gone(t)]:
        chain = await _chain(session, ticket, known)
        if all(gone(known[number]) for number in chain):
            chains[ticket.id] = chain
        elif ticket.id in erasing:
            # Kept for the ticket it went into: its name loses the erased subject.
            renamed.append(Notice(Audience.TICKET_TOPIC, TopicAnonymize(), ticket.id))
    renamed.sort(key=lambda notice: notice.ticket_id or 0)
    if not chains:
        return renamed
    topics = {known[number].topic_id for number in chains}
    # Another ticket naming the same topic keeps it (never deleted under it).
    named_elsewhere = set(
        await session.scalars(
            select(TicketRow.staff_topic_id).where(
                TicketRow.staff_topic_id.in_(topics), TicketRow.id.not_in(list(chains))
            )
        )
    )
    notices: list[Notice] = []
    forgotten: list[int] = []
    done: set[tuple[int | None, int]] = set()
    for number, chain in sorted(chains.items()):
        ticket = known[number]
        if ticket.topic_id is None or ticket.topic_id in named_elsewhere:
            continue
        forgotten.append(number)
        chat_id = await _card_chat(session, ticket, chain)
        if (chat_id, ticket.topic_id) in done:
            continue
        done.add((chat_id, ticket.topic_id))
        body = TopicDelete(thread_id=ticket.topic_id, chat_id=chat_id)
        notices.append(Notice(Audience.TICKET_TOPIC, body, number))
    if forgotten:
        await session.execute(
            update(TicketRow)
            .where(TicketRow.id.in_(forgotten))
            .values(staff_topic_id=None, staff_card_message_id=None)
        )
    return notices + renamed


async def erased_with_topics(session: AsyncSession) -> list[int]:
    """The erased tickets that still name a staff topic, by number.

    Those whose topic is kept for the ticket they were merged into are among them; the rest
    were erased before erasing deleted topics, or by a desk that failed to.
    """
    found = await session.scalars(
        select(TicketRow.id)
        .where(TicketRow.content_erased_at.is_not(None), TicketRow.staff_topic_id.is_not(None))
        .order_by(TicketRow.id)
    )
    return list(found)


async def retry_failed_deletions(session: AsyncSession, now: datetime) -> int:
    """Queue again the topic deletions Telegram refused for good (say, without the right).

    Their tickets forgot the topics when the deletion was queued: this row is all that still
    leads to them. Returns how many.
    """
    result = await session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.kind == NoticeKind.TOPIC_DELETE.value,
            OutboxRow.failed_at.is_not(None),
            OutboxRow.sent_at.is_(None),
        )
        .values(failed_at=None, next_attempt_at=now, lease_until=None, lease_owner=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def topic_of_erased(number: int, topic_id: int) -> Notice:
    """The deletion of a topic made for a ticket that was erased meanwhile (the staff chat's)."""
    return Notice(Audience.TICKET_TOPIC, TopicDelete(thread_id=topic_id), number)


async def _read(
    session: AsyncSession, ids: Iterable[int], *, merged: bool = False, lock: bool = False
) -> list[_Ticket]:
    """The tickets ``ids`` (or, with ``merged``, the tickets merged into them).

    With ``lock`` (PostgreSQL; SQLite's writers take turns) the rows are locked for the
    transaction, in number order, and read as last committed.
    """
    wanted = sorted(ids)
    column = TicketRow.merged_into_id if merged else TicketRow.id
    locking = lock and session.get_bind().dialect.name != "sqlite"
    found: list[_Ticket] = []
    for start in range(0, len(wanted), _CHUNK):
        query = select(
            TicketRow.id,
            TicketRow.merged_into_id,
            TicketRow.content_erased_at,
            TicketRow.staff_topic_id,
            TicketRow.staff_card_message_id,
        ).where(column.in_(wanted[start : start + _CHUNK]))
        if locking:
            query = query.order_by(TicketRow.id).with_for_update()
        rows = await session.execute(query)
        found += [
            _Ticket(row.id, row.merged_into_id, row.content_erased_at is not None, *row[3:])
            for row in rows
        ]
    return found


async def _chain(session: AsyncSession, ticket: _Ticket, known: dict[int, _Ticket]) -> list[int]:
    """The ticket and those its conversation went on in, merge by merge (read as needed)."""
    chain = [ticket.id]
    current = ticket
    for _ in range(MAX_MERGE_HOPS):
        if current.merged_into_id is None or current.merged_into_id in chain:
            break
        if current.merged_into_id not in known:
            known.update({t.id: t for t in await _read(session, [current.merged_into_id])})
        if current.merged_into_id not in known:
            break
        current = known[current.merged_into_id]
        chain.append(current.id)
    return chain


async def _card_chat(session: AsyncSession, ticket: _Ticket, chain: list[int]) -> int | None:
    """The chat the ticket's card was posted in (a merge moved its reference along)."""
    if ticket.card_id is None:
        return None
    chats = await session.scalars(
        select(TicketRefRow.chat_id).where(
            TicketRefRow.chat_message_id == ticket.card_id,
            TicketRefRow.ticket_id.in_(chain),
            TicketRefRow.chat_id < 0,  # groups; a private chat's ids are positive
        )
    )
    return chats.first()
