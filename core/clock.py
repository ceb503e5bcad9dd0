"""Time, as something services and engines are given, so tests can hold it still or move it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time (timezone-aware, UTC)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current time (timezone-aware, UTC)."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to; for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the held time."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward and return the new time."""
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (timezone-aware)."""
        self._now = when.astimezone(UTC)


class Timer(Protocol):
    """Elapsed time and waiting, for engines that pace themselves (delivery, polling).

    Separate from ``Clock``: a ``Clock`` tells the date (stored, compared with deadlines),
    a ``Timer`` measures intervals and sleeps. Tests hand an engine a ``ManualTimer`` and
    move time themselves instead of waiting for it.
    """

    def time(self) -> float:
        """Return a monotonic reading, in seconds."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return after ``seconds`` have passed on this timer."""
        ...


class LoopTimer:
    """The real timer: the running event loop's clock and ``asyncio.sleep``."""

    def time(self) -> float:
        """Return the event loop's monotonic time, in seconds."""
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        await asyncio.sleep(seconds)


class ManualTimer:
    """A timer that moves only when told to: sleepers wake when ``advance`` passes their end."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []
        self.slept: list[float] = []  # every sleep asked for, in order

    def time(self) -> float:
        """Return the held time."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Wait until the timer has been advanced by ``seconds`` (yield once when it is 0)."""
        self.slept.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + seconds, woken))
        try:
            await woken
        finally:
            self._sleepers = [(end, f) for end, f in self._sleepers if f is not woken]

    @property
    def sleepers(self) -> int:
        """How many sleeps are under way."""
        return sum(1 for _, woken in self._sleepers if not woken.done())

    def advance(self, seconds: float) -> float:
        """Move the timer forward, wake the sleeps that end by then, return the new time."""
        self._now += seconds
        for end, woken in self._sleepers:
            if end <= self._now and not woken.done():
                woken.set_result(None)
        return self._now
