"""Durable polling over a scripted update source: what is handled, and what is confirmed.

The offset moves past an update only once it is handled (or kept as a dead letter); chats
are handled side by side, each in order. No HTTP, and pauses wait on a manual timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter

from bot.dead_letters import keep_failed_update, retry_dead_letters
from bot.polling import DurablePolling
from core.clock import ManualTimer
from core.desk import Desk
from tests.bot.fakes import RecordingHandlers, ScriptedUpdates, message

ANN, BOB = 42, 43


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - polling's tasks set no event
            await asyncio.sleep(0.005)


class TestOffsets:
    async def test_a_handled_batch_is_confirmed_by_the_next_fetch(
        self, polling: DurablePolling, source: ScriptedUpdates, handlers: RecordingHandlers
    ) -> None:
        source.batches = [[message(10, ANN), message(11, ANN)], [message(12, BOB)]]
        await polling.start()
        await _until(lambda: len(source.fetched_with) == 3)
        assert source.fetched_with == [None, 12, 13]
        assert [update_id for update_id, _ in handlers.handled] == [10, 11, 12]

    async def test_a_handler_failing_mid_batch_leaves_the_offset_at_the_first_unhandled(
        self, polling: DurablePolling, source: ScriptedUpdates, handlers: RecordingHandlers
    ) -> None:
        source.batches = [[message(10, ANN), message(11, ANN), message(12, ANN), message(13, BOB)]]
        handlers.failing = {11}
        await polling.start()
        await polling.ended()
        assert isinstance(polling.crash, RuntimeError), "the handler's error ends polling"
        await polling.stop()

        assert sorted(handlers.handled) == [(10, ANN), (13, BOB)], "12 waits for 11"
        assert source.confirmed == [11], "11 and 12 come again on the next start"

    async def test_stop_confirms_what_was_handled_and_closes_the_source(
        self, polling: DurablePolling, source: ScriptedUpdates, handlers: RecordingHandlers
    ) -> None:
        source.batches = [[message(10, ANN), message(11, BOB)]]
        await polling.start()
        await _until(lambda: len(source.fetched_with) == 2)  # waiting in the next long poll
        await polling.stop()
        assert source.confirmed == [12]
        assert source.closed
        assert not polling.running

    async def test_a_stop_before_any_update_confirms_nothing(
        self, polling: DurablePolling, source: ScriptedUpdates
    ) -> None:
        await polling.start()
        await _until(lambda: len(source.fetched_with) == 1)
        await polling.stop()
        assert source.confirmed == []
        assert source.opened
        assert source.closed


class TestChats:
    async def test_each_chat_is_handled_in_order_and_chats_side_by_side(
        self, polling: DurablePolling, source: ScriptedUpdates, handlers: RecordingHandlers
    ) -> None:
        source.batches = [[message(1, ANN), message(2, BOB), message(3, ANN), message(4, BOB)]]
        ann_waits = asyncio.Event()
        handlers.holds[ANN] = ann_waits
        await polling.start()
        try:
            await _until(lambda: len(handlers.handled) == 2)
            assert handlers.handled == [(2, BOB), (4, BOB)], "Bob is not held up by Ann's wait"
            assert source.fetched_with == [None], "confirmed only once all is handled"
        finally:
            ann_waits.set()
        await _until(lambda: len(source.fetched_with) == 2)
        assert handlers.handled[2:] == [(1, ANN), (3, ANN)]
        assert source.fetched_with == [None, 5]


class TestDeadLetters:
    async def test_an_unreadable_update_is_kept_and_the_offset_moves_past_it(
        self,
        polling: DurablePolling,
        source: ScriptedUpdates,
        handlers: RecordingHandlers,
        desk: Desk,
    ) -> None:
        source.batches = [[message(20, ANN), message(21, ANN, date=None), message(22, ANN)]]
        await polling.start()
        await _until(lambda: len(source.fetched_with) == 2)
        assert source.fetched_with == [None, 23]
        assert handlers.handled == [(20, ANN), (22, ANN)]
        [letter] = await desk.dead_letters.letters()
        assert (letter.update_id, letter.kind) == (21, "message")

    async def test_a_dead_letter_that_cannot_be_kept_holds_the_offset(
        self,
        polling: DurablePolling,
        source: ScriptedUpdates,
        handlers: RecordingHandlers,
        desk: Desk,
        timer: ManualTimer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        async def refuse(*args: object, **kwargs: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(desk.dead_letters, "record", refuse)
        source.batches = [[message(20, ANN), message(21, ANN, date=None), message(22, ANN)]]
        await polling.start()
        await _until(lambda: timer.slept == [1.0])  # a pause, not a tight loop
        timer.advance(1.0)
        await _until(lambda: len(source.fetched_with) == 2)
        assert source.fetched_with == [None, 21], "21 comes again"
        assert handlers.handled == [(20, ANN), (22, ANN)]


class TestFailedHandlers:
    """python-telegram-bot swallows a handler's error: the update is kept, never lost."""

    async def test_an_update_whose_handler_failed_is_kept_and_the_offset_moves_on(
        self,
        polling: DurablePolling,
        source: ScriptedUpdates,
        handlers: RecordingHandlers,
        desk: Desk,
    ) -> None:
        handlers.swallowed.add(21)
        source.batches = [[message(20, ANN), message(21, ANN), message(22, ANN)]]
        await polling.start()
        await _until(lambda: len(source.fetched_with) == 2)
        assert source.fetched_with == [None, 23]
        assert handlers.handled == [(20, ANN), (22, ANN)]
        [letter] = await desk.dead_letters.letters()
        assert (letter.update_id, letter.kind) == (21, "message")
        assert letter.error == "a handler raised TimeoutError"
        assert letter.raw["message"]["text"] == "message 21", "kept whole, to be handled again"

    async def test_a_failed_update_that_cannot_be_kept_is_not_confirmed(
        self,
        polling: DurablePolling,
        source: ScriptedUpdates,
        handlers: RecordingHandlers,
        desk: Desk,
        timer: ManualTimer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        async def refuse(*args: object, **kwargs: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(desk.dead_letters, "record", refuse)
        handlers.swallowed.add(21)
        source.batches = [[message(20, ANN), message(21, ANN), message(22, BOB)]]
        await polling.start()
        await _until(lambda: bool(timer.slept))
        timer.advance(timer.slept[-1])
        await _until(lambda: len(source.fetched_with) == 2)
        assert source.fetched_with == [None, 21], "21 comes again"
        assert sorted(handlers.handled) == [(20, ANN), (22, BOB)]

    async def test_a_retry_handles_a_kept_update_or_counts_one_more_failure(
        self, handlers: RecordingHandlers, desk: Desk
    ) -> None:
        update = Update.de_json(message(21, ANN), handlers.bot)
        await keep_failed_update(handlers, update, "TimeoutError")
        handlers.swallowed.add(21)
        again = await retry_dead_letters(handlers)
        assert (again.handled, again.failed) == ([], [21])
        [letter] = await desk.dead_letters.letters()
        assert letter.attempts == 2
        handlers.swallowed.clear()
        done = await retry_dead_letters(handlers)
        assert (done.handled, done.failed) == ([21], [])
        assert handlers.handled == [(21, ANN)]
        assert await desk.dead_letters.letters() == []


class TestPauses:
    async def test_network_errors_back_off_on_the_timer(
        self, polling: DurablePolling, source: ScriptedUpdates, timer: ManualTimer
    ) -> None:
        source.batches = [NetworkError("down"), NetworkError("down"), NetworkError("down"), []]
        await polling.start()
        for pause in (1.0, 2.0, 4.0):
            await _until(lambda: timer.sleepers == 1)
            assert timer.slept[-1] == pause
            timer.advance(pause)
        await _until(lambda: len(source.fetched_with) == 5)
        assert timer.slept == [1.0, 2.0, 4.0]

    async def test_a_flood_limit_pauses_for_the_time_telegram_asks(
        self,
        polling: DurablePolling,
        source: ScriptedUpdates,
        timer: ManualTimer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22 warns when retry_after is read as int
        source.batches = [RetryAfter(timedelta(seconds=9)), [message(1, ANN)]]
        await polling.start()
        await _until(lambda: timer.sleepers == 1)
        assert timer.slept == [9.0]
        timer.advance(8.9)
        await asyncio.sleep(0.01)
        assert source.fetched_with == [None], "no fetch before the wait is over"
        timer.advance(0.1)
        await _until(lambda: len(source.fetched_with) == 3)

    async def test_a_stop_cuts_a_pause_short(
        self, polling: DurablePolling, source: ScriptedUpdates, timer: ManualTimer
    ) -> None:
        source.batches = [NetworkError("down")]
        await polling.start()
        await _until(lambda: timer.sleepers == 1)
        async with asyncio.timeout(1):
            await polling.stop()
        assert timer.sleepers == 0

    async def test_a_refused_token_ends_polling_with_the_failure(
        self, polling: DurablePolling, source: ScriptedUpdates
    ) -> None:
        source.batches = [InvalidToken("Unauthorized")]
        await polling.start()
        await polling.ended()
        assert isinstance(polling.failure, InvalidToken)
        assert polling.crash is None
