"""Tags on tickets: normalised words agents put on tickets to group and find them."""

from __future__ import annotations

from collections.abc import Sequence

from core.domain.actors import Actor
from core.domain.search_text import normalise_tag
from core.domain.values import EventKind
from core.errors import InvalidInput
from core.services import notices
from core.services.common import ServiceContext, load_ticket, record_event, require_agent
from core.store.tables import TicketTagRow
from core.store.to_views import ticket_view
from core.views import TicketView

MAX_TAGS_PER_TICKET = 20


def normalise_tags(words: Sequence[str]) -> list[str]:
    """Normalise every word, refusing all of them if one is not a tag.

    Raises:
        InvalidInput: no word, or one that is not a tag.
    """
    if not words:
        raise InvalidInput("Name at least one tag.")
    return list(dict.fromkeys(normalise_tag(word) for word in words))


class TagService:
    """Putting tags on tickets and taking them off."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def tag(self, actor: Actor, number: int, words: Sequence[str]) -> TicketView:
        """Add tags to a ticket; tags it already has are left as they are.

        Raises:
            PermissionDenied: the actor is not an agent.
            TicketNotFound: no such ticket.
            InvalidInput: a word is not a tag, or the ticket would carry too many.
        """
        require_agent(actor)
        tags = normalise_tags(words)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            ticket = await load_ticket(session, actor, number, for_update=True)
            have = {row.tag for row in ticket.tag_rows}
            new = [tag for tag in tags if tag not in have]
            if len(have) + len(new) > MAX_TAGS_PER_TICKET:
                raise InvalidInput(f"A ticket carries at most {MAX_TAGS_PER_TICKET} tags.")
            if new:
                ticket.tag_rows.extend(TicketTagRow(tag=tag) for tag in new)
                ticket.tag_rows.sort(key=lambda row: row.tag)
                ticket.updated_at = now
                event = await record_event(
                    session, ticket, actor, EventKind.TAGGED, now, detail=", ".join(new)
                )
                await self._ctx.enqueue(session, notices.on_card_event(ticket, event), now)
            await session.commit()
            return ticket_view(ticket)

    async def untag(self, actor: Actor, number: int, word: str) -> TicketView:
        """Take a tag off a ticket.

        Raises:
            PermissionDenied: the actor is not an agent.
            TicketNotFound: no such ticket.
            InvalidInput: not a tag, or the ticket does not carry it.
        """
        require_agent(actor)
        tag = normalise_tag(word)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            ticket = await load_ticket(session, actor, number, for_update=True)
            row = next((row for row in ticket.tag_rows if row.tag == tag), None)
            if row is None:
                raise InvalidInput(f"Ticket #{number} has no tag “{tag}”.")
            ticket.tag_rows.remove(row)
            ticket.updated_at = now
            event = await record_event(session, ticket, actor, EventKind.UNTAGGED, now, detail=tag)
            await self._ctx.enqueue(session, notices.on_card_event(ticket, event), now)
            await session.commit()
            return ticket_view(ticket)
