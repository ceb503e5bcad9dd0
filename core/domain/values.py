"""Plain values of the desk: statuses, priorities, roles and kinds."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a ticket stands in its lifecycle."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    """How urgent a ticket is; ``normal`` unless someone says otherwise."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Role(StrEnum):
    """Who acts: a customer, an agent, or the desk itself (timers)."""

    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


class AttachmentKind(StrEnum):
    """The kind of media a message carries besides (or instead of) its text."""

    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    VIDEO_NOTE = "video_note"
    ANIMATION = "animation"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACT = "contact"
    VENUE = "venue"


class ForwardKind(StrEnum):
    """Who a forwarded message came from, as far as the messenger tells."""

    USER = "user"  # a person whose account is shown
    HIDDEN_USER = "hidden_user"  # a person who hides their account: only a name is known
    CHAT = "chat"  # a group, on behalf of itself (an anonymous admin)
    CHANNEL = "channel"  # a channel post


class EventKind(StrEnum):
    """What an audit-trail entry records."""

    CREATED = "created"
    STATUS = "status"
    ASSIGNED = "assigned"
    PRIORITY = "priority"
    CATEGORY = "category"
    RATED = "rated"
    UNDELIVERED = "undelivered"
    SLA_BREACH = "sla_breach"
    REMINDED = "reminded"
    TAGGED = "tagged"
    UNTAGGED = "untagged"
    MERGED_INTO = "merged_into"  # this ticket went into another (detail: "#B")
    MERGED_FROM = "merged_from"  # another ticket came into this one (detail: "#A")


class NoticeKind(StrEnum):
    """What an outbox row asks the front end to deliver.

    Each kind is one visible effect, so a retried row never repeats a different effect.
    """

    TOPIC_CREATE = "topic_create"  # staff: open the ticket's topic
    CARD_POST = "card_post"  # staff: post the ticket card (topic's first message)
    CARD_REFRESH = "card_refresh"  # staff: edit the card to the ticket's current state
    TOPIC_CLOSE = "topic_close"  # staff: close the ticket's topic
    TOPIC_REOPEN = "topic_reopen"  # staff: reopen it
    TOPIC_DELETE = "topic_delete"  # staff: delete the topic of an erased ticket, with its messages
    TOPIC_ANONYMIZE = "topic_anonymize"  # staff: name an erased ticket's kept topic by number only
    EVENT_LINE = "event_line"  # staff: one line saying what happened
    MESSAGE_COPY = "message_copy"  # customer or staff: a copy of stored messages
    TICKET_CONFIRMED = "ticket_confirmed"  # customer: your ticket is #N
    STATUS_CHANGED = "status_changed"  # customer: your ticket is now ...
    ASSIGNED_TO_YOU = "assigned_to_you"  # agent: a ticket was assigned to you
    SLA_ALERT = "sla_alert"  # staff and assignee: an SLA target was missed
    PENDING_REMINDER = "pending_reminder"  # customer: we are waiting for your answer
    DIGEST = "digest"  # staff general topic: the daily figures
    STAFF_ALERT = "staff_alert"  # staff general topic: one plain-text alert (a swarm)
    CUSTOMER_TOPIC_CLOSE = "customer_topic_close"  # customer: close the ticket's topic
    CUSTOMER_TOPIC_REOPEN = "customer_topic_reopen"  # customer: reopen it
    MESSAGE_EDIT = "message_edit"  # customer or staff: edit a copy to a message's new version
    MESSAGE_REACTION = "message_reaction"  # customer or staff: mirror a reaction on a message


class Audience(StrEnum):
    """Who an outbox row is for; the front end maps it to a chat."""

    CUSTOMER = "customer"  # a customer's private chat (chat id = Telegram user id)
    AGENT = "agent"  # an agent's private chat
    TICKET_TOPIC = "ticket_topic"  # the staff chat, in the ticket's topic
    STAFF = "staff"  # the staff chat's general topic


ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED)
"""A ticket that is not closed: it still takes messages; the agents' "active" queue."""

UNRESOLVED_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)
"""A ticket the team still has to resolve: its resolution SLA runs, the digest lists it."""

FINISHED_STATUSES = (Status.RESOLVED, Status.CLOSED)
"""A ticket the team is done with: the customer may rate it and comment on the rating."""
