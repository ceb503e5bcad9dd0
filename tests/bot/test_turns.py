"""Turns at the staff group's budget: who goes next, and when a busy lane waits."""

from __future__ import annotations

import asyncio

from bot.delivery.turns import GroupTurns
from core.clock import ManualTimer


async def _order(turns: GroupTurns, asks: list[tuple[str, bool]]) -> list[str]:
    """Ask for every turn while one is held, then release them one by one; say who went."""
    holder = await turns.take("holder")
    went: list[str] = []

    async def ask(lane: str, urgent: bool) -> None:
        turn = await turns.take(lane, urgent=urgent)
        went.append(lane)
        turn.release()

    tasks = [asyncio.create_task(ask(lane, urgent)) for lane, urgent in asks]
    await asyncio.sleep(0)
    holder.release()
    await asyncio.gather(*tasks)
    return went


class TestGroupTurns:
    async def test_urgent_first_then_the_lane_served_least_recently(self) -> None:
        turns = GroupTurns(per_minute=100_000, timer=ManualTimer())
        (await turns.take("old")).release()  # served once, long before the others asked
        went = await _order(
            turns, [("new 1", False), ("alert", True), ("old", False), ("new 2", False)]
        )
        assert went == ["alert", "old", "new 1", "new 2"]

    async def test_a_lane_just_served_waits_its_share_while_the_budget_is_short(self) -> None:
        timer = ManualTimer()
        turns = GroupTurns(per_minute=20, timer=timer)
        for _ in range(5):  # a quarter of the minute's 20: short from the fifth on
            (await turns.take("busy")).release()
        waiting = asyncio.create_task(turns.take("busy"))
        await asyncio.sleep(0.01)
        assert not waiting.done(), "held for its share of the minute"
        other = await asyncio.wait_for(turns.take("other"), 1)  # others are not held up
        other.release()
        timer.advance(60 / 20)
        (await asyncio.wait_for(waiting, 1)).release()
        await turns.close()
