"""Long polling that tells Telegram an update was received only after it was handled.

python-telegram-bot's own Updater confirms updates as soon as it has fetched them into
memory, so a crash with a backlog loses those messages. Telegram keeps every update it has
sent until a later ``getUpdates`` passes an ``offset`` past it; here that offset moves past
an update only once its handlers have run. A crash therefore means some updates come again
on the next start, and storing them twice is refused by the desk's duplicate check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.context import DeskApplication
from bot.ratelimit import retry_wait

logger = logging.getLogger(__name__)
MAX_BACKOFF = 30.0


class DurablePolling:
    """Fetch updates, handle them (in order within each chat), then confirm them."""

    def __init__(
        self, application: DeskApplication, *, timeout: int, allowed_updates: list[str]
    ) -> None:
        self._application = application
        self._timeout = timeout
        self._allowed_updates = allowed_updates
        self._offset: int | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.failure: BaseException | None = None

    async def start(self) -> None:
        """Drop any webhook (polling and webhooks exclude each other) and start polling."""
        await self._application.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="polling")

    async def stop(self) -> None:
        """Stop after the batch being handled, and confirm everything handled so far."""
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if self._offset is not None:
            with contextlib.suppress(NetworkError, Conflict, InvalidToken):
                await self._application.bot.get_updates(offset=self._offset, timeout=0, limit=1)

    @property
    def running(self) -> bool:
        """Tell whether the polling loop is alive."""
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        delay = 1.0
        while not self._stop.is_set():
            try:
                updates = await self._fetch()
            except (TimeoutError, TimedOut):
                continue
            except RetryAfter as exc:
                await self._pause(retry_wait(exc).total_seconds())
                continue
            except Conflict:
                logger.warning("another process polls with this bot token; waiting")
                await self._pause(5.0)
                continue
            except InvalidToken as exc:
                self.failure = exc
                logger.error("Telegram refused the bot token; polling stopped")  # noqa: TRY400 - the message holds the token
                return
            except NetworkError as exc:
                logger.warning("cannot reach the Bot API (%s); retrying in %.0fs", exc, delay)
                await self._pause(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            delay = 1.0
            await self._handle(updates)

    async def _handle(self, updates: Sequence[Update]) -> None:
        """Handle a batch: each chat's updates in order, different chats side by side.

        One chat waiting (a reply held back by its flood limit, a slow send) then never
        holds up everyone else. A stop lets the batch finish, so nothing handled is handed
        out again; the offset moves past the whole batch, or, should a handler raise, up to
        the first update not handled.
        """
        by_chat: dict[int | None, list[Update]] = {}
        for update in updates:
            by_chat.setdefault(_chat_of(update), []).append(update)
        unhandled = {update.update_id for update in updates}

        async def handle_in_order(chat_updates: list[Update]) -> None:
            for update in chat_updates:
                await self._application.process_update(update)
                unhandled.discard(update.update_id)

        outcomes = await asyncio.gather(
            *(handle_in_order(batch) for batch in by_chat.values()), return_exceptions=True
        )
        if updates:
            self._offset = min(unhandled, default=updates[-1].update_id + 1)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _fetch(self) -> list:  # type: ignore[type-arg]
        """One ``getUpdates``, given up as soon as a stop is asked for."""
        poll = asyncio.ensure_future(
            self._application.bot.get_updates(
                offset=self._offset, timeout=self._timeout, allowed_updates=self._allowed_updates
            )
        )
        stopping = asyncio.ensure_future(self._stop.wait())
        done, _ = await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if poll not in done:
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await poll
            return []
        stopping.cancel()
        return list(poll.result())

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)


def _chat_of(update: Update) -> int | None:
    """The chat whose updates must be handled in order (the user's, for inline queries)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
