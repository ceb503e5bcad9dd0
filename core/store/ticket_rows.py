"""Tickets read as plain rows (SQLAlchemy Core), for the lists that read many at once.

Loading ``TicketRow`` objects costs an ORM identity-map entry per ticket, customer and
assignee, several times the query itself; a page of a list needs none of that, only the
values. ``TICKET_COLUMNS`` selects what a ``TicketView`` shows, with its customer and the
assignee's username, and ``ticket_view_of`` builds the view from one result row.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.values import Priority, Status
from core.store.tables import AgentRow, CustomerRow, TicketRow, TicketTagRow, table_of
from core.views import CustomerView, TicketView

_tickets = table_of(TicketRow)
_customers = table_of(CustomerRow)
_agents = table_of(AgentRow)
_tag_rows = table_of(TicketTagRow)

TICKET_COLUMNS: Select[Any] = (
    select(
        _tickets,
        _customers.c.telegram_user_id.label("customer_telegram_user_id"),
        _customers.c.display_name.label("customer_display_name"),
        _customers.c.username.label("customer_username"),
        _customers.c.language_code.label("customer_language_code"),
        _customers.c.unreachable_since.label("customer_unreachable_since"),
        _agents.c.username.label("assignee_username"),
    )
    .join(_customers, _customers.c.id == _tickets.c.customer_id)
    .outerjoin(_agents, _agents.c.id == _tickets.c.assignee_id)
)
"""Every ticket column, its customer's and its assignee's username; add a WHERE."""


def ticket_view_of(row: Any) -> TicketView:
    """Build a ticket's view from one row of ``TICKET_COLUMNS``."""
    return TicketView(
        number=row.id,
        subject=row.subject,
        status=Status(row.status),
        priority=Priority(row.priority),
        category=row.category,
        customer=CustomerView(
            id=row.customer_id,
            telegram_user_id=row.customer_telegram_user_id,
            display_name=row.customer_display_name,
            username=row.customer_username,
            language_code=row.customer_language_code,
            unreachable_since=row.customer_unreachable_since,
        ),
        assignee=row.assignee_username,
        assignee_id=row.assignee_id,
        follow_up_of=row.follow_up_of_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        status_changed_at=row.status_changed_at,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        rating=row.rating,
        rating_comment=row.rating_comment,
        staff_topic_id=row.staff_topic_id,
        staff_card_message_id=row.staff_card_message_id,
        sla_first_breached_at=row.sla_first_breached_at,
        sla_resolution_breached_at=row.sla_resolution_breached_at,
        merged_into=row.merged_into_id,
    )


async def with_tags(session: AsyncSession, views: list[TicketView]) -> list[TicketView]:
    """The same views with their tags, read for the whole page in one query."""
    if not views:
        return views
    rows = await session.execute(
        select(_tag_rows.c.ticket_id, _tag_rows.c.tag)
        .where(_tag_rows.c.ticket_id.in_([view.number for view in views]))
        .order_by(_tag_rows.c.ticket_id, _tag_rows.c.tag)
    )
    tags: dict[int, list[str]] = {}
    for ticket_id, tag in rows:
        tags.setdefault(ticket_id, []).append(tag)
    return [replace(view, tags=tuple(tags.get(view.number, ()))) for view in views]
