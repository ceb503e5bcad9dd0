"""Button data: short strings that carry ids, never state (Telegram allows 64 bytes).

Format ``<scope>:<action>[:<number>[:<argument>]]``, for example ``t:st:42:pending``.
``scope`` is ``t`` for staff actions on a ticket, ``c`` for a customer's, ``q`` for the agent
queue. Every press is checked again against the current state by the handler that gets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import DeskError

MAX_BYTES = 64
_PART = re.compile(r"[A-Za-z0-9_.\-]{1,40}")


class StaleButton(DeskError):
    """Raised for a press whose data no longer makes sense (or never did: a forged one)."""

    def __init__(self) -> None:
        super().__init__("This button is not valid any more.")


@dataclass(frozen=True, slots=True)
class Press:
    """A decoded button press."""

    scope: str
    action: str
    number: int | None = None
    argument: str | None = None


def encode(scope: str, action: str, number: int | None = None, argument: str | None = None) -> str:
    """Build button data.

    Raises:
        ValueError: a part has characters outside ``[A-Za-z0-9_.-]`` or the whole is too long.
    """
    parts = [scope, action]
    if number is not None:
        if not 0 <= number < 10**18:
            raise ValueError(f"bad button data: number {number} is out of range")
        parts.append(str(number))
    if argument is not None:
        if number is None:
            parts.append("0")
        parts.append(argument)
    data = ":".join(parts)
    if not all(_PART.fullmatch(part) for part in parts) or len(data.encode()) > MAX_BYTES:
        raise ValueError(f"bad button data {data!r}")
    return data


def decode(data: str | None) -> Press | None:
    """Read button data; None when it is not something this bot made."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if not 2 <= len(parts) <= 4 or not all(_PART.fullmatch(part) for part in parts):
        return None
    number = None
    if len(parts) >= 3:
        if not parts[2].isdigit() or len(parts[2]) > 18:
            return None
        number = int(parts[2])
    return Press(parts[0], parts[1], number, parts[3] if len(parts) == 4 else None)
