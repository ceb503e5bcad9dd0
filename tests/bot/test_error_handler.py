"""The error handler notes an update a handler failed on, so polling keeps it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

from telegram import Bot, Update
from telegram.error import NetworkError

from bot.context import BotServices, DeskContext
from bot.handlers.errors import on_error
from tests.bot.fakes import message

STAFF = {"id": -100_5, "type": "supergroup", "title": "Staff"}


def _context(services: BotServices, error: Exception) -> DeskContext:
    return cast(DeskContext, SimpleNamespace(error=error, bot_data=services))


class TestOnError:
    async def test_a_handler_error_is_noted_for_polling(self) -> None:
        services = BotServices()
        update = Update.de_json(message(7, -100_5, chat=STAFF), Bot("1:T"))
        await on_error(update, _context(services, TimeoutError("database is locked")))
        assert services.failure_of(7) == "TimeoutError"
        assert services.failure_of(7) is None, "told once"

    async def test_a_telegram_error_answering_is_not_a_lost_update(self) -> None:
        services = BotServices()
        update = Update.de_json(message(8, -100_5, chat=STAFF), Bot("1:T"))
        await on_error(update, _context(services, NetworkError("bad gateway")))
        assert services.failure_of(8) is None
