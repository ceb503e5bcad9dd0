"""Request and response bodies; the OpenAPI schema is generated from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.config import DeskConfig
from core.domain.values import Priority, Role, Status
from core.services.messages import MAX_TEXT_LENGTH
from core.views import EventView, MessageView, TicketDetail, TicketView

TEXT_LIMIT = MAX_TEXT_LENGTH
"""The bot's limit for one message's text (the desk's): a text longer than one Telegram
message (4096 characters) is delivered in parts, as the bot delivers any message."""

Text = Field(min_length=1, max_length=TEXT_LIMIT)

Title = Field(
    min_length=1,
    max_length=256,
    description=(
        f"The subject: at most {DeskConfig().subject_max_length} characters once runs of "
        "spaces and line breaks are made one space, as the bot takes it."
    ),
)

MAX_ID = 2**63 - 1
"""The largest number a ticket or Telegram id can be: a signed 64-bit integer, as stored."""


class Body(BaseModel):
    """A request body: unknown fields are refused, so a typo is never silently ignored, and
    so is a NUL character in any text (no text the desk stores may hold one: PostgreSQL
    refuses it, and Telegram could not show it)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("a NUL character (\\u0000) is not allowed in a text")
        return value


class LoginRequest(Body):
    """Either an agent's username and password, or a Mini App's signed Telegram data."""

    username: str | None = Field(default=None, max_length=64)
    password: str | None = Field(default=None, max_length=256)
    telegram_init_data: str | None = Field(default=None, max_length=4096)

    @model_validator(mode="before")
    @classmethod
    def _no_hashes(cls, data: Any) -> Any:
        return _refuse_password_hash(
            data,
            "a password hash is never accepted, because a hash that logs in would make every "
            "stolen hash a password",
        )

    @model_validator(mode="after")
    def _one_way(self) -> LoginRequest:
        by_password = self.username is not None or self.password is not None
        if by_password == (self.telegram_init_data is not None):
            raise ValueError("send either 'username' and 'password', or 'telegram_init_data'")
        if by_password and (not self.username or not self.password):
            raise ValueError("send both 'username' and 'password'")
        return self


class TokenOut(BaseModel):
    """A bearer token for the ``Authorization`` header."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class ReportRequest(Body):
    """A customer's new ticket."""

    title: str = Title
    description: str = Text


class StatusRequest(Body):
    """A new status for a ticket."""

    status: Status


class ContentRequest(Body):
    """A message on a ticket."""

    content: str = Text


class ReportIssueRequest(Body):
    """An agent reports an issue for a customer known by ``@username`` or numeric id."""

    username: str = Field(min_length=1, max_length=64)
    issue: str = Text


class ModifyStatusRequest(Body):
    """A status change by ticket number."""

    ticket_id: int = Field(ge=1, le=MAX_ID)
    new_status: Status


class CustomerOut(BaseModel):
    """A customer as tickets show them."""

    telegram_user_id: int
    display_name: str
    username: str | None


class TicketOut(BaseModel):
    """A ticket."""

    id: int
    title: str
    status: Status
    priority: Priority
    category: str | None
    customer: CustomerOut
    assignee: str | None
    follow_up_of: int | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    rating_comment: str | None

    @classmethod
    def of(cls, view: TicketView) -> TicketOut:
        """Render a ticket view."""
        return cls(
            id=view.number,
            title=view.subject,
            status=view.status,
            priority=view.priority,
            category=view.category,
            customer=CustomerOut(
                telegram_user_id=view.customer.telegram_user_id,
                display_name=view.customer.display_name,
                username=view.customer.username,
            ),
            assignee=view.assignee,
            follow_up_of=view.follow_up_of,
            created_at=view.created_at,
            updated_at=view.updated_at,
            first_response_at=view.first_response_at,
            resolved_at=view.resolved_at,
            closed_at=view.closed_at,
            rating=view.rating,
            rating_comment=view.rating_comment,
        )


class MessageOut(BaseModel):
    """A message on a ticket."""

    id: int
    ticket_id: int
    author_role: Role
    author_name: str
    content: str
    internal: bool
    attachment: str | None
    created_at: datetime

    @classmethod
    def of(cls, view: MessageView) -> MessageOut:
        """Render a message view."""
        return cls(
            id=view.id,
            ticket_id=view.ticket_number,
            author_role=view.author_role,
            author_name=view.author_name,
            content=view.text,
            internal=view.internal,
            attachment=view.attachment.kind.value if view.attachment else None,
            created_at=view.created_at,
        )


class EventOut(BaseModel):
    """One audit-trail entry."""

    id: int
    kind: str
    actor_role: Role
    actor_name: str
    from_status: Status | None
    to_status: Status | None
    detail: str | None
    at: datetime

    @classmethod
    def of(cls, view: EventView) -> EventOut:
        """Render an event view."""
        return cls(
            id=view.id,
            kind=view.kind,
            actor_role=view.actor_role,
            actor_name=view.actor_name,
            from_status=view.from_status,
            to_status=view.to_status,
            detail=view.detail,
            at=view.at,
        )


class TicketDetailOut(BaseModel):
    """A ticket with its latest history, oldest first."""

    ticket: TicketOut
    messages: list[MessageOut]
    events: list[EventOut]

    @classmethod
    def of(cls, detail: TicketDetail) -> TicketDetailOut:
        """Render a ticket with its history."""
        return cls(
            ticket=TicketOut.of(detail.ticket),
            messages=[MessageOut.of(m) for m in detail.messages],
            events=[EventOut.of(e) for e in detail.events],
        )


class TicketPageOut(BaseModel):
    """One page of tickets; pass ``next_cursor`` as ``cursor`` for the next (null: the end)."""

    items: list[TicketOut]
    next_cursor: str | None


class NewTicketRequest(Body):
    """A new ticket: a customer's own, or (agents) one for the customer named."""

    title: str = Title
    description: str = Text
    category: str | None = Field(default=None, max_length=64)
    customer: str | None = Field(
        default=None,
        max_length=64,
        description="Agents only: the customer's Telegram @username or numeric id.",
    )


class PostMessageRequest(Body):
    """A public reply, or (agents) an internal note."""

    content: str = Text
    internal: bool = False


class PriorityRequest(Body):
    """A new priority."""

    priority: Priority


class AssigneeRequest(Body):
    """An agent's username, or null to unassign."""

    username: str | None = Field(max_length=64)


class CategoryRequest(Body):
    """A configured category, or null for none."""

    category: str | None = Field(max_length=64)


class RatingRequest(Body):
    """The customer's 1–5 rating and an optional comment."""

    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class AgentOut(BaseModel):
    """An agent account (never its password hash)."""

    username: str
    is_admin: bool
    is_active: bool
    telegram_user_id: int | None
    last_login_at: datetime | None
    created_at: datetime


class NewAgentRequest(Body):
    """A new agent account."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    is_admin: bool = False

    @model_validator(mode="before")
    @classmethod
    def _no_hashes(cls, data: Any) -> Any:
        return _refuse_password_hash(
            data, "the desk hashes it, and a hash sent in would pass none of the password rules"
        )


class ErrorDetail(BaseModel):
    """What went wrong."""

    code: str
    message: str


class ErrorOut(BaseModel):
    """Every error has this shape."""

    error: ErrorDetail


def _refuse_password_hash(data: Any, why: str) -> Any:
    """A body naming ``password_hash`` is refused with a sentence on why (one spec's name)."""
    if isinstance(data, dict) and "password_hash" in data:
        raise ValueError(f"send the password itself in 'password'; {why}")
    return data
