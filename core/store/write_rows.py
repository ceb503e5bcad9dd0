"""A ticket as plain values for the write path, and the statements that write it.

The hottest operations (a message, a status change, a new ticket) read one ticket, write a
few rows and answer with the ticket's view. Loading it as an ORM object costs an
identity-map entry for the ticket, its customer and its assignee and a flush at commit,
several times the statements themselves; ``TicketRecord`` is the same values without
that, read with its customer, assignee and tags by one prepared statement and written back
by prepared UPDATEs (``core.store.prepared``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, bindparam, exists, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import aggregate_order_by

from core.domain.values import Priority, Status
from core.store.prepared import Prepared, Writer
from core.store.tables import (
    AgentRow,
    Base,
    CustomerRow,
    DeskStateRow,
    MessageCopyRow,
    MessageRow,
    OutboxRow,
    TicketEventRow,
    TicketRow,
    TicketTagRow,
    table_of,
)
from core.store.ticket_rows import TICKET_FIELDS
from core.views import CustomerView, TicketView

_tickets = table_of(TicketRow)
_customers = table_of(CustomerRow)
_agents = table_of(AgentRow)
_tags = table_of(TicketTagRow)

_CUSTOMER_FIELDS = (
    "id",
    "telegram_user_id",
    "display_name",
    "username",
    "language_code",
    "unreachable_since",
    "active_ticket_id",
    "created_at",
)
_STATUSES = {status.value: status for status in Status}
_PRIORITIES = {priority.value: priority for priority in Priority}


@dataclass(slots=True)
class CustomerRecord:
    """A customer's columns as the write path reads and changes them."""

    id: int
    telegram_user_id: int
    display_name: str
    username: str | None
    language_code: str | None
    unreachable_since: datetime | None
    active_ticket_id: int | None
    created_at: datetime

    def view(self) -> CustomerView:
        """The customer's view."""
        return CustomerView(
            id=self.id,
            telegram_user_id=self.telegram_user_id,
            display_name=self.display_name,
            username=self.username,
            language_code=self.language_code,
            unreachable_since=self.unreachable_since,
        )


@dataclass(slots=True)
class TicketRecord:
    """A ticket's columns, its customer, its assignee's username and its tags."""

    id: int
    customer_id: int
    subject: str
    status: str
    priority: str
    category: str | None
    assignee_id: int | None
    follow_up_of_id: int | None
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    rating_comment: str | None
    staff_topic_id: int | None
    staff_card_message_id: int | None
    sla_first_breached_at: datetime | None
    sla_resolution_breached_at: datetime | None
    merged_into_id: int | None
    customer_topic_id: int | None
    customer: CustomerRecord
    assignee_username: str | None
    tags: tuple[str, ...]
    erased: bool = False
    """Its content was erased (``content_erased_at`` is set)."""
    others_open: bool | None = None
    """Whether the customer had another ticket not closed when this one was read (read
    only when asked for, by ``read_ticket(..., others=True)``; None: not read)."""

    def view(self) -> TicketView:
        """The ticket's view, as it stands now."""
        return TicketView(
            number=self.id,
            subject=self.subject,
            status=_STATUSES[self.status],
            priority=_PRIORITIES[self.priority],
            category=self.category,
            customer=self.customer.view(),
            assignee=self.assignee_username,
            assignee_id=self.assignee_id,
            follow_up_of=self.follow_up_of_id,
            created_at=self.created_at,
            updated_at=self.updated_at,
            status_changed_at=self.status_changed_at,
            first_response_at=self.first_response_at,
            resolved_at=self.resolved_at,
            closed_at=self.closed_at,
            rating=self.rating,
            rating_comment=self.rating_comment,
            staff_topic_id=self.staff_topic_id,
            staff_card_message_id=self.staff_card_message_id,
            sla_first_breached_at=self.sla_first_breached_at,
            sla_resolution_breached_at=self.sla_resolution_breached_at,
            tags=self.tags,
            merged_into=self.merged_into_id,
            customer_topic_id=self.customer_topic_id,
        )


def _reading(tags: Any) -> Any:
    return (
        select(
            *(_tickets.c[name] for name in TICKET_FIELDS),
            *(_customers.c[name] for name in _CUSTOMER_FIELDS),
            _agents.c.username,
            tags,
            _tickets.c.content_erased_at.is_not(None).label("erased"),
        )
        .join(_customers, _customers.c.id == _tickets.c.customer_id)
        .outerjoin(_agents, _agents.c.id == _tickets.c.assignee_id)
    )


_ITS_TAGS = _tags.c.ticket_id == _tickets.c.id
_SQLITE_READING = _reading(
    select(func.group_concat(_tags.c.tag, " ")).where(_ITS_TAGS).scalar_subquery()
)
"""A ticket, its customer, its assignee's name and its tags (space-separated: a tag has no
spaces) in one statement; SQLite's ``group_concat`` keeps no order, so they are sorted
after, in the code-point order of its binary collation."""
_POSTGRES_READING = _reading(
    select(func.string_agg(_tags.c.tag, aggregate_order_by(literal(" "), _tags.c.tag)))
    .where(_ITS_TAGS)
    .scalar_subquery()
)
_others = _tickets.alias("others")
_OTHERS_OPEN = (
    exists()
    .where(
        _others.c.customer_id == _tickets.c.customer_id,
        _others.c.id != _tickets.c.id,
        _others.c.status != Status.CLOSED.value,
    )
    .label("others_open")
)
"""Another ticket of the same customer still open (an agent's reply then names its ticket)."""
_BY_NUMBER = _tickets.c.id == bindparam("n")
_READ_SQLITE = Prepared(_SQLITE_READING.where(_BY_NUMBER))
_READ_POSTGRES = Prepared(_POSTGRES_READING.where(_BY_NUMBER))
_READ_POSTGRES_LOCKED = Prepared(_POSTGRES_READING.where(_BY_NUMBER).with_for_update(of=_tickets))
"""The same, holding the ticket's row until the transaction ends."""
_READ_SQLITE_WITH_OTHERS = Prepared(_SQLITE_READING.add_columns(_OTHERS_OPEN).where(_BY_NUMBER))
_READ_WITH_OTHERS = {
    (True, False): _READ_SQLITE_WITH_OTHERS,
    (True, True): _READ_SQLITE_WITH_OTHERS,
    (False, False): Prepared(_POSTGRES_READING.add_columns(_OTHERS_OPEN).where(_BY_NUMBER)),
    (False, True): Prepared(
        _POSTGRES_READING.add_columns(_OTHERS_OPEN).where(_BY_NUMBER).with_for_update(of=_tickets)
    ),
}
"""The same with ``_OTHERS_OPEN`` (its own statement, not a second one); the key: (SQLite,
locked)."""

_TICKETS_END = len(TICKET_FIELDS)
_CUSTOMER_END = _TICKETS_END + len(_CUSTOMER_FIELDS)
if tuple(field.name for field in fields(TicketRecord))[:_TICKETS_END] != TICKET_FIELDS:
    raise RuntimeError("TicketRecord must start with TICKET_FIELDS, in order (record_of)")
_record_by_position: Callable[..., TicketRecord] = TicketRecord
"""``TicketRecord`` called with a row's columns by position (no dict of names per row)."""


def records_reading(*, sqlite: bool) -> Select[Any]:
    """The SELECT of tickets as records (``record_of`` reads its rows), to add WHERE to.

    The columns are a ticket's, its customer's (``customers`` is joined), its assignee's
    username and its tags; ``sqlite``: the tags as SQLite aggregates them.
    """
    return cast(Select[Any], _SQLITE_READING if sqlite else _POSTGRES_READING)


def record_of(row: Sequence[Any], *, sqlite: bool) -> TicketRecord:
    """A row of ``records_reading`` as a ticket record."""
    listed: str | None = row[_CUSTOMER_END + 1]
    tags: tuple[str, ...] = ()
    if listed:
        words = listed.split(" ")
        tags = tuple(sorted(words) if sqlite else words)
    return _record_by_position(
        *row[:_TICKETS_END],
        CustomerRecord(*row[_TICKETS_END:_CUSTOMER_END]),
        row[_CUSTOMER_END],
        tags,
        bool(row[_CUSTOMER_END + 2]),
    )


async def read_ticket(
    writer: Writer, number: int, *, lock: bool, others: bool = False
) -> TicketRecord | None:
    """Read a ticket as a record, or None; ``lock``: hold its row (PostgreSQL).

    ``others``: also tell, in the same statement, whether its customer has another ticket
    not closed (``TicketRecord.others_open``). SQLite has no row locks: its writers take
    turns, a whole transaction each.
    """
    sqlite = writer.is_sqlite
    if others:
        statement = _READ_WITH_OTHERS[sqlite, lock]
    elif sqlite:
        statement = _READ_SQLITE
    else:
        statement = _READ_POSTGRES_LOCKED if lock else _READ_POSTGRES
    row = await writer.first(statement, {"n": number})
    if row is None:
        return None
    ticket = record_of(row, sqlite=sqlite)
    if others:
        ticket.others_open = bool(row[_CUSTOMER_END + 3])
    return ticket


_STATE_WRITES: dict[tuple[str, ...], Prepared] = {}


def ticket_state_write(columns: tuple[str, ...]) -> Prepared:
    """The UPDATE of these columns of a ticket, made once for each set of columns.

    Only the columns that changed are written: SQLite rewrites the entries of every index
    on a column the UPDATE sets, changed or not, and each page it touches is written out.
    """
    prepared = _STATE_WRITES.get(columns)
    if prepared is None:
        prepared = _STATE_WRITES[columns] = Prepared(
            update(_tickets)
            .where(_tickets.c.id == bindparam("n"))
            .values({name: bindparam(name) for name in columns})
        )
    return prepared


SET_ACTIVE_TICKET = Prepared(
    update(_customers)
    .where(_customers.c.id == bindparam("customer"))
    .values(active_ticket_id=bindparam("ticket"))
)

UPDATE_PROFILE = Prepared(
    update(_customers)
    .where(_customers.c.id == bindparam("customer"))
    .values(
        display_name=bindparam("display_name"),
        username=bindparam("username"),
        language_code=bindparam("language_code"),
        updated_at=bindparam("now"),
    )
)


def _inserting(row: type[Base], names: tuple[str, ...]) -> Any:
    table = table_of(row)
    return insert(table).values({name: bindparam(name) for name in names})


MESSAGE_COLUMNS = (
    "ticket_id",
    "author_role",
    "author_agent_id",
    "author_name",
    "text",
    "formatted",
    "attachment_kind",
    "attachment_file_id",
    "attachment_details",
    "album",
    "internal",
    "copyable",
    "created_at",
    "forward_origin",
)
INSERT_MESSAGE = Prepared(
    _inserting(MessageRow, MESSAGE_COLUMNS).returning(table_of(MessageRow).c.id)
)
INSERT_ORIGIN = Prepared(
    _inserting(MessageCopyRow, ("message_id", "chat_id", "chat_message_id", "is_origin"))
)
EVENT_COLUMNS = (
    "ticket_id",
    "actor_role",
    "actor_agent_id",
    "actor_name",
    "kind",
    "from_status",
    "to_status",
    "detail",
    "at",
)
INSERT_EVENT = Prepared(
    _inserting(TicketEventRow, EVENT_COLUMNS).returning(table_of(TicketEventRow).c.id)
)
OUTBOX_COLUMNS = (
    "lane",
    "audience",
    "chat_id",
    "ticket_id",
    "kind",
    "payload",
    "dedupe_key",
    "batch_key",
    "attempts",
    "next_attempt_at",
    "lease_until",
    "lease_owner",
    "sent_at",
    "failed_at",
    "last_error",
    "created_at",
)
INSERT_OUTBOX = Prepared(_inserting(OutboxRow, OUTBOX_COLUMNS))
_outbox = table_of(OutboxRow)
HOLD_BATCH = Prepared(
    update(_outbox)
    .where(
        _outbox.c.lane == bindparam("in_lane"),
        _outbox.c.batch_key == bindparam("of_batch"),
        _outbox.c.sent_at.is_(None),
        _outbox.c.failed_at.is_(None),
        _outbox.c.lease_until.is_(None),
    )
    .values(next_attempt_at=bindparam("due"))
)
"""The earlier parts of an album still waiting fall due with its newest part."""

RESEND_MISSED = Prepared(
    update(_outbox)
    .where(
        _outbox.c.chat_id == bindparam("chat"),
        _outbox.c.audience == bindparam("to_audience"),
        _outbox.c.failed_at.is_not(None),
        _outbox.c.failed_at >= bindparam("since"),
    )
    .values(failed_at=None, next_attempt_at=bindparam("now"), attempts=0, last_error=None)
)
"""A customer who was unreachable wrote: what failed to reach them since goes out again."""
MARK_REACHABLE = Prepared(
    update(_customers)
    .where(_customers.c.id == bindparam("customer"))
    .values(unreachable_since=None)
)
AGENT_NAME = Prepared(select(_agents.c.username).where(_agents.c.id == bindparam("agent")))

CUSTOMER_BY_USER = Prepared(
    select(*(_customers.c[name] for name in _CUSTOMER_FIELDS)).where(
        _customers.c.telegram_user_id == bindparam("user")
    )
)
_NEW_CUSTOMER_VALUES: dict[str, Any] = {
    name: bindparam(name)
    for name in (
        "telegram_user_id",
        "display_name",
        "username",
        "language_code",
        "created_at",
        "updated_at",
    )
}


def _add_customer(insert_into: Any) -> Prepared:
    return Prepared(
        insert_into(_customers)
        .values(_NEW_CUSTOMER_VALUES)
        .on_conflict_do_nothing(index_elements=["telegram_user_id"])
        .returning(*(_customers.c[name] for name in _CUSTOMER_FIELDS))
    )


ADD_CUSTOMER = {True: _add_customer(sqlite.insert), False: _add_customer(postgresql.insert)}
"""A first contact, unless a racing one stored it first (then no row comes back); the key
tells whether the database is SQLite."""

NEW_TICKET_COLUMNS = (
    "customer_id",
    "subject",
    "status",
    "priority",
    "category",
    "follow_up_of_id",
    "created_at",
    "updated_at",
    "status_changed_at",
    "awaiting_check_since",
)
INSERT_TICKET = Prepared(_inserting(TicketRow, NEW_TICKET_COLUMNS).returning(_tickets.c.id))

_desk_state = table_of(DeskStateRow)
DESK_STATE = Prepared(select(_desk_state.c.value).where(_desk_state.c.key == bindparam("k")))
ADD_DESK_STATE = Prepared(
    insert(_desk_state).values(key=bindparam("k"), value=bindparam("v"), updated_at=bindparam("at"))
)
SET_DESK_STATE = Prepared(
    update(_desk_state)
    .where(_desk_state.c.key == bindparam("k"))
    .values(value=bindparam("v"), updated_at=bindparam("at"))
)


async def insert_ticket(
    writer: Writer,
    customer: CustomerRecord,
    subject: str,
    now: datetime,
    *,
    category: str | None,
    follow_up_of: int | None,
    awaiting_check: bool,
) -> TicketRecord:
    """Store a new ticket (new, normal priority) and return it as a record."""
    number = await writer.scalar(
        INSERT_TICKET,
        {
            "customer_id": customer.id,
            "subject": subject,
            "status": Status.NEW.value,
            "priority": Priority.NORMAL.value,
            "category": category,
            "follow_up_of_id": follow_up_of,
            "created_at": now,
            "updated_at": now,
            "status_changed_at": now,
            "awaiting_check_since": now if awaiting_check else None,
        },
    )
    return TicketRecord(
        id=number,
        customer_id=customer.id,
        subject=subject,
        status=Status.NEW.value,
        priority=Priority.NORMAL.value,
        category=category,
        assignee_id=None,
        follow_up_of_id=follow_up_of,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        first_response_at=None,
        resolved_at=None,
        closed_at=None,
        rating=None,
        rating_comment=None,
        staff_topic_id=None,
        staff_card_message_id=None,
        sla_first_breached_at=None,
        sla_resolution_breached_at=None,
        merged_into_id=None,
        customer_topic_id=None,
        customer=customer,
        assignee_username=None,
        tags=(),
    )
