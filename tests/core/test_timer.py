"""The manual timer the engines' tests move by hand: sleeps end only when it passes them."""

from __future__ import annotations

import asyncio

from core.clock import LoopTimer, ManualTimer


class TestManualTimer:
    async def test_a_sleep_ends_when_the_timer_passes_its_end_and_not_before(self) -> None:
        timer = ManualTimer(start=100.0)
        sleeping = asyncio.ensure_future(timer.sleep(5))
        await asyncio.sleep(0)
        timer.advance(4.9)
        await asyncio.sleep(0)
        assert not sleeping.done()
        assert timer.advance(0.1) == 105.0
        await asyncio.wait_for(sleeping, 1)
        assert timer.time() == 105.0
        assert timer.sleepers == 0

    async def test_a_cancelled_sleep_is_forgotten(self) -> None:
        timer = ManualTimer()
        sleeping = asyncio.ensure_future(timer.sleep(5))
        await asyncio.sleep(0)
        assert timer.sleepers == 1
        sleeping.cancel()
        await asyncio.gather(sleeping, return_exceptions=True)
        assert timer.sleepers == 0
        assert timer.slept == [5]


class TestLoopTimer:
    async def test_it_reads_the_event_loops_clock(self) -> None:
        loop_time = asyncio.get_running_loop().time()
        assert loop_time <= LoopTimer().time() <= loop_time + 1
