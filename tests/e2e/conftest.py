"""End-to-end fixtures: the real bot, over real HTTP, against the fake Bot API server."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.main import RunningBot, start_bot
from bot.settings import Settings, load_settings
from core.desk import Desk
from sandbox.botapi import FakeBotApi, FakeChat, FakeUser

PASSWORD = "a-long-secret-pass"
_agent_names = itertools.count(1)


def ticket_number_in(message: dict[str, Any]) -> int:
    """Read the first ``#N`` in a bot message."""
    match = re.search(r"#(\d+)", str(message.get("text") or message.get("caption") or ""))
    assert match, message
    return int(match.group(1))


class Harness:
    """The fake Telegram, the staff forum and a running bot, with shortcuts for scenarios."""

    def __init__(self, server: FakeBotApi, staff: FakeChat, settings: Settings) -> None:
        self.server = server
        self.staff = staff
        self.settings = settings
        self.running: RunningBot | None = None
        self._barrier_user: FakeUser | None = None

    @property
    def desk(self) -> Desk:
        """The running bot's desk."""
        if self.running is None:
            raise RuntimeError("the bot is not running")
        return self.running.desk

    async def start(self) -> None:
        """Start the bot (it opens and migrates its own database)."""
        self.running = await start_bot(self.settings)

    async def stop(self) -> None:
        """Stop the bot cleanly."""
        if self.running is not None:
            await self.running.stop()
            self.running = None

    async def restart(self) -> None:
        """Stop and start again on the same database and the same fake Telegram."""
        await self.stop()
        await self.start()

    async def agent(
        self,
        first_name: str = "Alice",
        *,
        username: str | None = None,
        language_code: str | None = None,
    ) -> FakeUser:
        """A staff member with an agent account, logged in through the desk."""
        name = username or f"{first_name.lower()}{next(_agent_names)}"
        user = self.server.add_user(first_name, username=name, language_code=language_code)
        self.staff.add_member(user)
        await self.desk.accounts.add_agent(name, PASSWORD)
        await self.desk.accounts.login(name, PASSWORD, user.id)
        return user

    async def open_ticket(
        self, customer: FakeUser, subject: str = "Printer on fire", text: str = "It smokes."
    ) -> int:
        """Open a ticket the way a customer does (/new, subject, description); return #N."""
        before = len(self.server.bot_messages(customer))
        await self.server.user_sends(customer, "/new")
        await self.wait_bot_says(customer, "subject", after=before)
        await self.server.user_sends(customer, subject)
        await self.wait_bot_says(customer, "describe", after=before)
        await self.server.user_sends(customer, text)
        confirmation = await self.wait_bot_says(customer, "Your ticket", after=before)
        return ticket_number_in(confirmation)

    async def wait_bot_says(
        self,
        chat: Any,
        fragment: str,
        *,
        after: int = 0,
        thread_id: int | None = None,
        within: float = 10,
    ) -> dict[str, Any]:
        """Wait for a bot message in the chat (after the first ``after`` ones) containing text."""

        def found() -> dict[str, Any] | None:
            for message in self.server.bot_messages(chat, thread_id)[after:]:
                if (
                    fragment.lower()
                    in (message.get("text") or message.get("caption") or "").lower()
                ):
                    return message
            return None

        return await self.server.wait_for(
            found, timeout=within, message=f"bot never said {fragment!r}"
        )

    async def topic_of(self, number: int) -> int:
        """Wait until the ticket has its staff topic, and return the thread id."""

        async def topic() -> int | None:
            return (await self.desk.delivery.ticket(number)).staff_topic_id

        for _ in range(200):
            thread = await topic()
            if thread is not None:
                return thread
            await asyncio.sleep(0.05)
        raise AssertionError(f"ticket #{number} never got a topic")

    async def processed(self, within: float = 10) -> None:
        """Wait until the bot has handled every update sent so far.

        The bot handles the chats of a batch side by side, so an answer to a marker proves
        nothing about the other chats. Its confirmation does: the bot's next ``getUpdates``
        passes an offset beyond an update only once that update and every one before it
        have been handled. So a marker is sent (the last update queued may be of a kind
        the bot never asks for, and is then never confirmed by itself), and the wait ends
        when the server sees the marker confirmed.
        """
        if self._barrier_user is None:
            self._barrier_user = self.server.add_user("Barrier")
        marker = self._update_id_of(await self.server.user_sends(self._barrier_user, "/help"))
        await self.server.wait_for(
            lambda: all(update["update_id"] > marker for update in self.server.pending_updates),
            timeout=within,
            message=f"the bot never confirmed update {marker} and those before it",
        )

    def _update_id_of(self, message: dict[str, Any]) -> int:
        """The id of the update that carried a message the user sent."""
        for update in reversed(self.server.updates):
            carried = update.get("message") or {}
            if (carried.get("message_id"), (carried.get("chat") or {}).get("id")) == (
                message["message_id"],
                message["chat"]["id"],
            ):
                return int(update["update_id"])
        raise AssertionError(f"no update carried message {message['message_id']}")

    async def settled(self, within: float = 10) -> None:
        """Wait until every update sent so far is handled and the outbox is empty."""
        await self.processed(within)
        deadline = asyncio.get_running_loop().time() + within
        while (await self.desk.delivery.counts())["pending"]:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the outbox never drained")
            await asyncio.sleep(0.05)


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    """A fake Telegram Bot API server on a free port."""
    async with FakeBotApi() as server:
        yield server


@pytest.fixture(name="settings")
def fixture_settings(
    server: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings pointing the bot at the fake server, a staff forum and a fresh SQLite file."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    return e2e_settings(server, tmp_path)


def e2e_settings(server: FakeBotApi, tmp_path: Path, **overrides: object) -> Settings:
    """The bot's settings for a test: the fake server, a new staff forum, a SQLite file."""
    staff = server.add_forum("Support staff")
    values: dict[str, object] = {
        "telegram_bot_token": server.token,
        "telegram_base_url": server.base_url,
        "staff_chat_id": staff.id,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}",
        "bcrypt_rounds": 4,
        "poll_timeout": 1,
        "http_timeout": 2,
        # The fake server enforces no flood limits here; the delivery benchmark tests them.
        "flood_limit_group_per_minute": 100_000,
        "flood_limit_private_per_second": 1_000,
        # Nor the desk's own flood rules; tests/e2e/test_floods.py turns them on.
        "customer_messages_per_minute": 1_000_000,
        "new_tickets_per_day": 1_000_000,
        "new_customers_per_minute": 1_000_000,
    }
    return load_settings(**{**values, **overrides})


@asynccontextmanager
async def running_desk(server: FakeBotApi, settings: Settings) -> AsyncIterator[Harness]:
    """The bot running with these settings in the fake world, stopped on the way out."""
    assert settings.staff_chat_id is not None
    harness = Harness(server, server.chat(settings.staff_chat_id), settings)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture(name="desk_bot")
async def fixture_desk_bot(server: FakeBotApi, settings: Settings) -> AsyncIterator[Harness]:
    """The running bot with its fake world."""
    async with running_desk(server, settings) as harness:
        yield harness
