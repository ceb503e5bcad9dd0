"""The sliding-window flood limiter: never more than N sends in any window."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import math

import pytest
from telegram.error import RetryAfter

from bot.ratelimit import MARGIN, PRUNE_EVERY, SlidingWindowRateLimiter, _Turnstile, _Window


class TestWindow:
    def test_a_burst_up_to_the_limit_goes_at_once_then_one_must_wait(self) -> None:
        window = _Window(3, 1.0)
        for _ in range(3):
            assert window.wait_needed(0.0) == 0
            window.start()[0] = 0.0
        assert math.isclose(window.wait_needed(0.5), 0.5 + MARGIN)
        assert window.wait_needed(1.0 + MARGIN + 0.001) == 0

    def test_a_send_counts_from_when_its_answer_came(self) -> None:
        window = _Window(1, 1.0)
        send = window.start()
        assert window.wait_needed(10.0) > 0, "still under way: it counts as happening now"
        send[0] = 10.0
        assert math.isclose(window.wait_needed(10.5), 0.5 + MARGIN)

    def test_the_oldest_sends_leave_first(self) -> None:
        window = _Window(2, 1.0)
        for moment in (0.0, 0.4, 0.8):
            window.sends.append([moment])
        assert math.isclose(window.wait_needed(0.9), 0.4 + 1.0 + MARGIN - 0.9)

    @pytest.mark.parametrize(
        ("rate", "per", "limit", "seconds"),
        [(1.5, 1.0, 1, 2 / 3), (0.5, 1.0, 1, 2.0), (20, 60.0, 20, 60.0), (2.5, 60.0, 2, 48.0)],
    )
    def test_fractional_rates_are_kept_exactly(
        self, rate: float, per: float, limit: int, seconds: float
    ) -> None:
        window = _Window.for_rate(rate, per)
        assert window.limit == limit
        assert math.isclose(window.seconds, seconds + MARGIN)


class TestLimiter:
    async def test_sends_into_one_private_chat_keep_a_second_apart(self) -> None:
        limiter = SlidingWindowRateLimiter(per_second=30, private_per_second=1)
        loop = asyncio.get_running_loop()
        times: list[float] = []

        async def send() -> bool:
            times.append(loop.time())
            return True

        await asyncio.gather(
            *(
                limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 42}, None)
                for _ in range(3)
            )
        )
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert all(gap >= 1.0 for gap in gaps), gaps

    async def test_other_chats_are_not_held_up_and_other_calls_go_straight_through(self) -> None:
        limiter = SlidingWindowRateLimiter(per_second=30, private_per_second=1)
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def send() -> bool:
            return True

        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 1}, None)
        await asyncio.gather(
            *(
                limiter.process_request(send, (), {}, "sendMessage", {"chat_id": c}, None)
                for c in range(2, 20)
            ),
            limiter.process_request(
                send, (), {}, "answerCallbackQuery", {"callback_query_id": "x"}, None
            ),
            limiter.process_request(send, (), {}, "editMessageText", {"chat_id": 1}, None),
        )
        assert loop.time() - start < 0.5

    async def test_the_overall_limit_spreads_a_burst_over_seconds(self) -> None:
        limiter = SlidingWindowRateLimiter(per_second=5, private_per_second=1)
        loop = asyncio.get_running_loop()
        times: list[float] = []

        async def send() -> bool:
            times.append(loop.time())
            return True

        await asyncio.gather(
            *(
                limiter.process_request(send, (), {}, "copyMessage", {"chat_id": c}, None)
                for c in range(1, 12)
            )
        )
        times.sort()
        for index in range(len(times) - 5):
            assert times[index + 5] - times[index] >= 1.0, "at most 5 in any second"


async def _ok() -> bool:
    return True


class TestLimiterGroupsAndPauses:
    async def test_an_album_into_a_group_counts_as_one_send(self) -> None:
        limiter = SlidingWindowRateLimiter(group_per_minute=2)
        album = {"chat_id": -100, "media": ["a", "b", "c"]}
        await limiter.process_request(_ok, (), {}, "sendMediaGroup", album, None)
        await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": -100}, None)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(
                limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": -100}, None), 0.3
            )

    async def test_edits_wait_in_a_group_but_not_in_a_private_chat(self) -> None:
        limiter = SlidingWindowRateLimiter(group_per_minute=1, private_per_second=1)
        for chat in (-100, 5):
            await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": chat}, None)
        await asyncio.wait_for(
            limiter.process_request(_ok, (), {}, "editMessageText", {"chat_id": 5}, None), 0.3
        )
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(
                limiter.process_request(_ok, (), {}, "closeForumTopic", {"chat_id": -100}, None),
                0.3,
            )

    async def test_a_429_pauses_that_chat_for_the_time_it_names(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as the bot sets it
        limiter = SlidingWindowRateLimiter(private_per_second=100)
        loop = asyncio.get_running_loop()

        async def refused() -> bool:
            raise RetryAfter(dt.timedelta(seconds=1))

        with pytest.raises(RetryAfter):
            await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 7}, None)
        refused_at = loop.time()
        await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": 8}, None)
        assert loop.time() - refused_at < 0.5, "another chat goes on"
        await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": 7}, None)
        assert loop.time() - refused_at >= 1.0

    async def test_windows_of_idle_chats_are_forgotten(self) -> None:
        limiter = SlidingWindowRateLimiter(per_second=10**9, private_per_second=10**6)
        for chat in range(1, PRUNE_EVERY + 1):
            await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": chat}, None)
        await asyncio.sleep(1.0 + 2 * MARGIN)  # every window is idle now
        await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": -5}, None)
        for chat in range(PRUNE_EVERY + 1, 2 * PRUNE_EVERY):
            await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": chat}, None)
        assert len(limiter._chats) < PRUNE_EVERY + 10


class TestTurnstile:
    async def test_waiters_marked_first_go_before_the_others_in_order(self) -> None:
        turnstile = _Turnstile()
        order: list[str] = []

        async def take(name: str, *, first: bool) -> None:
            async with turnstile.turn(first=first):
                order.append(name)
                await asyncio.sleep(0)

        async with turnstile.turn(first=False):
            tasks = [
                asyncio.create_task(take(name, first=name.startswith("g")))
                for name in ("p1", "g1", "p2", "g2")
            ]
            await asyncio.sleep(0.01)  # every task is waiting now
        await asyncio.gather(*tasks)
        assert order == ["g1", "g2", "p1", "p2"]

    async def test_a_cancelled_waiter_neither_blocks_nor_skips_the_others(self) -> None:
        turnstile = _Turnstile()
        entered: list[str] = []

        async def take(name: str) -> None:
            async with turnstile.turn(first=False):
                entered.append(name)

        async with turnstile.turn(first=False):
            doomed = asyncio.create_task(take("doomed"))
            waiting = asyncio.create_task(take("waiting"))
            await asyncio.sleep(0.01)
            doomed.cancel()
        await asyncio.wait_for(waiting, 1)
        assert entered == ["waiting"]
        async with asyncio.timeout(1), turnstile.turn(first=True):
            pass  # free again

    async def test_a_waiter_cancelled_as_its_turn_came_passes_the_turn_on(self) -> None:
        turnstile = _Turnstile()
        entered: list[str] = []

        async def take(name: str) -> None:
            async with turnstile.turn(first=False):
                entered.append(name)

        holder = turnstile.turn(first=False)
        await holder.__aenter__()
        unlucky = asyncio.create_task(take("unlucky"))
        later = asyncio.create_task(take("later"))
        await asyncio.sleep(0.01)
        await holder.__aexit__(None, None, None)  # hands the turn to "unlucky"...
        unlucky.cancel()  # ...which is cancelled before it runs
        await asyncio.wait_for(later, 1)
        assert entered == ["later"]
