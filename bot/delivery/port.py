"""The sending port: what the outbox dispatcher needs from whatever delivers a unit.

The dispatcher decides which rows go out when, in which order, and how each outcome is
settled; an implementation of ``NoticeSending`` makes the calls. ``NoticeSender`` makes
them to Telegram; tests hand the dispatcher an in-memory one that answers as scripted
(the way httpx pairs its transport with ``MockTransport``).

The contract, both ways:

- ``send`` achieves the unit's effect and says where its messages went, or raises the
  ``TelegramError`` it got (``RetryAfter``, ``NetworkError``, ``Forbidden``...), or
  ``PartialDelivery`` when a send of several calls failed part way, or
  ``StaffChatMissing`` when the unit is for a staff chat that is not configured.
- ``send`` calls ``progress`` after each call but the last of a send of several calls.
- ``recreate_topic`` makes a deleted ticket topic again, so the unit can be sent again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from telegram.error import TelegramError

from core.services.delivery import Receipts
from core.views import OutboxItem

Progress = Callable[[int, Receipts], Awaitable[None]]
"""Records that the first N calls of a row's send went out, and where their messages went."""


class StaffChatMissing(Exception):
    """Raised when a staff notice is due but ``STAFF_CHAT_ID`` is not set."""


class PartialDelivery(Exception):
    """Raised when a send of several calls failed after ``done`` of them went out."""

    def __init__(self, done: int, cause: TelegramError) -> None:
        super().__init__(f"failed after {done} call(s): {cause}")
        self.done = done
        self.cause = cause


class NoticeSending(Protocol):
    """Delivers one unit of the outbox (one row, or consecutive copies of one lane)."""

    async def send(self, unit: Sequence[OutboxItem], progress: Progress | None = None) -> Receipts:
        """Deliver the unit and say where its messages went.

        Raises:
            TelegramError: the call was refused or did not get through.
            PartialDelivery: a send of several calls failed after some went out.
            StaffChatMissing: the unit is for the staff chat and none is configured.
        """
        ...

    async def recreate_topic(self, number: int) -> None:
        """Make ticket ``number``'s deleted topic again (with a fresh card)."""
        ...
