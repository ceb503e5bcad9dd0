"""Who is told what: the notifications each state change puts into the outbox.

One function per kind of change, mirroring docs/ARCHITECTURE.md, section "Who is told what".
They only build rows; the calling operation adds them in its own transaction, so a change
and the news of it are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.domain.actors import NewMessage
from core.domain.values import Audience, NoticeKind, Role, Status
from core.store.tables import AgentRow, TicketRow
from core.views import EventView, MessageView


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification before it becomes an outbox row."""

    audience: Audience
    kind: NoticeKind
    ticket_id: int | None
    chat_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None
    batch_key: str | None = None

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
            "payload": self.payload,
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


def _topic(ticket: TicketRow, kind: NoticeKind, **payload: Any) -> Notice:
    return Notice(Audience.TICKET_TOPIC, kind, ticket.id, payload=payload)


def _customer(ticket: TicketRow, kind: NoticeKind, **payload: Any) -> Notice:
    return Notice(
        Audience.CUSTOMER, kind, ticket.id, ticket.customer.telegram_user_id, payload=payload
    )


def event_payload(event: EventView) -> dict[str, Any]:
    """Describe an audit event for an event line."""
    return {
        "event_id": event.id,
        "kind": event.kind,
        "actor": event.actor_name,
        "actor_role": event.actor_role,
        "from": event.from_status,
        "to": event.to_status,
        "detail": event.detail,
    }


def _event_line(ticket: TicketRow, event: EventView) -> Notice:
    return Notice(
        Audience.TICKET_TOPIC,
        NoticeKind.EVENT_LINE,
        ticket.id,
        payload=event_payload(event),
        dedupe_key=f"event:{event.id}:line",
    )


def on_ticket_reported(
    ticket: TicketRow, messages: Sequence[MessageView], parts: Sequence[NewMessage]
) -> list[Notice]:
    """Open the staff topic with the card and the first message; confirm to the customer."""
    return [
        _topic(ticket, NoticeKind.TOPIC_CREATE),
        _topic(ticket, NoticeKind.CARD_POST),
        *_copies(ticket, messages, parts, Audience.TICKET_TOPIC, style="customer"),
        _customer(ticket, NoticeKind.TICKET_CONFIRMED, subject=ticket.subject),
    ]


def on_customer_messages(
    ticket: TicketRow, messages: Sequence[MessageView], parts: Sequence[NewMessage]
) -> list[Notice]:
    """Copy what the customer wrote into the ticket's topic."""
    return _copies(ticket, messages, parts, Audience.TICKET_TOPIC, style="customer")


def on_agent_messages(
    ticket: TicketRow,
    messages: Sequence[MessageView],
    parts: Sequence[NewMessage],
    *,
    internal: bool,
    written_in_topic: bool,
    tag_ticket: bool,
) -> list[Notice]:
    """Relay a public reply to the customer; echo anything written elsewhere into the topic."""
    notices: list[Notice] = []
    if not internal:
        notices += _copies(
            ticket, messages, parts, Audience.CUSTOMER, style="reply", tag_ticket=tag_ticket
        )
    if not written_in_topic:
        notices += _copies(
            ticket, messages, parts, Audience.TICKET_TOPIC, style="note" if internal else "reply"
        )
    return notices


def _copies(
    ticket: TicketRow,
    messages: Sequence[MessageView],
    parts: Sequence[NewMessage],
    audience: Audience,
    *,
    style: str,
    tag_ticket: bool = False,
) -> list[Notice]:
    if not messages:
        return []
    chat_id = ticket.customer.telegram_user_id if audience is Audience.CUSTOMER else None
    first = messages[0]
    album = next((m.album for m in messages if m.album), None)
    payload: dict[str, Any] = {
        "message_ids": [m.id for m in messages],
        "style": style,
        "author": first.author_name,
        "tag_ticket": tag_ticket,
    }
    forwarded = next((m.forwarded_from for m in messages if m.forwarded_from), None)
    if forwarded is not None and audience is Audience.TICKET_TOPIC:
        # Someone else's words: the copy in the topic says whose, above it.
        payload["forwarded_from"] = forwarded.to_json()
    origins = [part.origin for part in parts if part.origin is not None and part.copyable]
    if len(origins) == len(messages):
        # Enough to relay them by copying, without reading them back.
        payload["origins"] = [[o.chat_id, o.message_id] for o in origins]
    return [
        Notice(
            audience,
            NoticeKind.MESSAGE_COPY,
            ticket.id,
            chat_id,
            payload=payload,
            dedupe_key=f"copy:{first.id}:{audience.value}",
            batch_key=f"album:{album}" if album else None,
        )
    ]


def on_status_changed(ticket: TicketRow, event: EventView, *, ask_rating: bool) -> list[Notice]:
    """Edit the card, log the move, close or reopen the topic, tell the customer."""
    notices = [_topic(ticket, NoticeKind.CARD_REFRESH), _event_line(ticket, event)]
    if event.to_status == Status.CLOSED:
        notices.append(_topic(ticket, NoticeKind.TOPIC_CLOSE))
    elif event.from_status == Status.CLOSED:
        notices.append(_topic(ticket, NoticeKind.TOPIC_REOPEN))
    # A customer who closed the ticket themselves has their answer in the chat already.
    if event.actor_role != Role.CUSTOMER:
        notices.append(
            _customer(
                ticket,
                NoticeKind.STATUS_CHANGED,
                subject=ticket.subject,
                to=event.to_status,
                by=event.actor_role,
                ask_rating=ask_rating,
                event_id=event.id,
                reason=event.detail,
            )
        )
    return notices


def on_assigned(
    ticket: TicketRow, event: EventView, assignee: AgentRow | None, *, by_agent_id: int | None
) -> list[Notice]:
    """Edit the card, log the assignment, tell the new assignee privately."""
    notices = [_topic(ticket, NoticeKind.CARD_REFRESH), _event_line(ticket, event)]
    if assignee is not None and assignee.telegram_user_id and assignee.id != by_agent_id:
        notices.append(
            Notice(
                Audience.AGENT,
                NoticeKind.ASSIGNED_TO_YOU,
                ticket.id,
                assignee.telegram_user_id,
                payload={"by": event.actor_name, "subject": ticket.subject},
                dedupe_key=f"event:{event.id}:assignee",
            )
        )
    return notices


def on_sla_breach(ticket: TicketRow, event: EventView, *, target: str) -> list[Notice]:
    """Alert the ticket's topic, the staff chat's general topic and the assignee, once."""
    payload = {"subject": ticket.subject, "which": event.detail, "target": target}
    notices = [
        _topic(ticket, NoticeKind.CARD_REFRESH),
        Notice(
            Audience.TICKET_TOPIC,
            NoticeKind.SLA_ALERT,
            ticket.id,
            payload=payload,
            dedupe_key=f"event:{event.id}:topic",
        ),
        Notice(
            Audience.STAFF,
            NoticeKind.SLA_ALERT,
            ticket.id,
            payload=payload,
            dedupe_key=f"event:{event.id}:staff",
        ),
    ]
    assignee = ticket.assignee
    if assignee is not None and assignee.telegram_user_id:
        notices.append(
            Notice(
                Audience.AGENT,
                NoticeKind.SLA_ALERT,
                ticket.id,
                assignee.telegram_user_id,
                payload=payload,
                dedupe_key=f"event:{event.id}:assignee",
            )
        )
    return notices


def on_pending_reminder(ticket: TicketRow, event: EventView, *, closes_in: str) -> list[Notice]:
    """Remind the customer that we wait for them; note it in the topic."""
    return [
        _event_line(ticket, event),
        Notice(
            Audience.CUSTOMER,
            NoticeKind.PENDING_REMINDER,
            ticket.id,
            ticket.customer.telegram_user_id,
            payload={"subject": ticket.subject, "closes_in": closes_in},
            dedupe_key=f"event:{event.id}:customer",
        ),
    ]


def digest(payload: dict[str, Any], key: str) -> Notice:
    """The daily figures, for the staff chat's general topic."""
    return Notice(Audience.STAFF, NoticeKind.DIGEST, None, payload=payload, dedupe_key=key)


def on_card_event(ticket: TicketRow, event: EventView) -> list[Notice]:
    """Edit the card and log the event (priority, rating, undelivered message)."""
    return [_topic(ticket, NoticeKind.CARD_REFRESH), _event_line(ticket, event)]
