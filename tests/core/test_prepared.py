"""Prepared statements: parameters converted as SQLAlchemy converts them.

The SQLite path converts a timestamp once and reuses the result while the same object is
bound again; these tests hold it to storing each value it is given, whichever came
before, and NULL as NULL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import bindparam, select, update

from core.desk import Desk
from core.domain.actors import Actor
from core.store.prepared import Prepared
from core.store.tables import TicketRow

_STAMP = Prepared(
    update(TicketRow)
    .where(TicketRow.id == bindparam("n"))
    .values(
        updated_at=bindparam("a"),
        closed_at=bindparam("b"),
        first_response_at=bindparam("c"),
        resolved_at=bindparam("d"),
    )
)
_READ = Prepared(
    select(
        TicketRow.updated_at,
        TicketRow.closed_at,
        TicketRow.first_response_at,
        TicketRow.resolved_at,
    ).where(TicketRow.id == bindparam("n"))
)


async def _stamp(desk: Desk, number: int, values: dict[str, object]) -> tuple[object, ...]:
    async with desk.database.write_transaction() as writer:
        await writer.run(_STAMP, {"n": number, **values})
    async with desk.database.write_transaction() as writer:
        row = await writer.first(_READ, {"n": number})
    assert row is not None
    return tuple(row)


async def test_each_timestamp_is_stored_as_given(
    desk: Desk, ann: Actor, report: Callable[..., object]
) -> None:
    ticket = await report(ann)  # type: ignore[misc]
    first = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    later = first + timedelta(minutes=5)
    assert await _stamp(desk, ticket.number, {"a": first, "b": first, "c": None, "d": first}) == (
        first,
        first,
        None,
        first,
    )
    # The same object between others, an equal one in another zone, NULL in between.
    east = later.astimezone(timezone(timedelta(hours=3)))
    assert await _stamp(desk, ticket.number, {"a": later, "b": None, "c": east, "d": later}) == (
        later,
        None,
        later,
        later,
    )
    assert await _stamp(desk, ticket.number, {"a": first, "b": later, "c": first, "d": None}) == (
        first,
        later,
        first,
        None,
    )
