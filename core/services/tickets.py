"""Tickets: reporting one, moving it along its lifecycle, assigning, prioritising, rating."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.actors import Actor, CustomerProfile, NewMessage
from core.domain.values import FINISHED_STATUSES, EventKind, Priority, Status
from core.errors import AgentNotFound, CustomerNotFound, InvalidInput, PermissionDenied
from core.services import notices
from core.services.common import (
    ServiceContext,
    find_customer,
    load_record,
    load_ticket,
    record_event,
    require_agent,
    upsert_customer,
    write_event,
)
from core.services.floods import check_ticket_allowance, needs_human_check, swarm_alert
from core.services.messages import add_messages, as_parts
from core.services.moves import move_record, move_ticket
from core.store import search_index
from core.store.tables import AgentRow, CustomerRow, TicketRow
from core.store.to_views import ticket_view
from core.store.write_rows import SET_ACTIVE_TICKET
from core.store.write_rows import insert_ticket as add_ticket
from core.views import TicketView

RATINGS = range(1, 6)
MAX_COMMENT_LENGTH = 2_000


class TicketService:
    """Operations that create tickets or change their state."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    def clean_subject(self, subject: str) -> str:
        """Trim a subject and check its length.

        Raises:
            InvalidInput: empty, or longer than the configured maximum (120 by default).
        """
        cleaned = " ".join(subject.split())
        limit = self._ctx.config.subject_max_length
        if not cleaned:
            raise InvalidInput("The subject is empty: describe the problem in a few words.")
        if len(cleaned) > limit:
            raise InvalidInput(
                f"The subject is {len(cleaned)} characters long; keep it to {limit} or fewer."
            )
        return cleaned

    def clean_category(self, category: str | None) -> str | None:
        """Check a category against the configured list.

        Raises:
            InvalidInput: not one of the configured categories.
        """
        if category is None:
            return None
        choices = self._ctx.config.categories
        match = next((c for c in choices if c.casefold() == category.strip().casefold()), None)
        if match is None:
            if not choices:
                raise InvalidInput("There are no categories to choose from.")
            raise InvalidInput(
                f"Unknown category {category!r}; choose one of: {', '.join(choices)}."
            )
        return match

    async def report_ticket(
        self,
        actor: Actor,
        subject: str,
        description: NewMessage | Sequence[NewMessage],
        *,
        category: str | None = None,
        follow_up_of: int | None = None,
    ) -> TicketView:
        """Open a ticket for a customer, with its first message (or album).

        Raises:
            PermissionDenied: the actor is not a customer.
            InvalidInput: bad subject, category or an empty description.
            TicketNotFound: ``follow_up_of`` is not one of the customer's tickets.
            DuplicateMessage: the description was recorded before (a repeated update).
        """
        if actor.profile is None:
            raise PermissionDenied("Only customers report tickets.")
        return await self._open(
            actor, actor, subject, description, category=category, follow_up_of=follow_up_of
        )

    async def report_for_customer(
        self,
        actor: Actor,
        customer: str,
        subject: str,
        description: NewMessage | Sequence[NewMessage],
        *,
        category: str | None = None,
    ) -> TicketView:
        """Open a ticket on behalf of a customer the desk knows; they are told as for /new.

        Args:
            actor: the agent reporting.
            customer: the customer's Telegram ``@username`` or numeric user id.

        Raises:
            PermissionDenied: the actor is not an agent.
            CustomerNotFound: no customer with that username or id has written to the desk.
            InvalidInput: bad subject, category or an empty description.
        """
        require_agent(actor)
        reference = customer.strip()
        query = select(CustomerRow)
        digits = reference.removeprefix("-")
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:  # fits an id
            query = query.where(CustomerRow.telegram_user_id == int(reference))
        else:
            name = reference.removeprefix("@").lower()
            query = query.where(func.lower(CustomerRow.username) == name)
        async with self._ctx.database.read_session() as session:
            row = (await session.scalars(query.order_by(CustomerRow.id).limit(1))).first()
        if row is None:
            raise CustomerNotFound(reference)
        profile = CustomerProfile(
            row.telegram_user_id, row.display_name, row.username, row.language_code
        )
        return await self._open(
            Actor.customer(profile), actor, subject, description, category=category
        )

    async def _open(
        self,
        customer: Actor,
        by: Actor,
        subject: str,
        description: NewMessage | Sequence[NewMessage],
        *,
        category: str | None,
        follow_up_of: int | None = None,
    ) -> TicketView:
        if customer.profile is None:
            raise PermissionDenied("Only customers report tickets.")
        clean_subject = self.clean_subject(subject)
        clean_category = self.clean_category(category)
        parts = as_parts(description)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_transaction() as writer:
            row, fresh = await find_customer(writer, customer.profile, now)
            if follow_up_of is not None:
                await load_record(writer, customer, follow_up_of)
            config = self._ctx.config
            swarm = False
            if by is customer:
                await check_ticket_allowance(
                    writer, row, now, config.new_tickets_per_day, fresh=fresh
                )
                swarm = await needs_human_check(
                    writer, row, now, config.new_customers_per_minute, fresh=fresh
                )
            ticket = await add_ticket(
                writer,
                row,
                clean_subject,
                now,
                category=clean_category,
                follow_up_of=follow_up_of,
                # No topic until a person taps the check (see core.services.floods).
                awaiting_check=swarm,
            )
            await search_index.add_ticket(writer, ticket.id, ticket.subject)
            rows = await add_messages(writer, ticket.id, customer, parts, now)
            if follow_up_of:
                detail: str | None = f"follow-up of #{follow_up_of}"
            elif by is not customer:
                detail = f"reported by {by.name} for the customer"
            else:
                detail = None
            await write_event(
                writer, ticket.id, by, EventKind.CREATED, now, to_status=Status.NEW, detail=detail
            )
            await writer.run(SET_ACTIVE_TICKET, {"customer": row.id, "ticket": ticket.id})
            row.active_ticket_id = ticket.id
            if swarm:
                await self._ctx.enqueue(writer, await swarm_alert(writer, now), now)
            else:
                news = notices.on_ticket_reported(ticket, rows, parts)
                await self._ctx.enqueue(writer, news, now)
        return ticket.view()

    async def change_status(self, actor: Actor, number: int, to: Status) -> TicketView:
        """Move a ticket along its lifecycle.

        Raises:
            TicketNotFound: no such ticket, or the actor may not see it.
            TransitionRefused: the lifecycle does not allow this move for this actor.
        """
        now = self._ctx.clock.now()
        async with self._ctx.database.write_transaction() as writer:
            ticket = await load_record(writer, actor, number, for_update=True)
            await move_record(self._ctx, writer, ticket, actor=actor, to=to, now=now)
        return ticket.view()

    async def take(self, actor: Actor, number: int) -> TicketView:
        """Assign the ticket to the acting agent and, if it is new (or closed), open it.

        Raises:
            PermissionDenied: the actor is not an agent.
            TicketNotFound: no such ticket.
            InvalidInput: the agent already has it and it is already being worked on.
        """
        require_agent(actor)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            ticket = await load_ticket(session, actor, number, for_update=True)
            changed = False
            if ticket.assignee_id != actor.ref:
                await self._assign(session, ticket, actor, actor.name, now)
                changed = True
            if Status(ticket.status) in (Status.NEW, Status.CLOSED):
                await move_ticket(self._ctx, session, ticket, actor=actor, to=Status.OPEN, now=now)
                changed = True
            if not changed:
                raise InvalidInput(f"Ticket #{number} is already yours and {ticket.status}.")
            await session.commit()
            return ticket_view(ticket)

    async def assign(self, actor: Actor, number: int, username: str | None) -> TicketView:
        """Assign a ticket to an agent (``None``: unassign).

        Raises:
            PermissionDenied: the actor is not an agent.
            TicketNotFound: no such ticket.
            AgentNotFound: no active agent has that username.
            InvalidInput: the ticket is already assigned that way.
        """
        require_agent(actor)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            ticket = await load_ticket(session, actor, number, for_update=True)
            await self._assign(session, ticket, actor, username, now)
            await session.commit()
            return ticket_view(ticket)

    async def _assign(
        self,
        session: AsyncSession,
        ticket: TicketRow,
        actor: Actor,
        username: str | None,
        now: datetime,
    ) -> None:
        assignee: AgentRow | None = None
        if username is not None:
            name = username.strip().lstrip("@").lower()
            assignee = await session.scalar(
                select(AgentRow).where(AgentRow.username == name, AgentRow.is_active.is_(True))
            )
            if assignee is None:
                raise AgentNotFound(name)
        if ticket.assignee_id == (assignee.id if assignee else None):
            if assignee is None:
                raise InvalidInput(f"Ticket #{ticket.id} has no assignee already.")
            raise InvalidInput(f"Ticket #{ticket.id} is already assigned to {assignee.username}.")
        ticket.assignee = assignee
        ticket.updated_at = now
        detail = assignee.username if assignee else "nobody"
        event = await record_event(session, ticket, actor, EventKind.ASSIGNED, now, detail=detail)
        await self._ctx.enqueue(
            session, notices.on_assigned(ticket, event, assignee, by_agent_id=actor.ref), now
        )

    async def set_priority(self, actor: Actor, number: int, priority: Priority) -> TicketView:
        """Change a ticket's priority.

        Raises:
            PermissionDenied: the actor is not an agent.
            TicketNotFound: no such ticket.
            InvalidInput: it already has that priority.
        """
        require_agent(actor)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            ticket = await load_ticket(session, actor, number, for_update=True)
            if ticket.priority == priority.value:
                raise InvalidInput(f"Ticket #{number} already has {priority} priority.")
            detail = f"{ticket.priority} → {priority.value}"
            ticket.priority = priority.value
            ticket.updated_at = now
            event = await record_event(
                session, ticket, actor, EventKind.PRIORITY, now, detail=detail
            )
            await self._ctx.enqueue(session, notices.on_card_event(ticket, event), now)
            await session.commit()
            return ticket_view(ticket)

    async def set_category(self, actor: Actor, number: int, category: str | None) -> TicketView:
        """Change a ticket's category (``None``: no category).

        Raises:
            PermissionDenied: the actor is not an agent.
            TicketNotFound: no such ticket.
            InvalidInput: not a configured category, or the ticket already has it.
        """
        require_agent(actor)
        clean = self.clean_category(category)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            ticket = await load_ticket(session, actor, number, for_update=True)
            if ticket.category == clean:
                if clean is None:
                    raise InvalidInput(f"Ticket #{number} has no category already.")
                raise InvalidInput(f"Ticket #{number} already has category {clean}.")
            detail = f"{ticket.category or 'none'} → {clean or 'none'}"
            ticket.category = clean
            ticket.updated_at = now
            event = await record_event(
                session, ticket, actor, EventKind.CATEGORY, now, detail=detail
            )
            await self._ctx.enqueue(session, notices.on_card_event(ticket, event), now)
            await session.commit()
            return ticket_view(ticket)

    async def rate_ticket(
        self, actor: Actor, number: int, rating: int | None, comment: str | None = None
    ) -> TicketView:
        """Record (or change) the customer's 1–5 rating and, optionally, a comment.

        ``rating=None`` keeps the rating and adds or replaces only the comment.

        Raises:
            PermissionDenied: the actor is not the customer.
            TicketNotFound: no such ticket, or another customer's.
            InvalidInput: a rating outside 1–5, a ticket not yet resolved or erased, a
                comment without a rating, or an over-long comment.
        """
        if not actor.is_customer:
            raise PermissionDenied("Only the customer can rate a ticket.")
        if rating is not None and rating not in RATINGS:
            raise InvalidInput("A rating is a whole number from 1 to 5.")
        clean_comment = comment.strip() if comment else None
        if clean_comment and len(clean_comment) > MAX_COMMENT_LENGTH:
            raise InvalidInput(f"Keep the comment to {MAX_COMMENT_LENGTH} characters.")
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            ticket = await load_ticket(session, actor, number, for_update=True)
            if ticket.content_erased_at is not None:
                raise InvalidInput(f"Ticket #{number} was erased; it takes no rating any more.")
            if Status(ticket.status) not in FINISHED_STATUSES:
                raise InvalidInput(f"Ticket #{number} can be rated once it is resolved.")
            if rating is None and ticket.rating is None:
                raise InvalidInput(f"Rate ticket #{number} before adding a comment.")
            if rating is not None:
                ticket.rating = rating
            if clean_comment:
                ticket.rating_comment = clean_comment
            ticket.rated_at = now
            detail = f"{ticket.rating}/5" + (f": {clean_comment}" if clean_comment else "")
            event = await record_event(session, ticket, actor, EventKind.RATED, now, detail=detail)
            await self._ctx.enqueue(session, notices.on_card_event(ticket, event), now)
            await session.commit()
            return ticket_view(ticket)

    async def comment_on_rating(self, actor: Actor, number: int, comment: str) -> TicketView:
        """Add the customer's comment to their rating, once, while the ticket stays done.

        The same comment given again changes nothing (Telegram may deliver a message twice).

        Raises:
            PermissionDenied: the actor is not the customer.
            TicketNotFound: no such ticket, or another customer's.
            InvalidInput: the comment no longer applies (see ``comment_refusal``), or it is
                empty or over-long; the text is then better taken as a message.
        """
        if not actor.is_customer:
            raise PermissionDenied("Only the customer can comment on a rating.")
        clean_comment = comment.strip()
        if not clean_comment:
            raise InvalidInput("The comment is empty.")
        if len(clean_comment) > MAX_COMMENT_LENGTH:
            raise InvalidInput(f"Keep the comment to {MAX_COMMENT_LENGTH} characters.")
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            ticket = await load_ticket(session, actor, number, for_update=True)
            if ticket.rating_comment == clean_comment:
                return ticket_view(ticket)  # the same comment again: a repeated delivery
            if ticket.content_erased_at is not None:
                raise InvalidInput(f"Ticket #{number} was erased; it takes no rating any more.")
            refusal = comment_refusal(
                number, Status(ticket.status), ticket.rating, ticket.rating_comment
            )
            if refusal is not None:
                raise InvalidInput(refusal)
            ticket.rating_comment = clean_comment
            detail = f"{ticket.rating}/5: {clean_comment}"
            event = await record_event(session, ticket, actor, EventKind.RATED, now, detail=detail)
            await self._ctx.enqueue(session, notices.on_card_event(ticket, event), now)
            await session.commit()
            return ticket_view(ticket)

    async def set_active_ticket(self, actor: Actor, number: int) -> TicketView:
        """Make a ticket the one a customer's plain messages go to.

        Raises:
            TicketNotFound: no such ticket, or another customer's.
            InvalidInput: the ticket is closed.
        """
        if actor.profile is None:
            raise PermissionDenied("Only customers have an active ticket.")
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            customer = await upsert_customer(session, actor.profile, now)
            ticket = await load_ticket(session, actor, number)
            if ticket.status == Status.CLOSED.value:
                raise InvalidInput(f"Ticket #{number} is closed; it cannot be made active.")
            customer.active_ticket_id = ticket.id
            await session.commit()
            return ticket_view(ticket)


def comment_refusal(
    number: int, status: Status, rating: int | None, comment: str | None
) -> str | None:
    """Say why a rating comment cannot be added now, or None when it can.

    A comment belongs to a rating of a finished ticket: once the ticket is open again, or
    the customer has commented already, what they write is a message for the team.
    """
    if status not in FINISHED_STATUSES:
        return f"Ticket #{number} is open again: just write here and your message goes to the team."
    if rating is None:
        return f"Rate ticket #{number} before adding a comment."
    if comment:
        return f"You already added a comment on ticket #{number}. Thank you!"
    return None
