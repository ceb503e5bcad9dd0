"""An update the library cannot read: kept as a dead letter, never in the log, polling goes on."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from core.config import DeskConfig
from core.desk import Desk
from sandbox.botapi import FakeBotApi, FakeUser
from tests.e2e.conftest import Harness

SECRET = "correct-horse-battery-9"
UNREADABLE_TEXT = "words-nobody-may-read-in-a-log"


def no_date(user: FakeUser, text: str = UNREADABLE_TEXT) -> dict[str, Any]:
    """A private message without the ``date`` python-telegram-bot requires."""
    return {
        "message_id": 90_001,
        "from": {"id": user.id, "is_bot": False, "first_name": user.first_name},
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "text": text,
    }


def readable(user: FakeUser, text: str = "/start") -> dict[str, Any]:
    """A well-formed private ``/start`` (as an upgraded library would read an old letter)."""
    entities = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {
        **no_date(user, text),
        "message_id": 90_002,
        "date": 1_700_000_000,
        "entities": entities,
    }


async def queue_mixed_batch(desk_bot: Harness) -> tuple[FakeUser, FakeUser, dict[str, Any], int]:
    """Stop the bot and queue, as one batch: good updates, an unreadable one and a login.

    Returns:
        The customer, the agent, the agent's password message and the bad update's id.
    """
    server = desk_bot.server
    await desk_bot.desk.accounts.add_agent("bob", SECRET)
    ann, bob = server.add_user("Ann"), server.add_user("Bob")
    await desk_bot.stop()
    await server.user_sends(ann, "/start")
    bad = server.inject_raw_update("message", no_date(ann))
    await server.user_sends(bob, "/login bob")
    password = await server.user_sends(bob, SECRET)
    await server.user_sends(ann, "/help")
    await desk_bot.start()
    return ann, bob, password, int(bad["update_id"])


class TestUnreadableUpdateInABatch:
    async def test_the_good_updates_are_handled_and_the_login_succeeds(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann, bob, password, _ = await queue_mixed_batch(desk_bot)

        await desk_bot.wait_bot_says(bob, "Logged in as")
        await desk_bot.wait_bot_says(ann, "Hello, Ann")
        await desk_bot.wait_bot_says(ann, "/help", after=1)
        assert server.message(bob, password["message_id"]) is None, "the password is deleted"
        assert (await desk_bot.desk.accounts.agent_for(bob.id)) is not None

    async def test_the_unreadable_update_is_kept_whole_and_confirmed(
        self, desk_bot: Harness
    ) -> None:
        ann, _, _, bad_id = await queue_mixed_batch(desk_bot)
        await desk_bot.wait_bot_says(ann, "/help", after=1)
        await desk_bot.processed()

        [letter] = await desk_bot.desk.dead_letters.letters()
        assert (letter.update_id, letter.kind) == (bad_id, "message")
        assert letter.raw == {"update_id": bad_id, "message": no_date(ann)}
        assert "date" in letter.error
        assert UNREADABLE_TEXT not in letter.error
        assert bad_id not in [u["update_id"] for u in desk_bot.server.pending_updates]

    async def test_polling_goes_on_after_it(self, desk_bot: Harness) -> None:
        ann, _, _, _ = await queue_mixed_batch(desk_bot)
        await desk_bot.wait_bot_says(ann, "/help", after=1)
        later = desk_bot.server.add_user("Carl")

        await desk_bot.server.user_sends(later, "/start")

        await desk_bot.wait_bot_says(later, "Hello, Carl")

    async def test_nothing_of_the_batch_reaches_the_log_even_at_debug(
        self, desk_bot: Harness, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        ann, bob, _, bad_id = await queue_mixed_batch(desk_bot)
        await desk_bot.wait_bot_says(bob, "Logged in as")
        await desk_bot.wait_bot_says(ann, "/help", after=1)

        ours = [r for r in caplog.records if r.name.split(".")[0] in ("bot", "telegram")]
        logged = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in ours])
        assert SECRET not in logged
        assert UNREADABLE_TEXT not in logged
        assert f"update {bad_id} (message, chat {ann.id}) cannot be read" in caplog.text
        assert not [r for r in ours if r.levelno >= logging.CRITICAL]


class TestRetryAtStartup:
    async def test_a_letter_the_library_reads_now_is_handled_and_marked(
        self, desk_bot: Harness, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="bot")
        ann = desk_bot.server.add_user("Ann")
        desks = desk_bot.desk.dead_letters
        await desks.record(9_000, "message", {"update_id": 9_000, "message": readable(ann)}, "old")
        await desks.record(9_001, "message", {"update_id": 9_001, "message": no_date(ann)}, "old")

        await desk_bot.restart()

        await desk_bot.wait_bot_says(ann, "Hello, Ann")
        assert (await desk_bot.desk.dead_letters.get(9_000)).handled_at is not None
        still = await desk_bot.desk.dead_letters.get(9_001)
        assert (still.handled_at, still.attempts) == (None, 2)
        assert "dead letters retried at startup: 1 read and handled, 1 still unreadable" in (
            caplog.text
        )


class TestDeadLettersCommand:
    async def test_an_admin_sees_id_kind_and_error_but_never_the_content(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        admin = server.add_user("Ada")
        await desk_bot.desk.accounts.add_agent("ada", SECRET, is_admin=True)
        await desk_bot.desk.accounts.login("ada", SECRET, admin.id)
        ann = server.add_user("Ann")
        bad = server.inject_raw_update("message", no_date(ann))
        await desk_bot.processed()

        await server.user_sends(admin, "/deadletters")

        answer = await desk_bot.wait_bot_says(admin, "unreadable update")
        assert f"{bad['update_id']} message" in answer["text"]
        assert "missing field 'date'" in answer["text"]
        assert UNREADABLE_TEXT not in answer["text"]

    async def test_an_agent_who_is_not_an_admin_is_refused(self, desk_bot: Harness) -> None:
        agent = await desk_bot.agent("Bea")

        await desk_bot.server.user_sends(agent, "/deadletters")

        await desk_bot.wait_bot_says(agent, "Only an admin agent")

    async def test_with_none_it_says_so(self, desk_bot: Harness, server: FakeBotApi) -> None:
        admin = server.add_user("Ada")
        await desk_bot.desk.accounts.add_agent("ada", SECRET, is_admin=True)
        await desk_bot.desk.accounts.login("ada", SECRET, admin.id)

        await server.user_sends(admin, "/deadletters")

        await desk_bot.wait_bot_says(admin, "No unreadable updates")


PROCESS_TOKEN = "987654:DEAD-LETTER-TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"


class TestTheProcessLog:
    async def test_a_real_run_at_debug_logs_neither_password_nor_content_nor_token(
        self, tmp_path: Path
    ) -> None:
        async with FakeBotApi(token=PROCESS_TOKEN) as server:
            staff = server.add_forum("Support staff")
            database_url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
            desk = await Desk.open(database_url, config=DeskConfig(bcrypt_rounds=4))
            try:
                await desk.accounts.add_agent("bob", SECRET)
            finally:
                await desk.close()
            ann, bob = server.add_user("Ann"), server.add_user("Bob")
            await server.user_sends(ann, "/start")
            bad = server.inject_raw_update("message", no_date(ann))
            await server.user_sends(bob, "/login bob")
            password = await server.user_sends(bob, SECRET)
            env = {
                "PATH": os.environ.get("PATH", ""),
                "TELEGRAM_BOT_TOKEN": PROCESS_TOKEN,
                "TELEGRAM_BASE_URL": server.base_url,
                "STAFF_CHAT_ID": str(staff.id),
                "DATABASE_URL": database_url,
                "BCRYPT_ROUNDS": "4",
                "POLL_TIMEOUT": "1",
                "HTTP_TIMEOUT": "2",
                "LOG_LEVEL": "DEBUG",
            }
            log = tmp_path / "bot.log"
            with log.open("wb") as output:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=output, stderr=output
                )
            try:
                await server.wait_for(
                    lambda: any(
                        "Logged in as" in (m.get("text") or "") for m in server.bot_messages(bob)
                    ),
                    timeout=30,
                )
                carl = server.add_user("Carl")
                await server.user_sends(carl, "/start")
                await server.wait_for(lambda: server.bot_messages(carl), timeout=15)
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 20)

            assert server.message(bob, password["message_id"]) is None
            text = log.read_text()
            assert f"update {bad['update_id']} (message, chat {ann.id}) cannot be read" in text
            assert SECRET not in text
            assert UNREADABLE_TEXT not in text
            assert PROCESS_TOKEN not in text
            assert "CRITICAL" not in text
            watcher = await Desk.open(
                database_url, config=DeskConfig(bcrypt_rounds=4), migrate=False
            )
            try:
                assert [d.update_id for d in await watcher.dead_letters.letters()] == [
                    bad["update_id"]
                ]
            finally:
                await watcher.close()
