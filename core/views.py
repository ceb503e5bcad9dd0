"""Frozen views: what services return. Plain values, safe to keep after the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.domain.actors import Attachment, ChatRef, ForwardOrigin
from core.domain.values import Audience, NoticeKind, Priority, Role, Status
from core.flows.states import Flow, FlowState, UnknownFlow
from core.notices.kinds import NoticeBody, UnreadableNotice


@dataclass(frozen=True, slots=True)
class CustomerView:
    """A customer as agents see them."""

    id: int
    telegram_user_id: int
    display_name: str
    username: str | None
    language_code: str | None
    unreachable_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class AgentView:
    """An agent account, without its password hash."""

    id: int
    username: str
    is_admin: bool
    is_active: bool
    telegram_user_id: int | None
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket with its customer and assignee resolved."""

    number: int
    subject: str
    status: Status
    priority: Priority
    category: str | None
    customer: CustomerView
    assignee: str | None
    assignee_id: int | None
    follow_up_of: int | None
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
    sla_first_breached_at: datetime | None = None
    sla_resolution_breached_at: datetime | None = None
    tags: tuple[str, ...] = ()
    merged_into: int | None = None
    customer_topic_id: int | None = None

    @property
    def is_closed(self) -> bool:
        """Tell whether the ticket is closed for good."""
        return self.status is Status.CLOSED


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message on a ticket, with where its original arrived (if it came by chat)."""

    id: int
    ticket_number: int
    author_role: Role
    author_name: str
    text: str
    formatted: str | None
    attachment: Attachment | None
    album: str | None
    internal: bool
    created_at: datetime
    origin: ChatRef | None
    copyable: bool = True
    forwarded_from: ForwardOrigin | None = None


@dataclass(frozen=True, slots=True)
class EventView:
    """One audit-trail entry."""

    id: int
    ticket_number: int
    actor_role: Role
    actor_name: str
    kind: str
    from_status: Status | None
    to_status: Status | None
    detail: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class TicketDetail:
    """A ticket with its history, oldest first."""

    ticket: TicketView
    messages: tuple[MessageView, ...]
    events: tuple[EventView, ...]

    def timeline(self) -> list[MessageView | EventView]:
        """Merge messages and events into one list, oldest first."""
        items: list[MessageView | EventView] = [*self.messages, *self.events]
        return sorted(items, key=lambda item: (_when(item), isinstance(item, MessageView)))


def _when(item: MessageView | EventView) -> datetime:
    return item.created_at if isinstance(item, MessageView) else item.at


@dataclass(frozen=True, slots=True)
class TicketPage:
    """One page of a ticket list; ``next_cursor`` fetches the next page, None at the end."""

    tickets: tuple[TicketView, ...]
    next_cursor: str | None


TICKET_SUMMARY_FIELDS = (
    "number",
    "subject",
    "status",
    "priority",
    "category",
    "customer_telegram_user_id",
    "customer_display_name",
    "customer_username",
    "assignee",
    "follow_up_of",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "rating",
    "rating_comment",
)
"""What a row of a ``TicketSummaryPage`` holds, in order: a ``TicketView``'s fields of the
same names (the customer's flattened), the status and priority as their string values."""


@dataclass(frozen=True, slots=True)
class TicketSummaryPage:
    """One page of a ticket list as plain rows, for an answer that shows only a summary.

    Building a ``TicketView`` per ticket costs more than reading its row; a caller that only
    turns the page into text (the HTTP API's list) takes the values as they are read.

    Attributes:
        rows: one per ticket, its values in ``TICKET_SUMMARY_FIELDS`` order.
        next_cursor: fetches the next page, None at the end (as ``TicketPage``'s).
    """

    rows: tuple[Sequence[Any], ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class PostedMessages:
    """What ``send_message`` stored: the ticket as it is now and the new message(s)."""

    ticket: TicketView
    messages: tuple[MessageView, ...]
    reopened: bool = False
    # The first message this minute held back for writing too fast: say "slow down" once.
    slowed: bool = False


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed notification, ready for the front end to deliver.

    Attributes:
        id: the outbox row.
        lane: the ordered queue it belongs to (one chat, or one ticket's topic).
        audience: who it is for.
        chat_id: the private chat it goes to (customers and agents).
        ticket_number: the ticket it is about, if any.
        body: what it says; its class tells its kind.
        attempts: failed attempts so far.
        progress: how many calls of a send of several calls went out already.
    """

    id: int
    lane: str
    audience: Audience
    chat_id: int | None
    ticket_number: int | None
    body: NoticeBody | UnreadableNotice
    attempts: int = 0
    progress: int = 0

    @property
    def kind(self) -> NoticeKind:
        """The kind of notice."""
        return self.body.kind


@dataclass(frozen=True, slots=True)
class Conversation:
    """Where a multi-step chat stands.

    Attributes:
        chat_id: the private chat.
        state: the flow, its step and its data; ``UnknownFlow`` when this version cannot
            read what was stored (then the conversation is to be ended).
        updated_at: when the last step was taken.
    """

    chat_id: int
    state: FlowState | UnknownFlow
    updated_at: datetime

    @property
    def flow(self) -> Flow | None:
        """The flow, or None when this version does not know it."""
        return None if isinstance(self.state, UnknownFlow) else self.state.flow


@dataclass(frozen=True, slots=True)
class SavedReplyView:
    """A saved reply: its name, its text (and the front end's formatted form), its author."""

    name: str
    text: str
    formatted: str | None
    author: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SavedReplyPage:
    """One page of saved replies, by name; ``next_offset`` is None on the last page."""

    replies: tuple[SavedReplyView, ...]
    next_offset: int | None
    total: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A ticket found by a search, with a snippet (matches between ``MARK_START``/``END``)."""

    ticket: TicketView
    snippet: str


@dataclass(frozen=True, slots=True)
class CustomerCard:
    """Everything agents know about a customer, for the customer's card."""

    customer: CustomerView
    first_seen: datetime
    open_tickets: tuple[TicketView, ...]
    past_tickets: tuple[TicketView, ...]
    ticket_count: int
    average_rating: float | None
    ratings: int
    tags: tuple[str, ...]
