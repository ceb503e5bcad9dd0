"""The sliding-window flood limiter: never more than N sends in any window."""

from __future__ import annotations

import asyncio
import itertools
import math

from bot.ratelimit import MARGIN, SlidingWindowRateLimiter, _Window


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
