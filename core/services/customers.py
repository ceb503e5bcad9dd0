"""The customer's card: who they are and their history with the desk, for agents."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.actors import Actor
from core.domain.values import Status
from core.errors import CustomerNotFound, InvalidInput
from core.services.common import ServiceContext, load_ticket, require_agent
from core.store.tables import CustomerRow, TicketRow, TicketTagRow
from core.store.to_views import customer_view, ticket_view
from core.views import CustomerCard

CARD_TICKETS = 8


class CustomerService:
    """Reading customers for agents."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def card_of_ticket(self, actor: Actor, number: int) -> CustomerCard:
        """The card of a ticket's customer.

        Raises:
            PermissionDenied: the actor is not an agent.
            TicketNotFound: no such ticket.
        """
        require_agent(actor)
        async with self._ctx.database.read_session() as session:
            ticket = await load_ticket(session, actor, number)
            return await _card(session, ticket.customer)

    async def card(self, actor: Actor, reference: str) -> CustomerCard:
        """The card of a customer named by ``@username`` or Telegram id.

        Raises:
            PermissionDenied: the actor is not an agent.
            CustomerNotFound: nobody by that name or id has written to the desk.
            InvalidInput: neither a ``@username`` nor a number.
        """
        require_agent(actor)
        reference = reference.strip()
        if reference.startswith("@") and len(reference) > 1:
            where = func.lower(CustomerRow.username) == reference[1:].lower()
        elif reference.isascii() and reference.isdigit() and len(reference) <= 18:
            where = CustomerRow.telegram_user_id == int(reference)
        else:
            raise InvalidInput(
                f"“{reference[:40]}” names no customer: use @username or a Telegram id."
            )
        async with self._ctx.database.read_session() as session:
            customer = await session.scalar(select(CustomerRow).where(where).limit(1))
            if customer is None:
                raise CustomerNotFound(reference[:40])
            return await _card(session, customer)


async def _card(session: AsyncSession, customer: CustomerRow) -> CustomerCard:
    mine = TicketRow.customer_id == customer.id
    newest = (TicketRow.updated_at.desc(), TicketRow.id.desc())
    open_rows = await session.scalars(
        select(TicketRow)
        .where(mine, TicketRow.status != Status.CLOSED.value)
        .order_by(*newest)
        .limit(CARD_TICKETS)
    )
    past_rows = await session.scalars(
        select(TicketRow)
        .where(mine, TicketRow.status == Status.CLOSED.value)
        .order_by(*newest)
        .limit(CARD_TICKETS)
    )
    count, average, rated = (
        await session.execute(
            select(
                func.count(TicketRow.id), func.avg(TicketRow.rating), func.count(TicketRow.rating)
            ).where(mine)
        )
    ).one()
    tags = await session.scalars(
        select(TicketTagRow.tag)
        .join(TicketRow, TicketRow.id == TicketTagRow.ticket_id)
        .where(mine)
        .group_by(TicketTagRow.tag)
        .order_by(func.count().desc(), TicketTagRow.tag)
        .limit(20)
    )
    return CustomerCard(
        customer=customer_view(customer),
        first_seen=customer.created_at,
        open_tickets=tuple(ticket_view(row) for row in open_rows.unique()),
        past_tickets=tuple(ticket_view(row) for row in past_rows.unique()),
        ticket_count=int(count or 0),
        average_rating=float(average) if average is not None else None,
        ratings=int(rated or 0),
        tags=tuple(tags),
    )
