"""What each kind of notice says: one frozen value per kind, read by every front end.

A notice is the content of one outbox row; where it goes (the audience, the chat, the ticket)
is the row's envelope (``core.views.OutboxItem``). Each class names its kind in ``kind``, so
``NoticeBody`` is a union discriminated by kind: a front end matches on the class and reads
typed fields, and a renamed field is a type error on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from core.domain.actors import ChatRef, ForwardOrigin
from core.domain.figures import Figures
from core.domain.values import NoticeKind, Role, Status


class CopyStyle(StrEnum):
    """Whose words a message copy carries, which decides its header."""

    CUSTOMER = "customer"  # the customer's message
    REPLY = "reply"  # an agent's public reply
    NOTE = "note"  # an agent's internal note


@dataclass(frozen=True, slots=True)
class TopicCreate:
    """Staff: open the ticket's forum topic."""

    kind: ClassVar[NoticeKind] = NoticeKind.TOPIC_CREATE


@dataclass(frozen=True, slots=True)
class CardPost:
    """Staff: post the ticket's card (the topic's first message)."""

    kind: ClassVar[NoticeKind] = NoticeKind.CARD_POST


@dataclass(frozen=True, slots=True)
class CardRefresh:
    """Staff: edit the card to the ticket's current state."""

    kind: ClassVar[NoticeKind] = NoticeKind.CARD_REFRESH


@dataclass(frozen=True, slots=True)
class TopicClose:
    """Staff: close the ticket's topic."""

    kind: ClassVar[NoticeKind] = NoticeKind.TOPIC_CLOSE


@dataclass(frozen=True, slots=True)
class TopicReopen:
    """Staff: reopen the ticket's topic."""

    kind: ClassVar[NoticeKind] = NoticeKind.TOPIC_REOPEN


@dataclass(frozen=True, slots=True)
class TopicDelete:
    """Staff: delete a ticket's topic with every message in it (the ticket's content was erased).

    It names the topic only: the ticket no longer records it, and nothing of what was said.

    Attributes:
        thread_id: the topic (its ``message_thread_id``).
        chat_id: the staff chat the topic is in, when the desk knows it (where the ticket's
            card was posted); None: the staff chat as configured now.
    """

    thread_id: int
    chat_id: int | None = None
    kind: ClassVar[NoticeKind] = NoticeKind.TOPIC_DELETE


@dataclass(frozen=True, slots=True)
class TopicAnonymize:
    """Staff: rename an erased ticket's topic, kept for the ticket it was merged into.

    The topic's name held the erased subject; the new one says only the number and that the
    ticket was erased.
    """

    kind: ClassVar[NoticeKind] = NoticeKind.TOPIC_ANONYMIZE


@dataclass(frozen=True, slots=True)
class EventLine:
    """Staff: one line in the topic saying what happened (an audit event).

    Attributes:
        event_id: the audit event.
        event_kind: what happened (an ``EventKind`` value; an unknown one is shown as is).
        actor: who did it, by name.
        actor_role: a customer, an agent, or the desk itself.
        from_status: the status before a move, if it was one.
        to_status: the status after a move, if it was one.
        detail: the event's own words (a reason, a priority, a rating, an assignee).
    """

    event_id: int
    event_kind: str
    actor: str
    actor_role: Role
    from_status: Status | None = None
    to_status: Status | None = None
    detail: str | None = None
    kind: ClassVar[NoticeKind] = NoticeKind.EVENT_LINE


@dataclass(frozen=True, slots=True)
class MessageCopy:
    """Customer or staff: a copy of stored messages (one, or the parts of an album).

    Attributes:
        message_ids: the stored messages, in order.
        style: whose words they are, which decides the header.
        author: who wrote them, by name.
        tag_ticket: start the copy with the ticket's number (a customer with several).
        forwarded_from: who first wrote them, when they were forwarded (topic copies only).
        origins: where the originals are, one per message, when they can be copied as they
            are without reading the messages back; empty when not known.
    """

    message_ids: tuple[int, ...]
    style: CopyStyle
    author: str
    tag_ticket: bool = False
    forwarded_from: ForwardOrigin | None = None
    origins: tuple[ChatRef, ...] = ()
    kind: ClassVar[NoticeKind] = NoticeKind.MESSAGE_COPY


@dataclass(frozen=True, slots=True)
class TicketConfirmed:
    """Customer: your ticket has its number."""

    subject: str
    kind: ClassVar[NoticeKind] = NoticeKind.TICKET_CONFIRMED


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """Customer: your ticket is now ... (and, once solved, how did we do?).

    Attributes:
        subject: the ticket's subject.
        to: the new status.
        by: who moved it (the desk itself, by a timer, or an agent).
        ask_rating: ask the customer for a rating.
        event_id: the audit event of the move.
        reason: why, when the mover said so.
    """

    subject: str
    to: Status
    by: Role
    ask_rating: bool
    event_id: int
    reason: str | None = None
    kind: ClassVar[NoticeKind] = NoticeKind.STATUS_CHANGED


@dataclass(frozen=True, slots=True)
class AssignedToYou:
    """Agent: a ticket was assigned to you, by ``by``."""

    by: str
    subject: str
    kind: ClassVar[NoticeKind] = NoticeKind.ASSIGNED_TO_YOU


@dataclass(frozen=True, slots=True)
class SlaAlert:
    """Staff and assignee: the ticket missed an SLA target.

    Attributes:
        subject: the ticket's subject.
        which: the target missed ("first response", "resolution").
        target: how long it allowed, as people write it ("4h").
    """

    subject: str
    which: str
    target: str
    kind: ClassVar[NoticeKind] = NoticeKind.SLA_ALERT


@dataclass(frozen=True, slots=True)
class PendingReminder:
    """Customer: we are waiting for your answer; the ticket closes in ``closes_in``."""

    subject: str
    closes_in: str
    kind: ClassVar[NoticeKind] = NoticeKind.PENDING_REMINDER


@dataclass(frozen=True, slots=True)
class Digest:
    """Staff general topic: the daily figures."""

    figures: Figures
    kind: ClassVar[NoticeKind] = NoticeKind.DIGEST


@dataclass(frozen=True, slots=True)
class SwarmAlert:
    """Staff general topic: many new customers at once; their first tickets wait for a
    human check (one alert per swarm)."""

    kind: ClassVar[NoticeKind] = NoticeKind.STAFF_ALERT


@dataclass(frozen=True, slots=True)
class CustomerTopicClose:
    """Customer: close the ticket's topic in their own chat (private-chat topics)."""

    kind: ClassVar[NoticeKind] = NoticeKind.CUSTOMER_TOPIC_CLOSE


@dataclass(frozen=True, slots=True)
class CustomerTopicReopen:
    """Customer: reopen the ticket's topic in their own chat."""

    kind: ClassVar[NoticeKind] = NoticeKind.CUSTOMER_TOPIC_REOPEN


@dataclass(frozen=True, slots=True)
class MessageEdit:
    """Customer or staff: a stored message was edited; bring its copies in the chat in step.

    Attributes:
        message_id: the stored message (it holds the new version).
        style: whose words they are, which decides the copy's header.
        author: who wrote them, by name.
        tag_ticket: the copy starts with the ticket's number (a customer with several).
        media_changed: the attachment was replaced, which no edit of a copy can show.
    """

    message_id: int
    style: CopyStyle
    author: str
    tag_ticket: bool = False
    media_changed: bool = False
    kind: ClassVar[NoticeKind] = NoticeKind.MESSAGE_EDIT


@dataclass(frozen=True, slots=True)
class MessageReaction:
    """Customer or staff: put a reaction from the other side on a stored message there.

    Attributes:
        message_id: the stored message (its original or copy in the row's chat is reacted on).
        emoji: the reactions now, oldest first; empty takes the bot's reaction off.
    """

    message_id: int
    emoji: tuple[str, ...]
    kind: ClassVar[NoticeKind] = NoticeKind.MESSAGE_REACTION


NoticeBody = (
    TopicCreate
    | CardPost
    | CardRefresh
    | TopicClose
    | TopicReopen
    | TopicDelete
    | TopicAnonymize
    | EventLine
    | MessageCopy
    | TicketConfirmed
    | StatusChanged
    | AssignedToYou
    | SlaAlert
    | PendingReminder
    | Digest
    | SwarmAlert
    | CustomerTopicClose
    | CustomerTopicReopen
    | MessageEdit
    | MessageReaction
)
"""What a notice says, whatever its kind; its class tells the kind."""


@dataclass(frozen=True, slots=True)
class UnreadableNotice:
    """A stored notice this version cannot read (written by another version, or damaged).

    A front end cannot deliver it; it says why (the outbox retries, then gives up on it).
    """

    kind: NoticeKind
    reason: str
