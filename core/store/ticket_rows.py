"""Tickets read as plain rows (SQLAlchemy Core), for the lists that read many at once.

Loading ``TicketRow`` objects costs an ORM identity-map entry per ticket, customer and
assignee, several times the query itself; a page of a list needs none of that, only the
values. ``TICKET_COLUMNS`` selects what a ``TicketView`` shows, with its customer and the
assignee's username, and ``ticket_view_of`` builds the view from one result row.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, bindparam, select

from core.domain.values import Priority, Status
from core.store.direct_reads import DirectReads
from core.store.tables import AgentRow, CustomerRow, TicketRow, TicketTagRow, table_of
from core.views import TICKET_SUMMARY_FIELDS, CustomerView, TicketView

_tickets = table_of(TicketRow)
_customers = table_of(CustomerRow)
_agents = table_of(AgentRow)
_tag_rows = table_of(TicketTagRow)

TICKET_FIELDS = (
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
"""The ticket's own columns a view shows, in the table's order."""

TICKET_COLUMNS: Select[Any] = (
    select(
        *(_tickets.c[name] for name in TICKET_FIELDS),
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

_SUMMARY_SOURCES = {
    "number": _tickets.c.id,
    "subject": _tickets.c.subject,
    "status": _tickets.c.status,
    "priority": _tickets.c.priority,
    "category": _tickets.c.category,
    "customer_telegram_user_id": _customers.c.telegram_user_id,
    "customer_display_name": _customers.c.display_name,
    "customer_username": _customers.c.username,
    "assignee": _agents.c.username,
    "follow_up_of": _tickets.c.follow_up_of_id,
    "created_at": _tickets.c.created_at,
    "updated_at": _tickets.c.updated_at,
    "first_response_at": _tickets.c.first_response_at,
    "resolved_at": _tickets.c.resolved_at,
    "closed_at": _tickets.c.closed_at,
    "rating": _tickets.c.rating,
    "rating_comment": _tickets.c.rating_comment,
}
SUMMARY_COLUMNS: Select[Any] = (
    select(*(_SUMMARY_SOURCES[name].label(name) for name in TICKET_SUMMARY_FIELDS))
    .join(_customers, _customers.c.id == _tickets.c.customer_id)
    .outerjoin(_agents, _agents.c.id == _tickets.c.assignee_id)
)
"""The columns of a ``TicketSummaryPage``'s rows (``TICKET_SUMMARY_FIELDS``); add a WHERE.
Fewer than ``TICKET_COLUMNS``: SQLite's driver makes a Python value of every column read."""


_AT = {name: index for index, name in enumerate(TICKET_COLUMNS.selected_columns.keys())}
_ID = _AT["id"]
_STATUSES = {status.value: status for status in Status}
_PRIORITIES = {priority.value: priority for priority in Priority}
_VALUES = itemgetter(
    *(
        _AT[name]
        for name in (
            "id",
            "subject",
            "status",
            "priority",
            "category",
            "customer_id",
            "customer_telegram_user_id",
            "customer_display_name",
            "customer_username",
            "customer_language_code",
            "customer_unreachable_since",
            "assignee_username",
            *TICKET_FIELDS[TICKET_FIELDS.index("assignee_id") :],  # the ticket's own, in order
        )
    )
)
"""A row's values in the order ``ticket_view_of`` takes them: one call reads them all by
position, far cheaper than by attribute or name, which counts on a page of tickets."""


def ticket_view_of(row: Any, tags: tuple[str, ...] = ()) -> TicketView:
    """Build a ticket's view from one row of ``TICKET_COLUMNS`` (and its tags, if read)."""
    (
        number,
        subject,
        status,
        priority,
        category,
        customer_id,
        telegram_user_id,
        display_name,
        username,
        language_code,
        unreachable_since,
        assignee,
        assignee_id,
        follow_up_of,
        created_at,
        updated_at,
        status_changed_at,
        first_response_at,
        resolved_at,
        closed_at,
        rating,
        rating_comment,
        staff_topic_id,
        staff_card_message_id,
        sla_first_breached_at,
        sla_resolution_breached_at,
        merged_into,
        customer_topic_id,
    ) = _VALUES(row)
    return TicketView(
        number,
        subject,
        _STATUSES[status],
        _PRIORITIES[priority],
        category,
        CustomerView(
            customer_id, telegram_user_id, display_name, username, language_code, unreachable_since
        ),
        assignee,
        assignee_id,
        follow_up_of,
        created_at,
        updated_at,
        status_changed_at,
        first_response_at,
        resolved_at,
        closed_at,
        rating,
        rating_comment,
        staff_topic_id,
        staff_card_message_id,
        sla_first_breached_at,
        sla_resolution_breached_at,
        tags,
        merged_into,
        customer_topic_id,
    )


_TAGS_OF = (
    select(_tag_rows.c.ticket_id, _tag_rows.c.tag)
    .where(_tag_rows.c.ticket_id.in_(bindparam("tickets", expanding=True)))
    .order_by(_tag_rows.c.ticket_id, _tag_rows.c.tag)
)


async def views_with_tags(reads: DirectReads, rows: Sequence[Any]) -> list[TicketView]:
    """The views of rows of ``TICKET_COLUMNS`` with their tags, read in one more query."""
    if not rows:
        return []
    tags: dict[int, list[str]] = {}
    numbers = [row[_ID] for row in rows]
    for ticket_id, tag in await reads.all(_TAGS_OF, {"tickets": numbers}):
        tags.setdefault(ticket_id, []).append(tag)
    return [ticket_view_of(row, tuple(tags.get(row[_ID], ()))) for row in rows]
