"""The bot's supervision of its delivery worker: restarts, and a stop that leaves no child."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import pytest

from bot import supervisor
from bot.worker import DeliveryWorker

if TYPE_CHECKING:
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
