"""The statement behind every filtered ticket list, built once per shape and reused.

A list of some statuses is one newest-first index walk per status, merged: each walk stops
after a page, so a page costs the same with ten thousand tickets or a million (an IN over
statuses would sort every matching ticket instead). A list of every status (unless it is
filtered by assignee, whose index leads with the status) is a single walk of the activity
index, or of the customer's. Building that union of subqueries costs SQLAlchemy
several times what running it does, so each shape (which statuses, which conditions) is
built once with bound parameters, and a call only binds its values.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    select,
    tuple_,
    union_all,
)

from core.domain.values import Status
from core.store.tables import CustomerRow, TicketRow, TicketTagRow, table_of
from core.store.ticket_rows import TICKET_COLUMNS

_tickets = table_of(TicketRow)
_customers = table_of(CustomerRow)
_tags = table_of(TicketTagRow)


@dataclass(frozen=True, slots=True)
class ListShape:
    """Which conditions a list has (their values are bound when it runs)."""

    statuses: tuple[Status, ...]
    assignee: bool = False
    unassigned: bool = False
    priority: bool = False
    category: bool = False
    customer: bool = False
    updated_since: bool = False
    after: bool = False
    tag: bool = False


@lru_cache(maxsize=256)
def list_statement(shape: ListShape, columns: Select[Any] = TICKET_COLUMNS) -> Select[Any]:
    """The page query for a shape; bind ``limit`` (page size + 1) and each condition's value.

    Parameters: ``assignee``, ``priority``, ``category``, ``customer`` (a Telegram user id),
    ``since``, ``tag``, ``after_at`` with ``after_id`` (the cursor), ``limit``.

    Args:
        shape: which conditions the list has.
        columns: what each row holds: ``TICKET_COLUMNS`` or ``SUMMARY_COLUMNS`` (a SELECT of
            ticket columns from the tickets joined to their customer and assignee).
    """
    limit = bindparam("limit", type_=Integer())
    newest_first = (_tickets.c.updated_at.desc(), _tickets.c.id.desc())
    conditions = _conditions(shape)
    if set(shape.statuses) == set(Status) and not (shape.assignee or shape.unassigned):
        # Every status: one walk of the activity index (or a customer's) needs no merge.
        return columns.where(*conditions).order_by(*newest_first).limit(limit)
    branches = [
        select(
            select(_tickets.c.id, _tickets.c.updated_at)
            .where(_tickets.c.status == status.value, *conditions)
            .order_by(*newest_first)
            .limit(limit)
            .subquery()
        )
        for status in shape.statuses
    ]
    merged = union_all(*branches).subquery()
    newest = (
        select(merged.c.id)
        .order_by(merged.c.updated_at.desc(), merged.c.id.desc())
        .limit(limit)
        .subquery()
    )
    return columns.join(newest, _tickets.c.id == newest.c.id).order_by(*newest_first).limit(limit)


def _conditions(shape: ListShape) -> list[ColumnElement[bool]]:
    """The shape's conditions besides the status, each with its bound parameter."""
    conditions: list[ColumnElement[bool]] = []
    if shape.unassigned:
        conditions.append(_tickets.c.assignee_id.is_(None))
    elif shape.assignee:
        conditions.append(_tickets.c.assignee_id == bindparam("assignee"))
    if shape.priority:
        conditions.append(_tickets.c.priority == bindparam("priority"))
    if shape.category:
        conditions.append(_tickets.c.category == bindparam("category"))
    if shape.customer:
        customer_id = (
            select(_customers.c.id)
            .where(_customers.c.telegram_user_id == bindparam("customer", type_=BigInteger()))
            .scalar_subquery()
        )
        conditions.append(_tickets.c.customer_id == customer_id)
    if shape.updated_since:
        since = bindparam("since", type_=_tickets.c.updated_at.type)
        conditions.append(_tickets.c.updated_at >= since)
    if shape.tag:
        tagged = select(_tags.c.ticket_id).where(_tags.c.tag == bindparam("tag"))
        conditions.append(_tickets.c.id.in_(tagged))
    if shape.after:
        after = tuple_(
            bindparam("after_at", type_=_tickets.c.updated_at.type),
            bindparam("after_id", type_=BigInteger()),
        )
        conditions.append(tuple_(_tickets.c.updated_at, _tickets.c.id) < after)
    return conditions
