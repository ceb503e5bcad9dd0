"""Optional flood limits, like Telegram's, for benchmarks (off unless configured).

Sliding windows: all chats together, each private chat (positive chat id) and each group
(negative chat id; a forum is one group). A call that would exceed a window answers 429 with
``retry_after`` = whole seconds until the window frees (at least 1). A call posting several
messages (sendMediaGroup, copyMessages) counts once, as python-telegram-bot's own
AIORateLimiter counts it (Telegram does not document how it counts those).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FloodLimits:
    """How many message-sending calls Telegram accepts.

    Attributes:
        global_per_second: Across all chats.
        private_per_second: Per private chat.
        group_per_minute: Per group or supergroup.
    """

    global_per_second: int = 30
    private_per_second: int = 1
    group_per_minute: int = 20


class _Window:
    """Timestamps of the calls within the last ``seconds``."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.times: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        """Seconds until one more call fits (0 when it fits now)."""
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        if len(self.times) < self.limit:
            return 0.0
        freeing = self.times[len(self.times) - self.limit]
        return freeing + self.seconds - now


class FloodGate:
    """Decides whether a sending call fits the limits, and remembers the calls that did."""

    def __init__(self, limits: FloodLimits, clock: Callable[[], float] = time.monotonic) -> None:
        """Apply ``limits``, measuring time with ``clock`` (seconds, monotonic)."""
        self.limits = limits
        self._clock = clock
        self._global = _Window(limits.global_per_second, 1.0)
        self._chats: dict[int, _Window] = {}

    def retry_after(self, chat_id: int) -> int | None:
        """Whole seconds the caller must wait before sending to ``chat_id``, or None."""
        now = self._clock()
        wait = max(self._global.wait_needed(now), self._chat_window(chat_id).wait_needed(now))
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record(self, chat_id: int) -> None:
        """Count one accepted sending call to ``chat_id``."""
        now = self._clock()
        self._global.times.append(now)
        self._chat_window(chat_id).times.append(now)

    def _chat_window(self, chat_id: int) -> _Window:
        window = self._chats.get(chat_id)
        if window is None:
            if chat_id > 0:
                window = _Window(self.limits.private_per_second, 1.0)
            else:
                window = _Window(self.limits.group_per_minute, 60.0)
            self._chats[chat_id] = window
        return window
