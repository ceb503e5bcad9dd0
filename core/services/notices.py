"""Who is told what: the notifications each state change puts into the outbox.

One function per kind of change, mirroring docs/ARCHITECTURE.md, section "Who is told what".
They only build rows; the calling operation adds them in its own transaction, so a change
and the news of it are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from core.domain.actors import ChatRef, ForwardOrigin, NewMessage
from core.domain.figures import Figures
from core.domain.values import Audience, NoticeKind, Role, Status
from core.notices import codec
from core.notices.events import event_line
from core.notices.kinds import (
    AssignedToYou,
    CardPost,
    CardRefresh,
    CopyStyle,
    CustomerTopicClose,
    CustomerTopicReopen,
    Digest,
    MessageCopy,
    NoticeBody,
    PendingReminder,
    SlaAlert,
    StatusChanged,
    TicketConfirmed,
    TopicClose,
    TopicCreate,
    TopicReopen,
)
from core.store.tables import AgentRow, TicketRow
from core.store.write_rows import TicketRecord
from core.views import EventView, MessageView

Ticket = TicketRow | TicketRecord
"""A ticket as an ORM row or as the write path's plain record: notices read either."""


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification before it becomes an outbox row: where it goes, and what it says."""

    audience: Audience
    body: NoticeBody
    ticket_id: int | None
    chat_id: int | None = None
    dedupe_key: str | None = None
    batch_key: str | None = None

    @property
    def kind(self) -> NoticeKind:
        """The kind of notice, as its body tells."""
        return self.body.kind

    @property
    def lane(self) -> str:
        """Name the ordered queue this notice joins: one per chat, one per ticket topic."""
        if self.audience in (Audience.CUSTOMER, Audience.AGENT):
            return f"chat:{self.chat_id}"
        if self.audience is Audience.TICKET_TOPIC:
            return f"topic:{self.ticket_id}"
        return "staff"

    def to_values(self, due: datetime) -> dict[str, object]:
        """The outbox row's columns, due at ``due``."""
        return {
            "lane": self.lane,
            "audience": self.audience.value,
            "chat_id": self.chat_id,
            "ticket_id": self.ticket_id,
            "kind": self.kind.value,
            "payload": codec.encode(self.body),
            "dedupe_key": self.dedupe_key,
            "batch_key": self.batch_key,
            "attempts": 0,
            "next_attempt_at": due,
            "lease_until": None,
            "lease_owner": None,
            "sent_at": None,
            "failed_at": None,
            "last_error": None,
            "created_at": due,
        }


def _topic(ticket: Ticket, body: NoticeBody) -> Notice:
    return Notice(Audience.TICKET_TOPIC, body, ticket.id)


def _customer(ticket: Ticket, body: NoticeBody) -> Notice:
    return Notice(Audience.CUSTOMER, body, ticket.id, ticket.customer.telegram_user_id)


def _event_line(ticket: Ticket, event: EventView) -> Notice:
    return Notice(
        Audience.TICKET_TOPIC,
        event_line(event),
        ticket.id,
        dedupe_key=f"event:{event.id}:line",
    )


def on_ticket_reported(
    ticket: Ticket, messages: Sequence[MessageView], parts: Sequence[NewMessage]
) -> list[Notice]:
    """Open the staff topic with the card and the first message; confirm to the customer."""
    return [
        _topic(ticket, TopicCreate()),
        _topic(ticket, CardPost()),
        *_copies(ticket, messages, parts, Audience.TICKET_TOPIC, style=CopyStyle.CUSTOMER),
        _customer(ticket, TicketConfirmed(ticket.subject)),
    ]


def on_customer_messages(
    ticket: Ticket, messages: Sequence[MessageView], parts: Sequence[NewMessage]
) -> list[Notice]:
    """Copy what the customer wrote into the ticket's topic."""
    return _copies(ticket, messages, parts, Audience.TICKET_TOPIC, style=CopyStyle.CUSTOMER)


def on_agent_messages(
    ticket: Ticket,
    messages: Sequence[MessageView],
    parts: Sequence[NewMessage],
    *,
    internal: bool,
    written_in_topic: bool,
    tag_ticket: bool,
) -> list[Notice]:
    """Relay a public reply to the customer; echo anything written elsewhere into the topic."""
    if not messages:
        return []
    written = _written(messages, parts)  # once for both copies (every reply makes them)
    notices: list[Notice] = []
    if not internal:
        notices.append(
            _copy(ticket, written, Audience.CUSTOMER, style=CopyStyle.REPLY, tag_ticket=tag_ticket)
        )
    if not written_in_topic:
        style = CopyStyle.NOTE if internal else CopyStyle.REPLY
        notices.append(_copy(ticket, written, Audience.TICKET_TOPIC, style=style))
    return notices


class _Written(NamedTuple):
    """What every copy of the same stored messages shares."""

    first: MessageView
    message_ids: tuple[int, ...]
    album: str | None
    forwarded: ForwardOrigin | None
    origins: tuple[ChatRef, ...]


def _written(messages: Sequence[MessageView], parts: Sequence[NewMessage]) -> _Written:
    origins = [part.origin for part in parts if part.origin is not None and part.copyable]
    return _Written(
        first=messages[0],
        message_ids=tuple(m.id for m in messages),
        album=next((m.album for m in messages if m.album), None),
        forwarded=next((m.forwarded_from for m in messages if m.forwarded_from), None),
        # Enough to relay them by copying, without reading them back.
        origins=tuple(origins) if len(origins) == len(messages) else (),
    )


def _copies(
    ticket: Ticket,
    messages: Sequence[MessageView],
    parts: Sequence[NewMessage],
    audience: Audience,
    *,
    style: CopyStyle,
) -> list[Notice]:
    if not messages:
        return []
    return [_copy(ticket, _written(messages, parts), audience, style=style)]


def _copy(
    ticket: Ticket,
    written: _Written,
    audience: Audience,
    *,
    style: CopyStyle,
    tag_ticket: bool = False,
) -> Notice:
    chat_id = ticket.customer.telegram_user_id if audience is Audience.CUSTOMER else None
    copy = MessageCopy(
        message_ids=written.message_ids,
        style=style,
        author=written.first.author_name,
        tag_ticket=tag_ticket,
        # Someone else's words: the copy in the topic says whose, above it.
        forwarded_from=written.forwarded if audience is Audience.TICKET_TOPIC else None,
        origins=written.origins,
    )
    album = written.album
    return Notice(
        audience,
        copy,
        ticket.id,
        chat_id,
        dedupe_key=f"copy:{written.first.id}:{audience.value}",
        batch_key=f"album:{album}" if album else None,
    )


def on_status_changed(ticket: Ticket, event: EventView, *, ask_rating: bool) -> list[Notice]:
    """Edit the card, log the move, close or reopen the topic, tell the customer."""
    notices = [_topic(ticket, CardRefresh()), _event_line(ticket, event)]
    if event.to_status == Status.CLOSED:
        notices.append(_topic(ticket, TopicClose()))
    elif event.from_status == Status.CLOSED:
        notices.append(_topic(ticket, TopicReopen()))
    has_customer_topic = ticket.customer_topic_id is not None
    if has_customer_topic and event.from_status == Status.CLOSED:
        notices.append(_customer(ticket, CustomerTopicReopen()))
    # A customer who closed the ticket themselves has their answer in the chat already.
    if event.actor_role != Role.CUSTOMER and event.to_status is not None:
        news = StatusChanged(
            subject=ticket.subject,
            to=event.to_status,
            by=event.actor_role,
            ask_rating=ask_rating,
            event_id=event.id,
            reason=event.detail,
        )
        notices.append(_customer(ticket, news))
    if has_customer_topic and event.to_status == Status.CLOSED:
        notices.append(_customer(ticket, CustomerTopicClose()))
    return notices


def on_assigned(
    ticket: Ticket, event: EventView, assignee: AgentRow | None, *, by_agent_id: int | None
) -> list[Notice]:
    """Edit the card, log the assignment, tell the new assignee privately."""
    notices = [_topic(ticket, CardRefresh()), _event_line(ticket, event)]
    if assignee is not None and assignee.telegram_user_id and assignee.id != by_agent_id:
        notices.append(
            Notice(
                Audience.AGENT,
                AssignedToYou(by=event.actor_name, subject=ticket.subject),
                ticket.id,
                assignee.telegram_user_id,
                dedupe_key=f"event:{event.id}:assignee",
            )
        )
    return notices


def on_sla_breach(ticket: TicketRow, event: EventView, *, target: str) -> list[Notice]:
    """Alert the ticket's topic, the staff chat's general topic and the assignee, once."""
    alert = SlaAlert(subject=ticket.subject, which=event.detail or "", target=target)
    notices = [
        _topic(ticket, CardRefresh()),
        Notice(Audience.TICKET_TOPIC, alert, ticket.id, dedupe_key=f"event:{event.id}:topic"),
        Notice(Audience.STAFF, alert, ticket.id, dedupe_key=f"event:{event.id}:staff"),
    ]
    assignee = ticket.assignee
    if assignee is not None and assignee.telegram_user_id:
        notices.append(
            Notice(
                Audience.AGENT,
                alert,
                ticket.id,
                assignee.telegram_user_id,
                dedupe_key=f"event:{event.id}:assignee",
            )
        )
    return notices


def on_pending_reminder(ticket: Ticket, event: EventView, *, closes_in: str) -> list[Notice]:
    """Remind the customer that we wait for them; note it in the topic."""
    return [
        _event_line(ticket, event),
        Notice(
            Audience.CUSTOMER,
            PendingReminder(subject=ticket.subject, closes_in=closes_in),
            ticket.id,
            ticket.customer.telegram_user_id,
            dedupe_key=f"event:{event.id}:customer",
        ),
    ]


def digest(figures: Figures, key: str) -> Notice:
    """The daily figures, for the staff chat's general topic."""
    return Notice(Audience.STAFF, Digest(figures), None, dedupe_key=key)


def on_card_event(ticket: Ticket, event: EventView) -> list[Notice]:
    """Edit the card and log the event (priority, rating, undelivered message)."""
    return [_topic(ticket, CardRefresh()), _event_line(ticket, event)]
