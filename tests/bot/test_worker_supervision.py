"""The bot's supervision of its delivery worker: restarts, a stop that leaves no child, and
the wakes the bot sends it over the child's stdin."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from bot import supervisor
from bot import worker as worker_module
from bot.worker import DeliveryWorker

if TYPE_CHECKING:
    from bot.delivery.dispatcher import OutboxDispatcher
    from core.desk import Desk

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


class FreedLeases:
    """The outbox side of a desk: records whose leases were handed back."""

    def __init__(self) -> None:
        self.owners: list[str] = []

    async def release_all(self, owner: str) -> int:
        self.owners.append(owner)
        return 1


class SleepingWorker(DeliveryWorker):
    """A worker whose child only sleeps; starting one takes ``spawn_delay`` seconds."""

    def __init__(self, spawn_delay: float = 0.0) -> None:
        self.delivery = FreedLeases()
        super().__init__(cast("Desk", self))
        self.spawn_delay = spawn_delay
        self.children: list[asyncio.subprocess.Process] = []
        self.owners: list[str] = []
        self.spawning = asyncio.Event()

    async def _spawn(self) -> None:
        self.spawning.set()
        await asyncio.sleep(self.spawn_delay)
        self._owner = f"child-{len(self.children)}"
        self.owners.append(self._owner)
        self._process = await asyncio.create_subprocess_exec(*SLEEPER)
        self.children.append(self._process)


@pytest.fixture(autouse=True)
def fast_restarts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervisor, "RESTART_DELAY", 0.2)


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 - a child process sets no event
            await asyncio.sleep(0.02)


class TestSupervision:
    async def test_a_dead_worker_is_started_again(self) -> None:
        worker = SleepingWorker()
        await worker.start()
        try:
            worker.children[0].kill()
            await _until(lambda: len(worker.children) == 2)
            assert worker.children[1].returncode is None
            assert worker.delivery.owners == ["child-0"], "the dead child's rows go out now"
        finally:
            await worker.stop()
        assert all(child.returncode is not None for child in worker.children)

    async def test_stop_while_waiting_to_restart_returns_at_once(self) -> None:
        worker = SleepingWorker()
        await worker.start()
        worker.children[0].kill()
        await worker.children[0].wait()
        await asyncio.sleep(0.05)  # the watcher is now waiting to restart
        async with asyncio.timeout(2):
            await worker.stop()
        assert len(worker.children) == 1

    async def test_a_child_started_while_stopping_is_stopped_too(self) -> None:
        worker = SleepingWorker()
        await worker.start()
        worker.spawn_delay = 0.5
        worker.spawning.clear()
        worker.children[0].kill()
        await _until(worker.spawning.is_set)  # the restart is under way
        await worker.stop()
        assert len(worker.children) == 2
        assert all(child.returncode is not None for child in worker.children)


class EchoingWorker(DeliveryWorker):
    """A worker whose child copies what reaches its stdin into a file."""

    def __init__(self, into: Path) -> None:
        self.delivery = FreedLeases()
        super().__init__(cast("Desk", self))
        self.into = into

    def command(self) -> list[str]:
        copy = (
            "import sys; o = open(sys.argv[1], 'ab', 0)\n"
            "while b := sys.stdin.buffer.read(1): o.write(b)"
        )
        return [sys.executable, "-c", copy, str(self.into)]


class KickCounter:
    """The dispatcher's side of a wake: counts kicks."""

    def __init__(self) -> None:
        self.kicks = 0

    def kick(self) -> None:
        self.kicks += 1


class TestWakes:
    async def test_a_wake_is_a_byte_on_the_running_childs_stdin(self, tmp_path: Path) -> None:
        received = tmp_path / "stdin"
        worker = EchoingWorker(received)
        worker.wake()  # no child yet: nothing to tell
        await worker.start()
        try:
            worker.wake()
            await _until(lambda: received.exists() and received.read_bytes() == b".")
            worker.wake()
            await _until(lambda: received.read_bytes() == b"..")
        finally:
            await worker.stop()
        worker.wake()  # the child is gone: nothing is written, nothing raised

    async def test_each_wake_the_worker_reads_kicks_its_dispatcher(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        reading, writing = os.pipe()
        stdin = os.fdopen(reading, "rb", buffering=0)
        monkeypatch.setattr(sys, "stdin", stdin)
        dispatcher = KickCounter()
        listening = asyncio.get_running_loop().create_task(
            worker_module._wake_on_stdin(cast("OutboxDispatcher", dispatcher))
        )
        try:
            os.write(writing, b".")
            await _until(lambda: dispatcher.kicks == 1)
            os.write(writing, b".")
            await _until(lambda: dispatcher.kicks == 2)
        finally:
            os.close(writing)  # the bot is gone: the end of the pipe ends the listening
        async with asyncio.timeout(5):
            await listening
        assert dispatcher.kicks == 2

    async def test_without_a_pipe_on_stdin_the_worker_only_polls(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        plain = tmp_path / "plain"
        plain.write_bytes(b"...")
        with plain.open("rb") as stdin:
            monkeypatch.setattr(sys, "stdin", stdin)
            dispatcher = KickCounter()
            async with asyncio.timeout(5):
                await worker_module._wake_on_stdin(cast("OutboxDispatcher", dispatcher))
        assert dispatcher.kicks == 0
