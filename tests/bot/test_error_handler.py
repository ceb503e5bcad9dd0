"""The error handler notes an update a handler failed on, so polling keeps it."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import cast

import pytest
from telegram import Bot, Message, Update
from telegram.error import NetworkError

from bot import i18n
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


class _Accounts:
    """The desk's accounts as the apology asks them: who is an agent, or a failing database."""

    def __init__(self, agents: set[int], *, failing: bool = False) -> None:
        self.agents = agents
        self.failing = failing

    async def agent_for(self, user_id: int) -> object | None:
        if self.failing:
            raise TimeoutError("database is locked")
        return object() if user_id in self.agents else None


class TestApology:
    """The apology in a private chat reads in the reader's language: STAFF_LANGUAGE for agents."""

    @pytest.fixture(autouse=True)
    def languages(self) -> Iterator[None]:
        i18n.configure(default_language="en", staff_language="de")
        token = i18n._speaking.set("es")  # what the sender's app asked for
        yield
        i18n._speaking.reset(token)
        i18n.configure(default_language="en", staff_language="en")

    async def _apology_to(
        self, monkeypatch: pytest.MonkeyPatch, user: int, accounts: _Accounts
    ) -> list[str]:
        said: list[str] = []

        async def reply_text(_message: Message, text: str, **_kwargs: object) -> None:
            said.append(text)

        monkeypatch.setattr(Message, "reply_text", reply_text)
        sender = {"id": user, "is_bot": False, "first_name": "Ana"}
        update = Update.de_json(message(9, user, **{"from": sender}), Bot("1:T"))
        context = cast(
            DeskContext,
            SimpleNamespace(
                error=RuntimeError("boom"),
                bot_data=BotServices(),
                desk=SimpleNamespace(accounts=accounts),
            ),
        )
        await on_error(update, context)
        return said

    async def test_an_agent_reads_it_in_the_staff_language(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        said = await self._apology_to(monkeypatch, 42, _Accounts({42}))
        assert said == ["Bei uns ist etwas schiefgelaufen. Bitte versuche es gleich noch einmal."]

    async def test_a_customer_reads_it_in_their_own(self, monkeypatch: pytest.MonkeyPatch) -> None:
        said = await self._apology_to(monkeypatch, 43, _Accounts({42}))
        assert said == ["Algo salió mal por nuestra parte. Inténtalo de nuevo en un momento."]

    async def test_a_failing_database_still_gets_an_apology(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        said = await self._apology_to(monkeypatch, 42, _Accounts({42}, failing=True))
        assert said == ["Algo salió mal por nuestra parte. Inténtalo de nuevo en un momento."]
