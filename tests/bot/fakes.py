"""Fakes we own for the delivery engines' ports: a sending port and an update source.

Both live in memory and answer as a test scripts them, the way httpx's ``MockTransport``
stands in for a network transport; the engines under test cannot tell them from the real
ones (``NoticeSender``, ``BotApiUpdates``).
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update

from bot.context import BotServices
from bot.delivery.port import Progress
from core.services.delivery import Receipts
from core.views import OutboxItem

Answer = BaseException | asyncio.Event | None
"""One scripted answer: raise this, wait for this event and then succeed, or succeed."""


@dataclass(frozen=True, slots=True)
class Call:
    """One call the dispatcher made through the port."""

    lane: str
    ids: tuple[int, ...]


class ScriptedSender:
    """The sending port in memory: records every call and answers each lane as scripted.

    A lane's script is taken one answer per call; a lane with no script left succeeds.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.recreated: list[int] = []
        self.before_send: Callable[[Sequence[OutboxItem]], Awaitable[None]] | None = None
        self._scripts: dict[str, list[Answer]] = defaultdict(list)
        self._in_flight: Counter[str] = Counter()
        self.most_in_flight_per_lane: Counter[str] = Counter()
        self.most_in_flight = 0

    def script(self, lane: str, *answers: Answer) -> None:
        """Queue answers for the next calls to ``lane``."""
        self._scripts[lane].extend(answers)

    def ids_sent_to(self, lane: str) -> list[int]:
        """The row ids of every call to ``lane``, in the order the calls were made."""
        return [row for call in self.calls if call.lane == lane for row in call.ids]

    async def send(self, unit: Sequence[OutboxItem], progress: Progress | None = None) -> Receipts:
        """Record the call, then answer with the lane's next scripted answer."""
        del progress  # every unit here is one call
        lane = unit[0].lane
        self.calls.append(Call(lane, tuple(item.id for item in unit)))
        self._in_flight[lane] += 1
        self.most_in_flight_per_lane[lane] = max(
            self.most_in_flight_per_lane[lane], self._in_flight[lane]
        )
        self.most_in_flight = max(self.most_in_flight, sum(self._in_flight.values()))
        try:
            if self.before_send is not None:
                await self.before_send(unit)
            script = self._scripts[lane]
            answer = script.pop(0) if script else None
            if isinstance(answer, asyncio.Event):
                await answer.wait()
            elif answer is not None:
                raise answer
            await asyncio.sleep(0)  # an answer takes a turn of the loop: lanes interleave
            return Receipts()
        finally:
            self._in_flight[lane] -= 1

    async def recreate_topic(self, number: int) -> None:
        """Record that ticket ``number``'s topic was made again."""
        self.recreated.append(number)


@dataclass
class ScriptedUpdates:
    """An update source in memory: hands out scripted batches, records offsets.

    Each item of ``batches`` is one fetch's answer: a list of raw updates, or an exception
    to raise. Once they are used up a fetch waits, as a long poll with nothing new would.
    """

    batches: list[list[dict[str, Any]] | BaseException] = field(default_factory=list)
    fetched_with: list[int | None] = field(default_factory=list)
    confirmed: list[int] = field(default_factory=list)
    opened: bool = False
    closed: bool = False

    async def open(self) -> None:
        """Record the opening."""
        self.opened = True

    async def fetch(self, offset: int | None) -> list[object]:
        """Answer with the next batch, or wait forever when there is none."""
        self.fetched_with.append(offset)
        if not self.batches:
            await asyncio.Event().wait()
        answer = self.batches.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return list(answer)

    async def confirm(self, offset: int) -> None:
        """Record the confirmed offset."""
        self.confirmed.append(offset)

    async def close(self) -> None:
        """Record the closing."""
        self.closed = True


class RecordingHandlers:
    """The application side of polling: handles updates as scripted, keeps dead letters.

    Attributes:
        handled: ``(update id, chat id)`` of each update handled, in the order handled.
        failing: update ids whose handling raises.
        swallowed: update ids whose handler raises the way python-telegram-bot reports it:
            to the error handler, which notes it, while ``process_update`` returns.
        holds: chat id -> an event its updates wait for before being handled.
    """

    def __init__(self, bot: Bot, services: BotServices) -> None:
        self._bot = bot
        self._services = services
        self.handled: list[tuple[int, int | None]] = []
        self.failing: set[int] = set()
        self.swallowed: set[int] = set()
        self.holds: dict[int, asyncio.Event] = {}

    @property
    def bot(self) -> Bot:
        """The bot updates are parsed with (it never calls the network)."""
        return self._bot

    @property
    def bot_data(self) -> BotServices:
        """The services, with a real desk for the dead letters."""
        return self._services

    async def process_update(self, update: object) -> None:
        """Handle an update: wait for its chat's hold, then record it or raise."""
        assert isinstance(update, Update)
        chat = update.effective_chat.id if update.effective_chat is not None else None
        hold = self.holds.get(chat) if chat is not None else None
        if hold is not None:
            await hold.wait()
        if update.update_id in self.failing:
            raise RuntimeError(f"handler failed on update {update.update_id}")
        if update.update_id in self.swallowed:
            self._services.handling_failed(update.update_id, TimeoutError("database is locked"))
            return
        await asyncio.sleep(0)
        self.handled.append((update.update_id, chat))


def message(update_id: int, chat_id: int, **fields: Any) -> dict[str, Any]:
    """A private text message update; ``fields`` replace or (as None) drop fields."""
    payload: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private"},
        "text": f"message {update_id}",
    }
    payload.update(fields)
    return {"update_id": update_id, "message": {k: v for k, v in payload.items() if v is not None}}
