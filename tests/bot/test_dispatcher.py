"""The outbox dispatcher's promise after a crash: at most one call per lane is made again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from bot.delivery.dispatcher import OutboxDispatcher
from bot.settings import Settings, load_settings
from core.domain.actors import Actor, CustomerProfile, NewMessage
from core.services.delivery import Receipts
from core.views import OutboxItem

if TYPE_CHECKING:
    from bot.delivery.port import NoticeSending, Progress
    from core.desk import Desk


class CountingSender:
    """Stands in for the Telegram side: each unit is one call that succeeds at once."""

    def __init__(self) -> None:
        self.units: list[tuple[str, list[int]]] = []

    async def send(self, unit: Sequence[OutboxItem], progress: Progress | None = None) -> Receipts:
        del progress  # every unit here is a single call
        self.units.append((unit[0].lane, [item.id for item in unit]))
        return Receipts()


@pytest.fixture(name="settings")
def fixture_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for a dispatcher (nothing here talks to Telegram)."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    return load_settings(telegram_bot_token="1:x", staff_chat_id=-100)


@pytest.fixture(name="marking")
def fixture_marking(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """A database slow to record sends: ``mark_sent`` waits until the event is set."""
    gate = asyncio.Event()
    original = desk.delivery.mark_sent

    async def mark_sent(ids: Sequence[int], receipts: Receipts | None = None) -> None:
        await gate.wait()
        await original(ids, receipts)

    monkeypatch.setattr(desk.delivery, "mark_sent", mark_sent)
    return gate


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 - the dispatcher's tasks set no event
            await asyncio.sleep(0.01)


class TestOneCallPerLaneUnrecorded:
    async def test_a_lane_makes_no_call_before_its_last_one_is_recorded(
        self, desk: Desk, settings: Settings, marking: asyncio.Event
    ) -> None:
        customer = Actor.customer(CustomerProfile(7001, "Ann"))
        await desk.tickets.report_ticket(customer, "Printer", NewMessage("It smokes"))
        # The topic lane holds three rows sent one by one (topic, card, copy); the
        # customer's chat one (the confirmation).
        sender = CountingSender()
        dispatcher = OutboxDispatcher(desk, cast("NoticeSending", sender), settings)
        dispatcher.kick()
        try:
            await _until(lambda: len(sender.units) >= 2)
            await asyncio.sleep(0.2)  # time enough for a lane that does not wait
            lanes = [lane for lane, _ in sender.units]
            assert len(lanes) == len(set(lanes)) == 2, (
                f"calls made while earlier ones were not recorded: {sender.units}"
            )
            marking.set()
            await _until(lambda: len(sender.units) == 4)
            await _until(lambda: not dispatcher.busy)
            assert (await desk.delivery.counts())["pending"] == 0
        finally:
            marking.set()
            await dispatcher.stop()
