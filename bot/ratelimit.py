"""Keeping to Telegram's flood limits with sliding windows: never N+1 sends in any window.

python-telegram-bot's AIORateLimiter uses leaky buckets: 30 a second overall, 20 a minute
per group. A bucket that is full lets a burst of its whole size through and then refills
at the rate, so in the first window it lets almost twice the limit pass (measured with the
delivery benchmark against a server that counts strictly: 129 answers of 429 for a burst of
260 messages). Telegram's limits read as "at most N in any window", so this limiter keeps
the times of the last sends and waits until one more fits: a burst still goes out at once
up to the limit, and nothing beyond it. It also spaces sends into one private chat (about
one a second), which the leaky-bucket limiter does not do at all. While a group is sending,
private chats leave it a share of the overall window (``GROUP_SHARE``): a group's budget is
a minute's, so a send it misses in its first second costs it up to a minute, while a private
notification held back waits a second at most. Like that limiter it
counts a call that posts several messages (an album, a batch copy) once: Telegram does not
document how it counts those, and should it count more, its 429 pauses the chat here and
the outbox retries.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from typing_extensions import override

from core.clock import LoopTimer, Timer

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
"""Calls that post messages: limited in every chat."""
GROUP_ONLY = frozenset(
    {
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "editForumTopic",
        "closeForumTopic",
        "reopenForumTopic",
        "deleteForumTopic",
        "setMessageReaction",
    }
)
"""Calls limited in groups only: a busy staff group edits cards and topics all day, while
in a private chat an edit answers a button press and must not wait a second."""
JSONDict = dict[str, Any]
MARGIN = 0.01  # seconds added to each window, against rounding
IN_FLIGHT_POLL = 0.02
GROUP_SHARE = 1 / 3
"""The share of the overall window private chats leave free while a group is sending (10 of
30 a second): enough for a group's first sends of a minute to go in the first second, while
private chats keep two thirds, and all of it once the group is quiet."""
GROUP_LINGER = 0.25
"""Seconds a group counts as sending after its last answer: its next call comes right after
that answer (a group's calls go one at a time), and must find its share still free."""
PRUNE_EVERY = 1024  # new chat windows between two sweeps of idle ones


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
        self.paused_until = 0.0

    @classmethod
    def for_rate(cls, rate: float, per: float) -> _Window:
        """The window for ``rate`` sends per ``per`` seconds, fractions kept exact.

        1.5 a second is one every 2/3 s; 0.5 a second is one every 2 s.
        """
        if rate >= 1:
            limit = math.floor(rate)
            return cls(limit, per * limit / rate)
        return cls(1, per / rate)

    def wait_needed(self, now: float, kept: int = 0) -> float:
        """Seconds until one more send fits, leaving ``kept`` of the limit free for others."""
        if now < self.paused_until:
            return self.paused_until - now
        self.sends = [send for send in self.sends if send[0] > now - self.seconds]
        limit = max(1, self.limit - kept)
        if len(self.sends) < limit:
            return 0.0
        answered = sorted(send[0] for send in self.sends if send[0] != math.inf)
        expiring = len(self.sends) - limit  # this many must leave the window first
        if expiring < len(answered):
            return answered[expiring] + self.seconds - now
        return IN_FLIGHT_POLL  # the window is full of sends still under way

    def start(self) -> list[float]:
        send = [math.inf]
        self.sends.append(send)
        return send

    def idle(self, now: float) -> bool:
        return now >= self.paused_until and all(s[0] <= now - self.seconds for s in self.sends)


class _Turnstile:
    """A lock that lets waiters marked ``first`` in before the others (FIFO within each;
    a waiter that stepped out for a ``first`` one comes back at the head of its line)."""

    def __init__(self) -> None:
        self._held = False
        self._lines: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = (
            deque(),
            deque(),
        )
        self._first_came: asyncio.Future[None] | None = None  # set by the next first waiter

    @asynccontextmanager
    async def turn(self, *, first: bool, again: bool = False) -> AsyncIterator[None]:
        """Hold the turnstile for the body of the ``async with`` (``again``: at the head of
        the line, for a waiter that stepped out)."""
        if self._held:
            ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            line = self._lines[0 if first else 1]
            if again:
                line.appendleft(ticket)
            else:
                line.append(ticket)
            if first and self._first_came is not None and not self._first_came.done():
                self._first_came.set_result(None)
            try:
                await ticket  # resolved by the holder handing the turnstile over
            except asyncio.CancelledError:
                if not ticket.cancelled():
                    self._hand_over()  # handed to us as we were cancelled: pass it on
                raise
        else:
            self._held = True
        try:
            yield
        finally:
            self._hand_over()

    async def pause(self, timer: Timer, seconds: float) -> bool:
        """Wait ``seconds`` holding the turnstile, unless a waiter marked ``first`` comes.

        Returns:
            True when the time passed; False when such a waiter is in line (the holder
            should then leave, so that it goes in).
        """
        if self._lines[0]:
            return False
        came: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._first_came = came
        sleep = asyncio.ensure_future(timer.sleep(seconds))
        try:
            await asyncio.wait((sleep, came), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleep.cancel()
            self._first_came = None
        return not came.done()

    def _hand_over(self) -> None:
        for line in self._lines:
            while line:
                ticket = line.popleft()
                if not ticket.done():
                    ticket.set_result(None)  # the turnstile stays held, by that waiter now
                    return
        self._held = False


class SlidingWindowRateLimiter(BaseRateLimiter[int]):
    """At most ``per_second`` sends a second in all, ``group_per_minute`` a minute into each
    group, ``private_per_second`` a second into each private chat; other calls go straight
    through. A 429 from Telegram pauses that chat for the ``retry_after`` it names
    and is passed on to the caller (the outbox retries). ``clock`` tells the time and waits
    (the event loop's by default)."""

    def __init__(
        self,
        *,
        per_second: float = 30,
        group_per_minute: float = 20,
        private_per_second: float = 1,
        clock: Timer | None = None,
    ) -> None:
        self._clock: Timer = clock if clock is not None else LoopTimer()
        self._overall = _Window.for_rate(per_second, 1.0)
        self._group_per_minute = group_per_minute
        self._private_per_second = private_per_second
        self._chats: dict[int | str, _Window] = {}
        self._chat_turns: dict[int | str, asyncio.Lock] = {}
        self._overall_turn = _Turnstile()
        self._new_windows = 0
        self._group_share = min(
            math.floor(self._overall.limit * GROUP_SHARE), math.ceil(group_per_minute)
        )
        self._group_calls = 0  # group calls with room in their own window, not answered yet
        self._group_quiet_at = -math.inf  # when the last group call's linger ends

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
        """Wait for a turn when the call posts or (in a group) edits, then make it."""
        chat = data.get("chat_id")
        if chat is None:
            return await callback(*args, **kwargs)
        key = _chat_key(chat)
        if endpoint not in SENDING and not (endpoint in GROUP_ONLY and not _private(key)):
            return await callback(*args, **kwargs)
        window = self._window(key)
        group = not _private(key)
        sends = await self._turn(key, window)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as error:
            resume = self._clock.time() + retry_wait(error).total_seconds()
            window.paused_until = max(window.paused_until, resume)
            raise
        finally:
            answered = self._clock.time()
            for send in sends:
                send[0] = answered
            if group:
                self._group_calls -= 1
                self._group_quiet_at = max(self._group_quiet_at, answered + GROUP_LINGER)

    def _window(self, chat: int | str) -> _Window:
        window = self._chats.get(chat)
        if window is None:
            self._new_windows += 1
            if self._new_windows % PRUNE_EVERY == 0:
                self._prune()
            if _private(chat):
                window = _Window.for_rate(self._private_per_second, 1.0)
            else:
                window = _Window.for_rate(self._group_per_minute, 60.0)
            self._chats[chat] = window
        return window

    def _prune(self) -> None:
        """Forget the windows of chats nobody sent to lately (and nobody waits on)."""
        now = self._clock.time()
        for chat, window in list(self._chats.items()):
            turn = self._chat_turns.get(chat)
            if window.idle(now) and (turn is None or not turn.locked()):
                del self._chats[chat]
                self._chat_turns.pop(chat, None)

    async def _turn(self, chat: int | str, window: _Window) -> tuple[list[float], list[float]]:
        # One waiter per chat at the head of the line, so a slow group never holds up a
        # private chat; then a short wait, if any, for the overall window.
        async with self._chat_turns.setdefault(chat, asyncio.Lock()):
            await self._room_in(window)
            if _private(chat):
                return await self._private_room_overall(), window.start()
            self._group_calls += 1  # counted until its answer (process_request)
            try:
                # Groups go first for the overall window: a group has a scarce budget a
                # minute, and a send that misses its moment there costs up to a minute.
                async with self._overall_turn.turn(first=True):
                    await self._room_in(self._overall)
                    return self._overall.start(), window.start()
            except BaseException:
                self._group_calls -= 1
                raise

    async def _private_room_overall(self) -> list[float]:
        """A private chat's place in the overall window, leaving a group its share.

        A private chat waiting for room steps out of line when a group call comes, so the
        group's call goes first; then it queues again.
        """
        again = False
        while True:
            async with self._overall_turn.turn(first=False, again=again):
                while True:
                    now = self._clock.time()
                    sending = self._group_calls > 0 or now < self._group_quiet_at
                    kept = self._group_share if sending else 0
                    wait = self._overall.wait_needed(now, kept)
                    if wait <= 0:
                        return self._overall.start()
                    if kept and self._group_calls == 0:
                        wait = min(wait, self._group_quiet_at - now)  # the share ends then
                    if not await self._overall_turn.pause(self._clock, wait):
                        again = True
                        break  # a group call is in line: let it in, then queue again

    async def _room_in(self, window: _Window) -> None:
        """Sleep until one more send fits the window (the wait is known, nothing to poll)."""
        while (wait := window.wait_needed(self._clock.time())) > 0:
            await self._clock.sleep(wait)


def retry_wait(error: RetryAfter) -> timedelta:
    """How long a 429 asks us to wait (``retry_after`` is seconds or a timedelta, by PTB's
    ``PTB_TIMEDELTA`` setting)."""
    retry_after: object = error.retry_after
    if isinstance(retry_after, timedelta):
        return retry_after
    return timedelta(seconds=float(retry_after))  # type: ignore[arg-type]


def _private(chat: int | str) -> bool:
    return isinstance(chat, int) and chat > 0


def _chat_key(chat: object) -> int | str:
    try:
        return int(str(chat))
    except ValueError:
        return str(chat)  # "@channelname"
