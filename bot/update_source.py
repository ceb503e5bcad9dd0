"""The update source: where polling gets raw updates from, and how it confirms them.

``DurablePolling`` decides when an update counts as handled and so which offset to confirm;
an ``UpdateSource`` fetches and confirms. ``BotApiUpdates`` does it with ``getUpdates``
over HTTP (``bot.raw_updates``); tests hand polling a source that answers with scripted
batches and records the offsets it is given.
"""

from __future__ import annotations

from typing import Protocol

from telegram import Bot

from bot.raw_updates import PollingRequest, fetch_raw_updates


class UpdateSource(Protocol):
    """Raw updates, fetched in batches and confirmed by offset.

    ``fetch`` and ``confirm`` raise ``TelegramError`` as any Bot API call would
    (``TimedOut``, ``RetryAfter``, ``Conflict``, ``InvalidToken``, ``NetworkError``...).
    """

    async def open(self) -> None:
        """Get ready to fetch (polling and a webhook exclude each other: drop the webhook)."""
        ...

    async def fetch(self, offset: int | None) -> list[object]:
        """Wait for the next batch after confirming every update below ``offset``."""
        ...

    async def confirm(self, offset: int) -> None:
        """Confirm every update below ``offset`` without waiting for new ones."""
        ...

    async def close(self) -> None:
        """Let go of the connection."""
        ...


class BotApiUpdates:
    """``getUpdates`` long polling over a connection of its own, read update by update.

    Args:
        bot: the bot (its API address, and ``deleteWebhook``).
        allowed_updates: the update kinds wanted.
        poll_timeout: the long poll's ``timeout``, in seconds.
        http_timeout: how long any other part of a request may take, in seconds.
    """

    def __init__(
        self, bot: Bot, *, allowed_updates: list[str], poll_timeout: int, http_timeout: float
    ) -> None:
        self._bot = bot
        self._allowed_updates = allowed_updates
        self._poll_timeout = poll_timeout
        self._read_timeout = poll_timeout + http_timeout
        # Two connections: the last getUpdates at shutdown must not wait for the cancelled one.
        self._request = PollingRequest(
            connection_pool_size=2,
            read_timeout=http_timeout,
            write_timeout=http_timeout,
            connect_timeout=http_timeout,
            pool_timeout=http_timeout,
        )

    async def open(self) -> None:
        """Open the connection and drop any webhook (keeping the updates it holds)."""
        await self._request.initialize()
        await self._bot.delete_webhook(drop_pending_updates=False)

    async def fetch(self, offset: int | None) -> list[object]:
        """One long ``getUpdates``."""
        return await self._get(offset=offset, wait=self._poll_timeout)

    async def confirm(self, offset: int) -> None:
        """One ``getUpdates`` with ``timeout=0`` and ``limit=1``: confirms, takes nothing."""
        await self._get(offset=offset, wait=0, limit=1)

    async def close(self) -> None:
        """Close the connection."""
        await self._request.shutdown()

    async def _get(
        self, *, offset: int | None, wait: int, limit: int | None = None
    ) -> list[object]:
        return await fetch_raw_updates(
            self._request,
            self._bot,
            offset=offset,
            wait=wait,
            allowed_updates=self._allowed_updates,
            read_timeout=self._read_timeout,
            limit=limit,
        )
