"""``serve``'s watch over polling: a polling loop that dies makes the bot exit with an error.

A bot that takes no updates while looking alive is the worst kind of outage; exiting lets
a supervisor start it again. The process test in ``tests/e2e/test_process.py`` shows the
exit status of ``helpdesk run`` itself.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram.error import Forbidden, InvalidToken

from bot.cli import CommandFailed
from bot.main import watch_polling
from bot.polling import DurablePolling
from tests.bot.fakes import RecordingHandlers, ScriptedUpdates, message


def _polling_task() -> asyncio.Task[object]:
    [task] = [task for task in asyncio.all_tasks() if task.get_name() == "polling"]
    return task


class TestWatchPolling:
    async def test_a_killed_polling_task_ends_serve_with_an_error_and_a_log_line(
        self, polling: DurablePolling, source: ScriptedUpdates, caplog: pytest.LogCaptureFixture
    ) -> None:
        await polling.start()
        watching = asyncio.ensure_future(watch_polling(polling, asyncio.Event()))
        await asyncio.sleep(0)
        assert not watching.done()

        _polling_task().cancel()
        with pytest.raises(CommandFailed, match="polling stopped unexpectedly"):
            async with asyncio.timeout(1):
                await watching
        [line] = [r for r in caplog.records if "polling stopped unexpectedly" in r.message]
        assert line.levelno == logging.ERROR
        assert "cancelled" in line.message
        assert "supervisor" in line.message

    async def test_a_handler_error_that_ends_polling_is_named_without_its_text(
        self,
        polling: DurablePolling,
        source: ScriptedUpdates,
        handlers: RecordingHandlers,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        source.batches = [[message(11, 42)]]
        handlers.failing = {11}
        await polling.start()
        with pytest.raises(CommandFailed, match=r"\(RuntimeError\)"):
            async with asyncio.timeout(1):
                await watch_polling(polling, asyncio.Event())
        assert "handler failed on update" not in caplog.text, "an error's text may quote"

    async def test_a_bot_api_refusal_that_ends_polling_is_named_with_its_description(
        self, polling: DurablePolling, source: ScriptedUpdates
    ) -> None:
        source.batches = [Forbidden("Forbidden: bot was kicked")]
        await polling.start()
        with pytest.raises(CommandFailed, match=r"Forbidden: Forbidden: bot was kicked"):
            async with asyncio.timeout(1):
                await watch_polling(polling, asyncio.Event())

    async def test_a_refused_token_is_raised_as_it_is(
        self, polling: DurablePolling, source: ScriptedUpdates
    ) -> None:
        source.batches = [InvalidToken("Unauthorized")]
        await polling.start()
        with pytest.raises(InvalidToken):
            async with asyncio.timeout(1):
                await watch_polling(polling, asyncio.Event())

    async def test_a_stop_signal_returns_quietly_while_polling_runs(
        self, polling: DurablePolling, source: ScriptedUpdates
    ) -> None:
        await polling.start()
        stop = asyncio.Event()
        watching = asyncio.ensure_future(watch_polling(polling, stop))
        await asyncio.sleep(0)
        stop.set()
        async with asyncio.timeout(1):
            await watching
        assert polling.running
