"""Conversation states to and from a conversation row: its flow, its step and its JSON data.

The shape is the one rows have always had, so a conversation an earlier version left open
resumes after an upgrade. The raw JSON (``dict[str, Any]``) stays inside ``core``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from core.domain.actors import Attachment, ChatRef, ForwardOrigin, NewMessage
from core.domain.values import AttachmentKind
from core.flows.states import (
    Flow,
    FlowState,
    IntakeState,
    IntakeStep,
    LoginState,
    LoginStep,
    OfferState,
    UnknownFlow,
)

OFFER_STEP = "confirm"
T = TypeVar("T")

Data = dict[str, Any]


def encode(state: FlowState) -> tuple[Flow, str, Data]:
    """The state as a row's flow, step and data."""
    match state:
        case IntakeState():
            data: Data = {"follow_up_of": state.follow_up_of}
            if state.category is not None:
                data["category"] = state.category
            if state.subject is not None:
                data["subject"] = state.subject
            return Flow.INTAKE, state.step.value, _taken(data, state.last_message_id)
        case LoginState():
            data = {"username": state.username} if state.username else {}
            return Flow.LOGIN, state.step.value, _taken(data, state.last_message_id)
        case OfferState():
            data = {
                "held": [held_json(message) for message in state.held],
                "albums": list(state.albums),
                "follow_up_of": state.follow_up_of,
            }
            return Flow.OFFER, OFFER_STEP, _taken(data, state.last_message_id)


def decode(flow: str, step: str, data: Mapping[str, Any]) -> FlowState | UnknownFlow:
    """Read a row's state; a flow or data this version does not know is an ``UnknownFlow``."""
    try:
        match flow:
            case Flow.INTAKE:
                return IntakeState(
                    step=IntakeStep(step),
                    follow_up_of=_optional(data.get("follow_up_of"), int),
                    category=_optional(data.get("category"), str),
                    subject=_optional(data.get("subject"), str),
                    last_message_id=_optional(data.get("last_message_id"), int),
                )
            case Flow.LOGIN:
                return LoginState(
                    step=LoginStep(step),
                    username=_optional(data.get("username"), str) or "",
                    last_message_id=_optional(data.get("last_message_id"), int),
                )
            case Flow.OFFER:
                return OfferState(
                    held=tuple(held_message(item) for item in data.get("held") or ()),
                    albums=tuple(_required(album, str) for album in data.get("albums") or ()),
                    follow_up_of=_optional(data.get("follow_up_of"), int),
                    last_message_id=_optional(data.get("last_message_id"), int),
                )
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        pass
    return UnknownFlow(flow, step)


def held_json(message: NewMessage) -> Data:
    """A message held in a conversation, as JSON (a ticket not yet opened)."""
    attachment = message.attachment
    return {
        "text": message.text,
        "formatted": message.formatted,
        "attachment": (
            [attachment.kind.value, attachment.file_id, attachment.details] if attachment else None
        ),
        "origin": [message.origin.chat_id, message.origin.message_id] if message.origin else None,
        "album": message.album,
        "copyable": message.copyable,
        "forwarded_from": message.forwarded_from.to_json() if message.forwarded_from else None,
    }


def held_message(data: Mapping[str, Any]) -> NewMessage:
    """Read a held message back (missing fields read as their defaults)."""
    attachment = data.get("attachment")
    origin = data.get("origin")
    forwarded = data.get("forwarded_from")
    return NewMessage(
        text=str(data.get("text") or ""),
        formatted=_optional(data.get("formatted"), str),
        attachment=(
            Attachment(AttachmentKind(attachment[0]), str(attachment[1]), str(attachment[2]))
            if attachment
            else None
        ),
        origin=ChatRef(int(origin[0]), int(origin[1])) if origin else None,
        album=_optional(data.get("album"), str),
        copyable=bool(data.get("copyable", True)),
        forwarded_from=ForwardOrigin.from_json(forwarded) if forwarded else None,
    )


def _taken(data: Data, last_message_id: int | None) -> Data:
    if last_message_id is not None:
        data["last_message_id"] = last_message_id
    return data


def _optional(value: object, kind: type[T]) -> T | None:
    return None if value is None else _required(value, kind)


def _required(value: object, kind: type[T]) -> T:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"expected {kind.__name__}, got {value!r}")
    return value
