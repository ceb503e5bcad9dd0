"""Keeping to Telegram's flood limits with sliding windows: never N+1 sends in any window.

python-telegram-bot's AIORateLimiter uses leaky buckets: 30 a second overall, 20 a minute
per group. A bucket that is full lets a burst of its whole size through and then refills
at the rate, so in the first window it lets almost twice the limit pass (measured with the
delivery benchmark against a server that counts strictly: 129 answers of 429 for a burst of
260 messages). Telegram's limits read as "at most N in any window", so this limiter keeps
the times of the last sends and waits until one more fits: a burst still goes out at once
up to the limit, and nothing beyond it. It also spaces sends into one private chat (about
one a second), which the leaky-bucket limiter does not do at all.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import BaseRateLimiter
from typing_extensions import override

SENDING = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendVideoNote",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "sendVenue",
        "sendPoll",
        "sendDice",
        "sendMediaGroup",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "createForumTopic",
    }
)
JSONDict = dict[str, Any]
MARGIN = 0.01  # seconds added to each window, against rounding
IN_FLIGHT_POLL = 0.02


class _Window:
    """The sends within the last ``seconds``, each timed when its answer came back.

    The server counts a send when it arrives, which is after we start it and before its
    answer comes back. Timing each send by its answer (and counting sends still under way
    as happening now) therefore never lets more than ``limit`` arrive in any window, however
    late a busy event loop gets a request onto the wire.
    """

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = max(1, limit)
        self.seconds = seconds + MARGIN
        self.sends: list[list[float]] = []

    def wait_needed(self, now: float) -> float:
        self.sends = [send for send in self.sends if send[0] > now - self.seconds]
        if len(self.sends) < self.limit:
            return 0.0
        answered = sorted(send[0] for send in self.sends if send[0] != math.inf)
        expiring = len(self.sends) - self.limit  # this many must leave the window first
        if expiring < len(answered):
            return answered[expiring] + self.seconds - now
        return IN_FLIGHT_POLL  # the window is full of sends still under way

    def start(self) -> list[float]:
        send = [math.inf]
        self.sends.append(send)
        return send


class SlidingWindowRateLimiter(BaseRateLimiter[int]):
    """At most ``per_second`` sends a second in all, ``group_per_minute`` a minute into each
    group, ``private_per_second`` a second into each private chat; other calls go straight
    through. A 429 from Telegram is passed on to the caller (the outbox retries)."""

    def __init__(
        self, *, per_second: float = 30, group_per_minute: float = 20, private_per_second: float = 1
    ) -> None:
        self._overall = _Window(int(per_second), 1.0)
        self._group_limit = int(group_per_minute)
        self._private_limit = int(private_per_second)
        self._chats: dict[int | str, _Window] = {}
        self._chat_turns: dict[int | str, asyncio.Lock] = {}
        self._overall_turn = asyncio.Lock()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Forget every window."""
        self._chats.clear()
        self._chat_turns.clear()

    @override
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Wait for a turn when the call sends a message, then make it."""
        chat = data.get("chat_id")
        if endpoint not in SENDING or chat is None:
            return await callback(*args, **kwargs)
        sends = await self._turn(_chat_key(chat))
        try:
            return await callback(*args, **kwargs)
        finally:
            answered = asyncio.get_running_loop().time()
            for send in sends:
                send[0] = answered

    async def _turn(self, chat: int | str) -> tuple[list[float], list[float]]:
        window = self._chats.get(chat)
        if window is None:
            private = isinstance(chat, int) and chat > 0
            window = (
                _Window(self._private_limit, 1.0) if private else _Window(self._group_limit, 60.0)
            )
            self._chats[chat] = window
        # One waiter per chat at the head of the line, so a slow group never holds up a
        # private chat; then a short wait, if any, for the overall window.
        async with self._chat_turns.setdefault(chat, asyncio.Lock()):
            await _room_in(window)
            async with self._overall_turn:
                await _room_in(self._overall)
                return self._overall.start(), window.start()


async def _room_in(window: _Window) -> None:
    """Sleep until one more send fits the window (the wait is known, nothing to poll)."""
    loop = asyncio.get_running_loop()
    while (wait := window.wait_needed(loop.time())) > 0:  # noqa: ASYNC110 - a computed wait
        await asyncio.sleep(wait)


def _chat_key(chat: object) -> int | str:
    try:
        return int(str(chat))
    except ValueError:
        return str(chat)  # "@channelname"
