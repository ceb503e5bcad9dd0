"""Long polling that tells Telegram an update was received only after it was handled.

python-telegram-bot's own Updater confirms updates as soon as it has fetched them into
memory, so a crash with a backlog loses those messages. Telegram keeps every update it has
sent until a later ``getUpdates`` passes an ``offset`` past it; here that offset moves past
an update only once its handlers have run. A crash therefore means some updates come again
on the next start, and storing them twice is refused by the desk's duplicate check.

Each update is parsed on its own (``bot.raw_updates``): one the library cannot read is kept
as a dead letter and the offset moves past it, so it neither stops polling nor comes back
forever. Dead letters are retried at every start. No update's content is ever logged.

Where updates come from is a port (``bot.update_source``), and so is the time polling
waits between tries (``core.clock.Timer``): tests run it on scripted batches, without HTTP
and without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.context import UpdateHandling
from bot.dead_letters import keep_dead_letter, keep_failed_update, retry_dead_letters
from bot.inbound import chat_in_order
from bot.ratelimit import retry_wait
from bot.raw_updates import ReadBatch, read_batch
from bot.update_source import UpdateSource
from core.clock import LoopTimer, Timer

logger = logging.getLogger(__name__)
MAX_BACKOFF = 30.0


class BatchIntake(Protocol):
    """What takes a batch's common updates in one go, before they are handled one by one."""

    async def take(
        self, updates: Sequence[Update]
    ) -> dict[int, Callable[[], Awaitable[None]] | None]:
        """Handle (and commit) what it can of a batch, in one go.

        Only a leading run of each chat's updates may be taken, so each chat keeps its
        order. Returns the ids of the updates taken, each with what is left to do for it
        in its chat's turn (an answer), which must not raise; raises when nothing was taken.
        """
        ...


class DurablePolling:
    """Fetch updates, handle them (in order within each chat), then confirm them."""

    def __init__(
        self,
        application: UpdateHandling,
        source: UpdateSource,
        *,
        timer: Timer | None = None,
        intake: BatchIntake | None = None,
    ) -> None:
        """Poll ``source`` for ``application``; pauses between tries wait on ``timer``.

        ``intake``, when given, is offered each batch first (see ``_handle``).
        """
        self._application = application
        self._source = source
        self._intake = intake
        self._timer = timer if timer is not None else LoopTimer()
        self._offset: int | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.failure: BaseException | None = None

    async def start(self) -> None:
        """Drop any webhook (polling and webhooks exclude each other), retry the dead
        letters, and start polling."""
        await self._source.open()
        await self._retry_dead_letters()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="polling")

    async def stop(self) -> None:
        """Stop after the batch being handled, and confirm everything handled so far."""
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if self._offset is not None:
            with contextlib.suppress(TelegramError):
                await self._source.confirm(self._offset)
        await self._source.close()

    @property
    def running(self) -> bool:
        """Tell whether the polling loop is alive."""
        return self._task is not None and not self._task.done()

    async def ended(self) -> None:
        """Return once the polling loop has ended, by a stop or on its own."""
        if self._task is not None:
            await asyncio.wait({self._task})

    @property
    def crash(self) -> BaseException | None:
        """What ended the loop when no stop was asked for and it did not set ``failure``.

        A loop that was cancelled ends with ``CancelledError``. None while the loop runs.
        """
        task = self._task
        if task is None or not task.done() or self._stop.is_set() or self.failure is not None:
            return None
        if task.cancelled():
            return asyncio.CancelledError()
        return task.exception() or RuntimeError("the polling loop returned on its own")

    async def _run(self) -> None:
        delay = 1.0
        while not self._stop.is_set():
            try:
                raw_updates = await self._fetch()
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
            if not await self._handle(read_batch(raw_updates, self._application.bot)):
                await self._pause(1.0)  # a dead letter could not be stored: not in a tight loop

    async def _handle(self, batch: ReadBatch) -> bool:
        """Handle a batch: each chat's updates in order, different chats side by side.

        Unreadable updates are kept as dead letters first. The intake then takes the
        common updates in one go (one transaction for the batch); the rest are handled one
        by one, after those of their chat it took. One chat waiting (a reply held
        back by its flood limit, a slow send) then never holds up everyone else. A stop
        lets the batch finish, so nothing handled is handed out again; the offset moves past
        the whole batch, or, should a handler raise or a dead letter not be stored, up to
        the first update not handled.

        Returns:
            Whether the whole batch was confirmed.
        """
        if batch.without_id:
            logger.error(
                "the Bot API sent %d update(s) without an update id; they cannot be kept",
                batch.without_id,
            )
        unhandled = {update.update_id for update in batch.updates}
        for unreadable in batch.unreadable:
            try:
                await keep_dead_letter(self._application, unreadable)
            except Exception as exc:  # the update is confirmed only once kept
                # The error's text may quote the update (SQL parameters): name its type only.
                logger.error(  # noqa: TRY400 - the traceback may quote the update too
                    "could not keep the unreadable update %s (%s); it comes again",
                    unreadable.update_id,
                    type(exc).__name__,
                )
                unhandled.add(unreadable.update_id)
        by_chat: dict[int | None, list[Update]] = {}
        for update in batch.updates:
            chat_id = chat_in_order(update)
            if logger.isEnabledFor(logging.DEBUG):  # the kind costs a serialisation
                logger.debug(
                    "update %s: %s in chat %s", update.update_id, _kind_of(update), chat_id
                )
            by_chat.setdefault(chat_id, []).append(update)

        taken = await self._take(batch.updates)
        unhandled.difference_update(taken)  # committed: confirmed even should a chat fail

        async def handle_in_order(chat_updates: list[Update]) -> None:
            for update in chat_updates:
                if update.update_id in taken:
                    follow_up = taken[update.update_id]
                    if follow_up is not None:
                        await follow_up()
                    continue
                await self._application.process_update(update)
                failure = self._application.bot_data.failure_of(update.update_id)
                if failure is not None and not await self._keep_failed(update, failure):
                    return  # it comes again, and the rest of its chat after it
                unhandled.discard(update.update_id)

        outcomes = await asyncio.gather(
            *(handle_in_order(updates) for updates in by_chat.values()), return_exceptions=True
        )
        if batch.next_offset is not None:
            self._offset = min(unhandled, default=batch.next_offset)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return not unhandled

    async def _keep_failed(self, update: Update, failure: str) -> bool:
        """Keep an update its handler failed on; whether it was kept (else it comes again)."""
        try:
            await keep_failed_update(self._application, update, failure)
        except Exception as exc:  # not kept: not confirmed either
            # The error's text may quote the update (SQL parameters): name its type only.
            logger.error(  # noqa: TRY400 - the traceback may quote the update too
                "could not keep update %s its handler failed on (%s); it comes again",
                update.update_id,
                type(exc).__name__,
            )
            return False
        return True

    async def _take(self, updates: list[Update]) -> dict[int, Callable[[], Awaitable[None]] | None]:
        """Offer the batch to the intake; nothing is taken when it fails (or there is none)."""
        if self._intake is None or not updates:
            return {}
        try:
            return await self._intake.take(updates)
        except Exception as exc:  # the updates are then handled one by one, as ever
            # The error's text may quote an update (SQL parameters): name its type only.
            logger.warning(
                "could not store the batch's messages together (%s); handling them one by one",
                type(exc).__name__,
            )
            return {}

    async def _fetch(self) -> list[object]:
        """One fetch from the source, given up as soon as a stop is asked for."""
        poll = asyncio.ensure_future(self._source.fetch(self._offset))
        if not await _first_of(poll, self._stop.wait()):
            return []
        return poll.result()

    async def _retry_dead_letters(self) -> None:
        """Feed the dead letters to the handlers again: an upgrade may read them now."""
        try:
            outcome = await retry_dead_letters(self._application)
        except Exception as exc:  # they stay kept; polling must start anyway
            logger.error(  # noqa: TRY400 - the traceback may quote an update
                "could not retry the dead letters (%s); they stay kept", type(exc).__name__
            )
            return
        if outcome.handled or outcome.unreadable or outcome.failed:
            logger.info(
                "dead letters retried at startup: %d read and handled, %d still unreadable, "
                "%d failed again in a handler",
                len(outcome.handled),
                len(outcome.unreadable),
                len(outcome.failed),
            )

    async def _pause(self, seconds: float) -> None:
        """Wait ``seconds`` on the timer, or less when a stop is asked for."""
        await _first_of(self._timer.sleep(seconds), self._stop.wait())


async def _first_of(work: Awaitable[object], stop: Awaitable[object]) -> bool:
    """Wait for ``work`` or ``stop``, whichever ends first; cancel the other.

    Returns:
        Whether ``work`` ended (its result or error is then in the future it became).
    """
    working, stopping = asyncio.ensure_future(work), asyncio.ensure_future(stop)
    try:
        await asyncio.wait({working, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not working.done():
            working.cancel()
        await asyncio.gather(working, stopping, return_exceptions=True)
    return not working.cancelled()


def _kind_of(update: Update) -> str:
    """The update's kind (``message``, ``callback_query``...), never its content."""
    kinds = [key for key in update.to_dict() if key != "update_id"]
    return kinds[0] if kinds else "unknown"
