"""Tickets read as plain rows (SQLAlchemy Core), for the lists that read many at once.

Loading ``TicketRow`` objects costs an ORM identity-map entry per ticket, customer and
assignee, several times the query itself; a page of a list needs none of that, only the
values. ``TICKET_COLUMNS`` selects what a ``TicketView`` shows, with its customer and the
assignee's username, and ``ticket_view_of`` builds the view from one result row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.values import Priority, Status
from core.store.tables import AgentRow, CustomerRow, TicketRow, TicketTagRow, table_of
from core.views import CustomerView, TicketView

_tickets = table_of(TicketRow)
_customers = table_of(CustomerRow)
_agents = table_of(AgentRow)
_tag_rows = table_of(TicketTagRow)

TICKET_COLUMNS: Select[Any] = (
    select(
        *(
            _tickets.c[name]
            for name in (
                "id",
                "customer_id",
                "subject",
                "status",
                "priority",
                "category",
                "assignee_id",
                "follow_up_of_id",
                "created_at",
                "updated_at",
                "status_changed_at",
                "first_response_at",
                "resolved_at",
                "closed_at",
                "rating",
                "rating_comment",
                "staff_topic_id",
                "staff_card_message_id",
                "sla_first_breached_at",
                "sla_resolution_breached_at",
                "merged_into_id",
                "customer_topic_id",
            )
        ),
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
"""The ticket columns a view shows, its customer's and its assignee's username; add a WHERE."""


_AT = {name: index for index, name in enumerate(TICKET_COLUMNS.selected_columns.keys())}
"""Where each of ``TICKET_COLUMNS`` is in a row: reading a row by position is ~30 times
cheaper than by attribute, which counts on a page of tickets."""
_ID = _AT["id"]
_STATUSES = {status.value: status for status in Status}
_PRIORITIES = {priority.value: priority for priority in Priority}


def ticket_view_of(row: Any, tags: tuple[str, ...] = ()) -> TicketView:
    """Build a ticket's view from one row of ``TICKET_COLUMNS`` (and its tags, if read)."""
    at = _AT
    return TicketView(
        number=row[at["id"]],
        subject=row[at["subject"]],
        status=_STATUSES[row[at["status"]]],
        priority=_PRIORITIES[row[at["priority"]]],
        category=row[at["category"]],
        customer=CustomerView(
            id=row[at["customer_id"]],
            telegram_user_id=row[at["customer_telegram_user_id"]],
            display_name=row[at["customer_display_name"]],
            username=row[at["customer_username"]],
            language_code=row[at["customer_language_code"]],
            unreachable_since=row[at["customer_unreachable_since"]],
        ),
        assignee=row[at["assignee_username"]],
        assignee_id=row[at["assignee_id"]],
        follow_up_of=row[at["follow_up_of_id"]],
        created_at=row[at["created_at"]],
        updated_at=row[at["updated_at"]],
        status_changed_at=row[at["status_changed_at"]],
        first_response_at=row[at["first_response_at"]],
        resolved_at=row[at["resolved_at"]],
        closed_at=row[at["closed_at"]],
        rating=row[at["rating"]],
        rating_comment=row[at["rating_comment"]],
        staff_topic_id=row[at["staff_topic_id"]],
        staff_card_message_id=row[at["staff_card_message_id"]],
        sla_first_breached_at=row[at["sla_first_breached_at"]],
        sla_resolution_breached_at=row[at["sla_resolution_breached_at"]],
        merged_into=row[at["merged_into_id"]],
        customer_topic_id=row[at["customer_topic_id"]],
        tags=tags,
    )


_TAGS_OF = (
    select(_tag_rows.c.ticket_id, _tag_rows.c.tag)
    .where(_tag_rows.c.ticket_id.in_(bindparam("tickets", expanding=True)))
    .order_by(_tag_rows.c.ticket_id, _tag_rows.c.tag)
)


async def views_with_tags(connection: AsyncConnection, rows: Sequence[Any]) -> list[TicketView]:
    """The views of rows of ``TICKET_COLUMNS`` with their tags, read in one more query."""
    if not rows:
        return []
    tags: dict[int, list[str]] = {}
    numbers = [row[_ID] for row in rows]
    for ticket_id, tag in await connection.execute(_TAGS_OF, {"tickets": numbers}):
        tags.setdefault(ticket_id, []).append(tag)
    return [ticket_view_of(row, tuple(tags.get(row[_ID], ()))) for row in rows]
