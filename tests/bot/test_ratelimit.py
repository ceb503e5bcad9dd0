"""The sliding-window flood limiter: never more than N sends in any window.

The limiter runs on a fake clock here: time moves only when every send is waiting on it,
and then jumps straight to the next wake-up, so a minute of flood limits takes no time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import itertools
import math
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import pytest
from telegram.error import RetryAfter

from bot.ratelimit import (
    GROUP_LINGER,
    IN_FLIGHT_POLL,
    MARGIN,
    PRUNE_EVERY,
    SlidingWindowRateLimiter,
    _Turnstile,
    _Window,
)

T = TypeVar("T")
SETTLE_TURNS = 50  # loop turns that let every woken send run on to its next wait
MOST_WAKE_UPS = 2000  # more in one run means the sends never get through


class FakeClock:
    """A clock whose time moves only when told to, or when nothing else can run."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now_ = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def time(self) -> float:
        """The fake time."""
        return self.now_

    async def sleep(self, seconds: float) -> None:
        """Wait until the fake time has moved ``seconds`` on."""
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now_ + max(0.0, seconds), next(self._order), wake))
        await wake

    async def run(self, *sends: Awaitable[T]) -> list[T]:
        """Run ``sends`` side by side to the end, jumping time whenever all of them wait."""
        together = asyncio.gather(*sends)
        for _ in range(MOST_WAKE_UPS):
            await _settle(together)
            if together.done():
                break
            if not self._sleepers:
                together.cancel()
                raise AssertionError("every send waits, and not on the clock")
            self._wake_next()
        else:
            together.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await together
            raise AssertionError(f"the sends still wait after {MOST_WAKE_UPS} wake-ups")
        return await together

    async def advance(self, seconds: float) -> None:
        """Move time ``seconds`` on, waking each sleeper at its own moment."""
        until = self.now_ + seconds
        await _settle()
        while self._sleepers and self._sleepers[0][0] <= until:
            self._wake_next()
            await _settle()
        self.now_ = until

    def _wake_next(self) -> None:
        moment = self._sleepers[0][0]
        self.now_ = max(self.now_, moment)
        while self._sleepers and self._sleepers[0][0] <= moment:
            _, _, wake = heapq.heappop(self._sleepers)
            if not wake.done():
                wake.set_result(None)


async def _settle(done: asyncio.Future[Any] | None = None) -> None:
    for _ in range(SETTLE_TURNS):
        if done is not None and done.done():
            return
        await asyncio.sleep(0)


@pytest.fixture(name="clock")
def fixture_clock() -> FakeClock:
    """A fake clock at t = 1000 s."""
    return FakeClock()


class Sends:
    """Makes calls through a limiter and notes when each reached the fake server."""

    def __init__(self, limiter: SlidingWindowRateLimiter, clock: FakeClock) -> None:
        self.limiter = limiter
        self.clock = clock
        self.log: list[tuple[float, int | str]] = []

    def send(
        self, chat: int | str, method: str = "sendMessage", **data: Any
    ) -> Coroutine[Any, Any, Any]:
        """One call of ``method`` into ``chat``, answered at once."""

        async def arrive() -> bool:
            self.log.append((self.clock.time(), chat))
            return True

        return self.call(arrive, chat, method, **data)

    def call(
        self,
        callback: Callable[[], Coroutine[Any, Any, bool]],
        chat: int | str,
        method: str = "sendMessage",
        **data: Any,
    ) -> Coroutine[Any, Any, Any]:
        """``callback`` as the limiter's request of ``method`` into ``chat``."""
        return self.limiter.process_request(
            callback, (), {}, method, {"chat_id": chat, **data}, None
        )

    def offsets(self, chat: int | str | None = None) -> list[float]:
        """When the sends (into ``chat``) arrived, in seconds from the start."""
        return [
            round(moment - 1000.0, 6) for moment, into in self.log if chat is None or into == chat
        ]


def limited(clock: FakeClock, **limits: float) -> Sends:
    """A limiter with these limits on the fake clock."""
    return Sends(SlidingWindowRateLimiter(clock=clock, **limits), clock)


STEP = 1.0 + MARGIN  # a one-second window, with the limiter's margin


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


class TestOverallWindow:
    async def test_a_burst_goes_out_up_to_the_limit_then_a_window_later(
        self, clock: FakeClock
    ) -> None:
        sends = limited(clock, per_second=5, private_per_second=1)
        await clock.run(*(sends.send(chat, "copyMessage") for chat in range(1, 12)))
        assert sends.offsets() == pytest.approx([0.0] * 5 + [STEP] * 5 + [2 * STEP])

    async def test_other_calls_and_private_edits_go_straight_through(
        self, clock: FakeClock
    ) -> None:
        sends = limited(clock, per_second=1, private_per_second=1)
        await clock.run(sends.send(1))
        await clock.run(
            sends.send(1, "editMessageText"),
            sends.send(2, "answerCallbackQuery"),
            sends.send(3, "getChat"),
        )
        assert sends.offsets() == [0.0, 0.0, 0.0, 0.0], "the full windows held none of them"


class TestPrivateChatWindow:
    async def test_sends_into_one_private_chat_keep_a_second_apart(self, clock: FakeClock) -> None:
        sends = limited(clock, per_second=30, private_per_second=1)
        await clock.run(*(sends.send(42) for _ in range(3)))
        assert sends.offsets() == pytest.approx([0.0, STEP, 2 * STEP])

    async def test_a_slow_private_chat_holds_up_no_other_chat(self, clock: FakeClock) -> None:
        sends = limited(clock, per_second=30, private_per_second=1)
        await clock.run(sends.send(1), sends.send(1), *(sends.send(c) for c in range(2, 20)))
        assert sends.offsets(1) == pytest.approx([0.0, STEP])
        assert {moment for moment, chat in sends.log if chat != 1} == {clock.time() - STEP}

    @pytest.mark.parametrize(("rate", "gap"), [(0.5, 2.0), (1.5, 2 / 3)])
    async def test_a_fractional_rate_spaces_sends_exactly(
        self, clock: FakeClock, rate: float, gap: float
    ) -> None:
        sends = limited(clock, private_per_second=rate)
        await clock.run(*(sends.send(42) for _ in range(3)))
        assert sends.offsets() == pytest.approx([0.0, gap + MARGIN, 2 * (gap + MARGIN)])

    async def test_a_send_still_under_way_counts_until_its_answer_comes(
        self, clock: FakeClock
    ) -> None:
        sends = limited(clock, private_per_second=1)
        answer = asyncio.Event()

        async def slow() -> bool:
            await answer.wait()
            return True

        first = asyncio.ensure_future(sends.call(slow, 42))
        second = asyncio.ensure_future(sends.send(42))
        await clock.advance(0.5)
        assert not second.done(), "a send under way fills the window"
        answer.set()
        await first
        await clock.run(second)
        assert sends.offsets() == pytest.approx([0.5 + STEP], abs=IN_FLIGHT_POLL)


class TestGroupWindow:
    async def test_a_group_gets_its_limit_a_minute(self, clock: FakeClock) -> None:
        sends = limited(clock, group_per_minute=2)
        await clock.run(*(sends.send(-100) for _ in range(5)))
        minute = 60.0 + MARGIN
        assert sends.offsets() == pytest.approx([0.0, 0.0, minute, minute, 2 * minute])

    async def test_an_album_counts_as_one_send(self, clock: FakeClock) -> None:
        sends = limited(clock, group_per_minute=2)
        await clock.run(
            sends.send(-100, "sendMediaGroup", media=["a", "b", "c"]),
            sends.send(-100),
            sends.send(-100),
        )
        assert sends.offsets() == pytest.approx([0.0, 0.0, 60.0 + MARGIN])

    async def test_edits_wait_in_a_group_but_not_in_a_private_chat(self, clock: FakeClock) -> None:
        sends = limited(clock, group_per_minute=1, private_per_second=1)
        await clock.run(sends.send(-100), sends.send(5))
        await clock.run(sends.send(5, "editMessageText"), sends.send(-100, "closeForumTopic"))
        assert sends.offsets(5) == [0.0, 0.0]
        assert sends.offsets(-100) == pytest.approx([0.0, 60.0 + MARGIN])

    async def test_a_group_goes_before_private_chats_that_queued_earlier(
        self, clock: FakeClock
    ) -> None:
        sends = limited(clock, per_second=1, private_per_second=100)
        await clock.run(sends.send(1))  # the overall window is full for a second
        waiting = [asyncio.ensure_future(sends.send(chat)) for chat in (2, 3)]
        await clock.advance(0.1)
        group = asyncio.ensure_future(sends.send(-100))
        await clock.run(*waiting, group)
        assert [chat for _, chat in sends.log] == [1, -100, 2, 3], (
            "the group went first; the private chat that stepped out for it kept its place"
        )
        assert sends.offsets() == pytest.approx([0.0, STEP, 2 * STEP, 3 * STEP])

    async def test_private_chats_leave_a_sending_group_its_share(self, clock: FakeClock) -> None:
        sends = limited(clock, per_second=30, private_per_second=100)
        group = asyncio.ensure_future(sends.send(-100))
        privates = [asyncio.ensure_future(sends.send(chat)) for chat in range(1, 41)]
        await clock.advance(0)
        assert sends.offsets() == [0.0] * 20, "the group's send and 19 private: 10 kept"
        # The group's next calls (one at a time, each when the last is answered) find room.
        await clock.run(*(sends.send(-100) for _ in range(9)))
        assert sends.offsets(-100) == [0.0] * 10
        await clock.run(group, *privates)
        assert len(sends.offsets()) == 50
        assert sends.offsets().count(0.0) == 29, "never more than 30 at once"

    async def test_a_quiet_group_keeps_nothing(self, clock: FakeClock) -> None:
        sends = limited(clock, per_second=30, private_per_second=100)
        await clock.run(sends.send(-100))
        await clock.advance(GROUP_LINGER + 0.01)
        await clock.run(*(sends.send(chat) for chat in range(1, 41)))
        assert sends.offsets(-100) == [0.0]
        assert sends.offsets().count(GROUP_LINGER + 0.01) == 29, "the whole window is theirs"


class TestPauses:
    async def test_a_429_pauses_that_chat_for_the_time_it_names(
        self, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as the bot sets it
        sends = limited(clock, private_per_second=100)

        async def refused() -> bool:
            raise RetryAfter(dt.timedelta(seconds=30))

        with pytest.raises(RetryAfter):
            await clock.run(sends.call(refused, 7))
        await clock.run(sends.send(8), sends.send(7))
        assert sends.offsets(8) == [0.0], "another chat goes on"
        assert sends.offsets(7) == pytest.approx([30.0])


class TestPruning:
    async def test_windows_of_idle_chats_are_forgotten(self, clock: FakeClock) -> None:
        sends = limited(clock, per_second=10**9, private_per_second=10**6)
        await clock.run(*(sends.send(chat) for chat in range(1, PRUNE_EVERY + 1)))
        await clock.advance(1.0 + 2 * MARGIN)  # every window is idle now
        await clock.run(*(sends.send(chat) for chat in range(-PRUNE_EVERY, 0)))
        assert len(sends.limiter._chats) < PRUNE_EVERY + 10


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
            await _settle()  # every task is waiting now
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
            await _settle()
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
        await _settle()
        await holder.__aexit__(None, None, None)  # hands the turn to "unlucky"...
        unlucky.cancel()  # ...which is cancelled before it runs
        await asyncio.wait_for(later, 1)
        assert entered == ["later"]
