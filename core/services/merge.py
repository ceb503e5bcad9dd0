"""Merging a ticket into another of the same customer: "this is the same problem as #12".

The source's messages, notes and audit trail move into the target (each keeps its time,
so the target's history reads in time order); its tags and search text go along. The
source is closed as "merged into #B", its topic gets a last line pointing to the target
and is closed, the customer is told once, and replies to anything of the source (its
messages' copies, its cards and notices) reach the target from then on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.actors import Actor
from core.domain.moves import StatusChanged
from core.domain.moves import move as decide_move
from core.domain.values import EventKind, NoticeKind, Status
from core.errors import InvalidInput
from core.services import notices
from core.services.common import ServiceContext, load_ticket, record_event, require_agent
from core.services.moves import store_outcome, ticket_state
from core.store import search_index
from core.store.tables import MessageRow, TicketEventRow, TicketRefRow, TicketRow, TicketTagRow
from core.store.to_views import ticket_view
from core.views import TicketView


@dataclass(frozen=True, slots=True)
class Merged:
    """What a merge did: both tickets as they are now, and how many messages moved."""

    source: TicketView
    target: TicketView
    messages_moved: int


class MergeService:
    """Merging tickets."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def check(self, actor: Actor, source: int, target: int) -> tuple[TicketView, TicketView]:
        """Say whether ``source`` may be merged into ``target``, without changing anything.

        Raises:
            PermissionDenied: the actor is not an agent.
            TicketNotFound: either ticket does not exist.
            InvalidInput: the same ticket, different customers, or a closed ticket.
        """
        require_agent(actor)
        async with self._ctx.database.read_session() as session:
            a, b = await self._load_pair(session, actor, source, target, lock=False)
            return ticket_view(a), ticket_view(b)

    async def merge(self, actor: Actor, source: int, target: int) -> Merged:
        """Merge ticket ``source`` into ticket ``target`` (one transaction; not reversible).

        Raises:
            PermissionDenied: the actor is not an agent.
            TicketNotFound: either ticket does not exist.
            InvalidInput: the same ticket, different customers, or a closed ticket.
        """
        require_agent(actor)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            a, b = await self._load_pair(session, actor, source, target, lock=True)
            moved = await _move_history(session, a, b)
            for tag in {row.tag for row in a.tag_rows} - {row.tag for row in b.tag_rows}:
                b.tag_rows.append(TicketTagRow(tag=tag))
            b.tag_rows.sort(key=lambda row: row.tag)
            await search_index.move_document(session, a.id, b.id)
            if a.customer.active_ticket_id == a.id:
                a.customer.active_ticket_id = b.id
            a.merged_into_id = b.id
            b.updated_at = now
            into = await record_event(
                session, a, actor, EventKind.MERGED_INTO, now, detail=f"#{b.id}"
            )
            outcome = decide_move(
                ticket_state(a),
                Status.CLOSED,
                mover=actor.mover,
                now=now,
                reason=f"merged into #{b.id}",
            )
            # A merged ticket is not rated: the conversation goes on in the target.
            outcome = replace(
                outcome,
                events=tuple(
                    replace(e, ask_rating=False) if isinstance(e, StatusChanged) else e
                    for e in outcome.events
                ),
            )
            closing = await store_outcome(session, a, actor, outcome, now)
            came = await record_event(
                session,
                b,
                actor,
                EventKind.MERGED_FROM,
                now,
                detail=f"#{a.id} ({moved} messages)",
            )
            topic_close = [n for n in closing if n.kind is NoticeKind.TOPIC_CLOSE]
            news = [n for n in closing if n.kind is not NoticeKind.TOPIC_CLOSE]
            news += notices.on_card_event(a, into)[1:]  # the line pointing to the target
            news += topic_close
            news += notices.on_card_event(b, came)
            await self._ctx.enqueue(session, news, now)
            await session.commit()
            return Merged(ticket_view(a), ticket_view(b), moved)

    @staticmethod
    async def _load_pair(
        session: AsyncSession, actor: Actor, source: int, target: int, *, lock: bool
    ) -> tuple[TicketRow, TicketRow]:
        if source == target:
            raise InvalidInput(f"#{source} cannot be merged into itself: name two tickets.")
        # Lock in number order, so two merges of the same pair never wait on each other.
        first, second = sorted((source, target))
        rows = {
            first: await load_ticket(session, actor, first, for_update=lock),
            second: await load_ticket(session, actor, second, for_update=lock),
        }
        a, b = rows[source], rows[target]
        if a.customer_id != b.customer_id:
            raise InvalidInput(
                f"#{a.id} and #{b.id} belong to different customers ({a.customer.display_name} "
                f"and {b.customer.display_name}): only one customer's tickets can be merged."
            )
        if b.status == Status.CLOSED.value:
            raise InvalidInput(
                f"#{b.id} is closed: reopen it first, or merge it into #{a.id} instead."
            )
        if a.status == Status.CLOSED.value:
            if a.merged_into_id:
                raise InvalidInput(
                    f"#{a.id} is already closed (merged into #{a.merged_into_id}): "
                    "there is nothing to merge."
                )
            raise InvalidInput(f"#{a.id} is already closed: there is nothing to merge.")
        return a, b


async def _move_history(session: AsyncSession, a: TicketRow, b: TicketRow) -> int:
    moved = await session.execute(
        update(MessageRow).where(MessageRow.ticket_id == a.id).values(ticket_id=b.id)
    )
    await session.execute(
        update(TicketEventRow).where(TicketEventRow.ticket_id == a.id).values(ticket_id=b.id)
    )
    # Cards and notices of the source now answer for the target.
    await session.execute(
        update(TicketRefRow).where(TicketRefRow.ticket_id == a.id).values(ticket_id=b.id)
    )
    return int(getattr(moved, "rowcount", 0) or 0)
