"""Who acts on the desk, and what arrives from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.domain.lifecycle import Mover
from core.domain.values import AttachmentKind, ForwardKind, Role


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    """A customer as the messenger describes them; stored (and refreshed) on every contact."""

    telegram_user_id: int
    display_name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """The one who performs an operation.

    Attributes:
        role: customer, agent or system.
        ref: the customer's Telegram user id, the agent's id, or 0 for the system.
        name: a human name for audit lines.
        profile: the customer's profile (customers only), upserted by the operation.
    """

    role: Role
    ref: int
    name: str
    profile: CustomerProfile | None = None

    @classmethod
    def customer(cls, profile: CustomerProfile) -> Actor:
        """Make the actor for a customer."""
        return cls(Role.CUSTOMER, profile.telegram_user_id, profile.display_name, profile)

    @classmethod
    def customer_ref(cls, telegram_user_id: int) -> Actor:
        """A customer known only by Telegram user id (for reading, never for writing)."""
        return cls(Role.CUSTOMER, telegram_user_id, str(telegram_user_id))

    @classmethod
    def agent(cls, agent_id: int, username: str) -> Actor:
        """Make the actor for an agent (after the front end has resolved who is logged in)."""
        return cls(Role.AGENT, agent_id, username)

    @classmethod
    def system(cls) -> Actor:
        """Make the actor for the desk's own timers."""
        return cls(Role.SYSTEM, 0, "system")

    @property
    def is_agent(self) -> bool:
        """Tell whether the actor is an agent."""
        return self.role is Role.AGENT

    @property
    def is_customer(self) -> bool:
        """Tell whether the actor is a customer."""
        return self.role is Role.CUSTOMER

    @property
    def mover(self) -> Mover:
        """Return how this actor appears in the transition table for an explicit request."""
        return {
            Role.AGENT: Mover.AGENT,
            Role.CUSTOMER: Mover.CUSTOMER,
            Role.SYSTEM: Mover.SYSTEM,
        }[self.role]


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where one Telegram copy of a message lives."""

    chat_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class Attachment:
    """Media carried by a message.

    Attributes:
        kind: photo, document, voice, ...
        file_id: the messenger's id for the file ("" for locations, venues and contacts).
        details: a short human description (file name, coordinates, phone number).
    """

    kind: AttachmentKind
    file_id: str = ""
    details: str = ""


@dataclass(frozen=True, slots=True)
class ForwardOrigin:
    """Where a forwarded message was first written: someone else's words, not the sender's.

    Attributes:
        kind: a user, a user who hides their account, a group or a channel.
        name: the person's name, or the group's or channel's title.
        date: when the original was sent.
        username: the public @username of the user or chat, without the @, if any.
        signature: the author's signature in a channel post or an anonymous admin's message.
    """

    kind: ForwardKind
    name: str
    date: datetime
    username: str | None = None
    signature: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The origin as a JSON object (stored with the message)."""
        return {
            "kind": self.kind.value,
            "name": self.name,
            "date": self.date.isoformat(),
            "username": self.username,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ForwardOrigin:
        """Read an origin written by ``to_json``."""
        return cls(
            kind=ForwardKind(data["kind"]),
            name=str(data.get("name") or ""),
            date=datetime.fromisoformat(str(data["date"])),
            username=data.get("username"),
            signature=data.get("signature"),
        )


@dataclass(frozen=True, slots=True)
class NewMessage:
    """One inbound message, as the front end received it.

    Attributes:
        text: the plain text or caption.
        formatted: the front end's own rich form of the text (for example HTML), kept so a
            copy can be sent again with its formatting; the core never reads it.
        attachment: media, if any.
        origin: the chat and message id it arrived as; unique, so a repeat is refused.
        album: the media-group id shared by the parts of one album.
        copyable: the original message is exactly this content, so a front end may relay it
            by copying the original (false for, say, a command whose argument is the text).
        forwarded_from: who first wrote it, when the sender forwarded someone's message.
    """

    text: str = ""
    formatted: str | None = None
    attachment: Attachment | None = None
    origin: ChatRef | None = None
    album: str | None = None
    copyable: bool = True
    forwarded_from: ForwardOrigin | None = None

    @property
    def is_empty(self) -> bool:
        """Tell whether the message carries nothing at all."""
        return not self.text.strip() and self.attachment is None
