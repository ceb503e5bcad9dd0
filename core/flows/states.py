"""Where a multi-step chat stands: one frozen class per flow, with its step and its data.

Every state remembers the last message it took (``last_message_id``), so a message Telegram
delivers twice is not taken twice. A stored conversation this version cannot read (a flow it
no longer has, data of another shape) is an ``UnknownFlow``: it is ended when found.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from core.domain.actors import NewMessage


class Flow(StrEnum):
    """The multi-step chats a front end can hold."""

    INTAKE = "intake"  # /new: category, subject, description
    LOGIN = "login"  # /login: username, password
    OFFER = "offer"  # messages held until the customer opens a ticket with them


class IntakeStep(StrEnum):
    """What /new asks next."""

    CATEGORY = "category"
    SUBJECT = "subject"
    DESCRIPTION = "description"


class LoginStep(StrEnum):
    """What /login asks next."""

    USERNAME = "username"
    PASSWORD = "password"


@dataclass(frozen=True, slots=True)
class IntakeState:
    """Opening a ticket step by step.

    Attributes:
        step: the question asked last.
        follow_up_of: the closed ticket this one follows up, if any.
        category: the category chosen (when categories are configured).
        subject: the subject given (from the description step on).
        last_message_id: the last message taken.
    """

    step: IntakeStep
    follow_up_of: int | None = None
    category: str | None = None
    subject: str | None = None
    last_message_id: int | None = None
    flow: ClassVar[Flow] = Flow.INTAKE


@dataclass(frozen=True, slots=True)
class LoginState:
    """An agent logging in; the password itself is never kept.

    Attributes:
        step: the question asked last.
        username: the username given (at the password step).
        last_message_id: the last message taken.
    """

    step: LoginStep
    username: str = ""
    last_message_id: int | None = None
    flow: ClassVar[Flow] = Flow.LOGIN


@dataclass(frozen=True, slots=True)
class OfferState:
    """Messages written with no open ticket, held until the customer opens one.

    Attributes:
        held: the messages, in order.
        albums: the albums seen so far (the offer is made once per album).
        follow_up_of: the closed ticket a new one would follow up, if any.
        last_message_id: the last message taken.
    """

    held: tuple[NewMessage, ...] = ()
    albums: tuple[str, ...] = ()
    follow_up_of: int | None = None
    last_message_id: int | None = None
    flow: ClassVar[Flow] = Flow.OFFER


FlowState = IntakeState | LoginState | OfferState
"""Where a conversation of a known flow stands; its class tells the flow."""


@dataclass(frozen=True, slots=True)
class UnknownFlow:
    """A stored conversation this version cannot read; a front end ends it.

    Attributes:
        flow: the flow as stored.
        step: the step as stored.
    """

    flow: str
    step: str
