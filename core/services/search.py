"""Searching tickets by the words in their subject, messages and notes, with filters."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.actors import Actor
from core.domain.search_text import SearchQuery, parse_query, unmark_spacing
from core.errors import AgentNotFound, CustomerNotFound, InvalidInput
from core.services.common import ServiceContext, require_agent
from core.store import search_index
from core.store.tables import AgentRow, CustomerRow, TicketRow
from core.store.to_views import ticket_view
from core.views import SearchHit

MAX_RESULTS = 20


class SearchService:
    """Full-text search for agents (and, later, the HTTP API)."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def search(self, actor: Actor, raw: str, *, limit: int = 10) -> list[SearchHit]:
        """Find tickets matching every word of ``raw``, most relevant first.

        Args:
            actor: an agent.
            raw: words and filters as typed (``printer status:open tag:hardware``).
            limit: at most this many tickets (1–20).

        Raises:
            PermissionDenied: the actor is not an agent.
            InvalidInput: nothing meaningful to search for, a bad filter, a query too long.
            CustomerNotFound, AgentNotFound: a filter names nobody known.
        """
        require_agent(actor)
        if not 1 <= limit <= MAX_RESULTS:
            raise InvalidInput(f"A search shows 1 to {MAX_RESULTS} tickets.")
        query = parse_query(raw)
        async with self._ctx.database.read_session() as session:
            filters, params = await self._filters(session, query)
            hits = await search_index.find(
                session, query, filters=filters, params=params, limit=limit
            )
            if not hits:
                return []
            rows = {
                row.id: row
                for row in (
                    await session.scalars(
                        select(TicketRow).where(TicketRow.id.in_([hit.number for hit in hits]))
                    )
                ).unique()
            }
            return [
                SearchHit(ticket_view(rows[hit.number]), unmark_spacing(hit.snippet))
                for hit in hits
                if hit.number in rows
            ]

    async def reindex(self) -> int:
        """Make the search index again from every ticket; return how many were indexed."""
        async with self._ctx.database.write_session() as session:
            connection = await session.connection()
            count = await connection.run_sync(search_index.rebuild)
            await session.commit()
            return count

    @staticmethod
    async def _filters(
        session: AsyncSession, query: SearchQuery
    ) -> tuple[list[str], dict[str, object]]:
        filters: list[str] = []
        params: dict[str, object] = {}
        if query.statuses:
            names = [f":status{i}" for i in range(len(query.statuses))]
            filters.append(f"t.status IN ({', '.join(names)})")
            params.update({f"status{i}": s.value for i, s in enumerate(query.statuses)})
        for i, tag in enumerate(query.tags):
            # An IN over the tag's index (tag, ticket): the tickets can be read from it.
            filters.append(
                f"t.id IN (SELECT g.ticket_id FROM ticket_tags AS g WHERE g.tag = :tag{i})"
            )
            params[f"tag{i}"] = tag
        if query.customer is not None:
            filters.append("t.customer_id = :customer_id")
            params["customer_id"] = await _customer_id(session, query.customer)
        if query.agent is not None:
            agent_id = await session.scalar(
                select(AgentRow.id).where(func.lower(AgentRow.username) == query.agent.lower())
            )
            if agent_id is None:
                raise AgentNotFound(query.agent[:32])
            filters.append("t.assignee_id = :agent_id")
            params["agent_id"] = agent_id
        return filters, params


async def _customer_id(session: AsyncSession, reference: str) -> int:
    if reference.startswith("@") and len(reference) > 1:
        where = func.lower(CustomerRow.username) == reference[1:].lower()
    elif reference.isascii() and reference.isdigit() and len(reference) <= 18:
        where = CustomerRow.telegram_user_id == int(reference)
    else:
        raise InvalidInput(f"“customer:{reference[:40]}” needs @username or a Telegram id.")
    found = await session.scalar(select(CustomerRow.id).where(where).limit(1))
    if found is None:
        raise CustomerNotFound(reference[:40])
    return int(found)
