"""What routes share: the error responses they declare, and turning text into messages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from api.schemas import MAX_ID, ErrorOut
from core.domain.actors import NewMessage


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Declare error responses (all in the one error shape) for the OpenAPI schema.

    Every route may answer 413 (a body over 1 MB, refused before any route is found) and
    422 (a malformed request, or a NUL character in the address).
    """
    return {status: {"model": ErrorOut} for status in sorted({413, 422, *statuses})}


AUTHED = (401,)

TicketId = Annotated[int, Path(ge=1, le=MAX_ID, description="The ticket's number.")]
TelegramUserId = Annotated[int, Path(ge=1, le=MAX_ID, description="The customer's Telegram id.")]


def text_message(content: str) -> NewMessage:
    """A text-only message written over HTTP: no Telegram original to copy from."""
    return NewMessage(text=content, copyable=False)


def subject_from(text: str, limit: int) -> str:
    """A ticket subject from free text: its first line, shortened to the limit."""
    first = " ".join(next((line for line in text.splitlines() if line.strip()), "").split())
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"
