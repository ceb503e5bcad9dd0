"""The relational schema, as SQLAlchemy 2 declarative rows.

Rows never leave the store and services: callers get frozen views (``core.views``). The
schema itself is created and changed only by the Alembic migrations next to this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.store.types import BigId, UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (Alembic needs them on SQLite)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON}  # noqa: RUF012


def table_of(row: type[Base]) -> Table:
    """The Core table behind a row class, for plain INSERTs on hot paths."""
    table = row.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{row.__name__} is not mapped to a table")
    return table


class CustomerRow(Base):
    """A customer, known by their Telegram user id."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))  # chosen with /language
    active_ticket_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tickets.id", use_alter=True, ondelete="SET NULL")
    )
    unreachable_since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # When the customer had their data erased (/forgetme); None: never.
    erased_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_customers_created", "created_at"),)


class AgentRow(Base):
    """A member of staff who logs in with a username and a password."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(128))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class LoginThrottleRow(Base):
    """Failed logins counted per Telegram account, whatever username it tried."""

    __tablename__ = "login_throttle"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime]


class TicketRow(Base):
    """A ticket; its id is the number customers and agents see (#N)."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("customers.id"))
    subject: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("agents.id"))
    follow_up_of_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("tickets.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    status_changed_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None]
    staff_topic_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    sla_first_breached_at: Mapped[datetime | None]
    sla_resolution_breached_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("tickets.id"))
    # When the ticket's content (subject, texts, files) was erased; it then counts, anonymous.
    content_erased_at: Mapped[datetime | None]
    # The ticket's topic in the customer's own chat with the bot (private-chat topics on).
    customer_topic_id: Mapped[int | None] = mapped_column(BigInteger)
    # A new customer's first ticket that came in a swarm waits for a human check (a button).
    awaiting_check_since: Mapped[datetime | None]

    customer: Mapped[CustomerRow] = relationship(
        lazy="joined", innerjoin=True, foreign_keys=[customer_id]
    )
    assignee: Mapped[AgentRow | None] = relationship(lazy="joined")
    tag_rows: Mapped[list[TicketTagRow]] = relationship(
        lazy="selectin", order_by="TicketTagRow.tag", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_tickets_activity", "updated_at", "id"),
        Index("ix_tickets_status_activity", "status", "updated_at", "id"),
        Index("ix_tickets_assignee_status_activity", "assignee_id", "status", "updated_at", "id"),
        Index("ix_tickets_customer_activity", "customer_id", "updated_at", "id"),
        Index("ix_tickets_staff_topic", "staff_topic_id"),
        Index("ix_tickets_status_changed", "status", "status_changed_at"),
        Index("ix_tickets_status_created", "status", "created_at"),
        Index("ix_tickets_created", "created_at"),
        Index("ix_tickets_resolved", "resolved_at"),
        Index("ix_tickets_closed", "closed_at"),
        Index("ix_tickets_rated", "rated_at"),
        Index("ix_tickets_customer_topic", "customer_topic_id"),
    )


class MessageRow(Base):
    """One message on a ticket: from the customer, an agent (reply or note) or the desk."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tickets.id"))
    author_role: Mapped[str] = mapped_column(String(16))
    author_agent_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("agents.id"))
    author_name: Mapped[str] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text, default="")
    formatted: Mapped[str | None] = mapped_column(Text)
    attachment_kind: Mapped[str | None] = mapped_column(String(16))
    attachment_file_id: Mapped[str | None] = mapped_column(String(256))
    attachment_details: Mapped[str | None] = mapped_column(String(512))
    album: Mapped[str | None] = mapped_column(String(64))
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    copyable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime]
    # Who first wrote a forwarded message (kind, name, date...); NULL for the sender's own.
    forward_origin: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    __table_args__ = (Index("ix_messages_ticket", "ticket_id", "id"),)


class MessageCopyRow(Base):
    """A Telegram copy of a message (or the original), so a reply to it finds its ticket."""

    __tablename__ = "message_copies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("messages.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    chat_message_id: Mapped[int] = mapped_column(BigInteger)
    is_origin: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("chat_id", "chat_message_id", name="uq_message_copies_chat_message"),
        Index("ix_message_copies_message", "message_id"),
    )


class TicketRefRow(Base):
    """A bot message about a ticket (its card, a notice), so a reply to it finds the ticket."""

    __tablename__ = "ticket_refs"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    chat_message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tickets.id"))


class TicketEventRow(Base):
    """The audit trail: who did what to a ticket, from and to which status, when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tickets.id"))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_agent_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("agents.id"))
    actor_name: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]

    __table_args__ = (
        Index("ix_ticket_events_ticket", "ticket_id", "id"),
        Index("ix_ticket_events_kind_at", "kind", "at"),
    )


class OutboxRow(Base):
    """A notification waiting to be delivered (or delivered, or given up on).

    Rows of one ``lane`` (one chat, or one ticket's staff topic) are delivered in id order.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lane: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    batch_key: Mapped[str | None] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (
        Index(
            "ix_outbox_pending_lane",
            "lane",
            "id",
            sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
        ),
        Index(
            "ix_outbox_pending_due",
            "next_attempt_at",
            "id",
            sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
        ),
    )


class DeskStateRow(Base):
    """Small facts the desk keeps about itself (when the last digest went out)."""

    __tablename__ = "desk_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class ConversationRow(Base):
    """Where a multi-step chat (a new ticket, a login) stands, so a restart resumes it."""

    __tablename__ = "conversations"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class ApiTokenRow(Base):
    """A bearer token of the HTTP API, stored only as the SHA-256 digest of its secret.

    A token speaks for an agent (``agent_id``) or for a Telegram customer
    (``customer_telegram_id``). Integration tokens have a ``name`` and usually no expiry;
    login tokens keep the digest of the Telegram login data they came from, so that data
    cannot be exchanged twice.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(32), unique=True)
    agent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    customer_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    source_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class DeadLetterRow(Base):
    """An update from Telegram the bot could not read, kept whole until a retry handles it."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]]
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime]
    last_tried_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]


class TicketTagRow(Base):
    """A tag on a ticket: a normalised word (lower case, no spaces) agents filter by."""

    __tablename__ = "ticket_tags"

    ticket_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)

    __table_args__ = (Index("ix_ticket_tags_tag", "tag", "ticket_id"),)


class SavedReplyRow(Base):
    """A reply agents send by name (``!name``), with ``{customer}``-style placeholders."""

    __tablename__ = "saved_replies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    text: Mapped[str] = mapped_column(Text)
    formatted: Mapped[str | None] = mapped_column(Text)
    author_agent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("agents.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CustomerBanRow(Base):
    """A banned customer: what they write is kept but never relayed."""

    __tablename__ = "customer_bans"

    customer_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("customers.id"), primary_key=True
    )
    reason: Mapped[str | None] = mapped_column(Text)
    banned_by: Mapped[str] = mapped_column(String(256))
    banned_at: Mapped[datetime]
    # When the customer was told, once, that the desk no longer answers them.
    noticed_at: Mapped[datetime | None]


class CustomerEventRow(Base):
    """The audit trail of a customer (bans, unbans, erasures), beside the tickets' trail."""

    __tablename__ = "customer_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str] = mapped_column(String(256))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]

    __table_args__ = (Index("ix_customer_events_customer", "customer_id", "id"),)


class HeldMessageRow(Base):
    """A customer's message the desk keeps but does not relay (they are banned)."""

    __tablename__ = "held_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("customers.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    chat_message_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("chat_id", "chat_message_id", name="uq_held_messages_chat_message"),
        Index("ix_held_messages_customer", "customer_id", "id"),
    )


class MessageEditRow(Base):
    """One earlier version of a message that its author edited (the audit trail of edits).

    The message row holds the current version; each edit adds the version it replaced here,
    so every version ever seen stays readable, oldest first.
    """

    __tablename__ = "message_edits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("messages.id"))
    ticket_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tickets.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    formatted: Mapped[str | None] = mapped_column(Text)
    attachment_file_id: Mapped[str | None] = mapped_column(String(256))
    replaced_at: Mapped[datetime]

    __table_args__ = (Index("ix_message_edits_message", "message_id", "id"),)
