"""Turns at the staff group's budget (20 sends a minute): who sends into the group next.

Every lane of the staff group (each ticket's topic, the general topic) asks for a turn
before each call, and one call at a time gets it, so the order of the group's sends is
decided here rather than by whichever lane happened to ask first:

- A ticket's card, and the unit right after it (the first messages), go before anything
  else: a lane keeps its turn from the topic to them (the dispatcher carries it over), and
  a card asking on its own goes first.
- Otherwise the lane served least recently goes first (a lane never served ranks from the
  moment it first asked), so tickets take turns: a flood or a swarm delays another
  customer's message by one round at most.
- When the budget runs short (a quarter of a minute's sends used), a lane just served waits
  its fair share of the minute (3 s at 20) before its next call; what it is given meanwhile
  piles up in its queue and goes out in one ``copyMessages``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass, field

from core.clock import Timer

WINDOW = 60.0  # seconds: Telegram's group limit is counted a minute at a time
SHORT_AT = 0.25  # the budget is short once this share of a minute's sends is used
REMEMBERED = 10_000  # lanes whose last turn is kept; the oldest are forgotten past this


@dataclass(eq=False)
class Turn:
    """One lane's turn at the group; ``release()`` it when the call's answer arrives."""

    lane: str
    urgent: bool
    asked: int
    granted: asyncio.Future[None]
    owner: GroupTurns | None = field(default=None, repr=False)  # set while it is held

    def carry(self) -> None:
        """Count one more call made on this turn (a card right after its topic)."""
        if self.owner is not None:
            self.owner.counted()

    def release(self) -> None:
        """Hand the group to the next lane (again: nothing)."""
        turns, self.owner = self.owner, None
        if turns is not None:
            turns.released()


class GroupTurns:
    """Grants turns at one group's budget, one call at a time.

    Args:
        per_minute: the group's budget, sends a minute.
        timer: what hold times are read from and waited on.
    """

    def __init__(self, per_minute: float, timer: Timer) -> None:
        self._timer = timer
        self._short_at = max(1.0, per_minute * SHORT_AT)
        self._spacing = WINDOW / per_minute
        self._granted_at: deque[float] = deque()
        self._last_turn: dict[str, int] = {}
        self._held_until: dict[str, float] = {}
        self._waiting: list[Turn] = []
        self._sequence = 0
        self._holder: Turn | None = None
        self._wake: asyncio.Task[None] | None = None
        self._wake_at = 0.0

    async def take(self, lane: str, *, urgent: bool = False) -> Turn:
        """Wait for ``lane``'s turn; ``urgent`` goes before every lane that is not."""
        self._sequence += 1
        turn = Turn(lane, urgent, self._sequence, asyncio.get_running_loop().create_future())
        self._last_turn.setdefault(lane, self._sequence)  # a new lane joins at the round's end
        self._waiting.append(turn)
        self._grant()
        try:
            await turn.granted
        except asyncio.CancelledError:
            if turn in self._waiting:
                self._waiting.remove(turn)
            elif turn.granted.done() and not turn.granted.cancelled():
                turn.release()  # granted as we were cancelled: pass it on
            raise
        return turn

    def counted(self) -> None:
        """One more call into the group on the turn held now."""
        self._granted_at.append(self._timer.time())

    def released(self) -> None:
        """The holder's call is answered: grant the next turn."""
        self._holder = None
        self._grant()

    def _grant(self) -> None:
        if self._holder is not None or not self._waiting:
            return
        now = self._timer.time()
        ready = [t for t in self._waiting if t.urgent or self._held_until.get(t.lane, 0) <= now]
        if not ready:
            self._wake_up_at(min(self._held_until[t.lane] for t in self._waiting))
            return
        chosen = min(ready, key=lambda t: (not t.urgent, self._last_turn[t.lane], t.asked))
        self._waiting.remove(chosen)
        self._sequence += 1
        self._last_turn[chosen.lane] = self._sequence
        self._forget_old_lanes()
        while self._granted_at and self._granted_at[0] <= now - WINDOW:
            self._granted_at.popleft()
        self._granted_at.append(now)
        if len(self._granted_at) >= self._short_at:
            self._held_until[chosen.lane] = now + self._spacing
        else:
            self._held_until.pop(chosen.lane, None)
        chosen.owner = self
        self._holder = chosen
        chosen.granted.set_result(None)

    def _wake_up_at(self, when: float) -> None:
        """Grant again once the earliest hold is over."""
        if self._wake is not None and not self._wake.done():
            if self._wake_at <= when:
                return
            self._wake.cancel()
        self._wake_at = when

        async def wake() -> None:
            await self._timer.sleep(when - self._timer.time())
            self._grant()

        self._wake = asyncio.get_running_loop().create_task(wake())

    def _forget_old_lanes(self) -> None:
        if len(self._last_turn) <= REMEMBERED:
            return
        waiting = {t.lane for t in self._waiting}
        by_age = sorted(self._last_turn, key=self._last_turn.__getitem__)
        for lane in by_age[: len(by_age) // 2]:
            if lane not in waiting:
                del self._last_turn[lane]
                self._held_until.pop(lane, None)

    async def close(self) -> None:
        """Stop the pending wake-up, if any."""
        if self._wake is not None and not self._wake.done():
            self._wake.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._wake
