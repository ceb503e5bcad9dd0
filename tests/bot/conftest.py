"""Fixtures for the delivery engines' tests: settings, a manual timer, polling's fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

from bot.context import BotServices, StaffChat
from bot.delivery.dispatcher import OutboxDispatcher
from bot.polling import DurablePolling
from bot.settings import Settings, load_settings
from core.clock import ManualTimer
from core.desk import Desk
from tests.bot.fakes import RecordingHandlers, ScriptedSender, ScriptedUpdates

TOKEN = "123456:ENGINES-TEST-TOKEN"


@pytest.fixture(name="settings")
def fixture_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for the engines (nothing here talks to Telegram)."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    return load_settings(telegram_bot_token=TOKEN, staff_chat_id=-100)


@pytest.fixture(name="timer")
def fixture_timer() -> ManualTimer:
    """The engine's timer: its pauses wait until a test moves it."""
    return ManualTimer()


@pytest.fixture(name="handlers")
def fixture_handlers(desk: Desk, settings: Settings) -> RecordingHandlers:
    """Polling's application side: scripted handlers, a real desk for the dead letters."""
    services = BotServices()
    dispatcher = OutboxDispatcher(desk, ScriptedSender(), settings)
    services.attach(desk=desk, settings=settings, dispatcher=dispatcher, staff=StaffChat(None))
    return RecordingHandlers(Bot(TOKEN), services)


@pytest.fixture(name="source")
def fixture_source() -> ScriptedUpdates:
    """The update source, scripted by each test."""
    return ScriptedUpdates()


@pytest.fixture(name="polling")
async def fixture_polling(
    handlers: RecordingHandlers, source: ScriptedUpdates, timer: ManualTimer
) -> AsyncIterator[DurablePolling]:
    """Polling over the fakes; started by each test, stopped at the end."""
    polling = DurablePolling(handlers, source, timer=timer)
    yield polling
    await polling.stop()
