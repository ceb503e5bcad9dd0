"""No token, password or password hash in anything the desk prints, even at DEBUG."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.botapi import FakeBotApi
from tests.e2e.desk_process import DeskProcess

TOKEN = "7012345678:AAHx-Secret_Token-Part_0123456789abcdef"
WRONG_TOKEN = "7012345678:AAHx-Revoked_Token-Part_9876543210fedcba"
PASSWORD = "correct-horse-battery-9"
WRONG_PASSWORD = "incorrect-donkey-staple-3"
NEW_PASSWORD = "another-long-pass-phrase"


def secrets_in(text: str, *secrets: str) -> list[str]:
    """The secrets (or a bcrypt hash) that appear in ``text``."""
    found = [secret for secret in secrets if secret in text]
    for token in (TOKEN, WRONG_TOKEN):
        if token in secrets and token.partition(":")[2] in text:
            found.append(f"the secret part of {token[:12]}...")
    if "$2b$" in text:
        found.append("a bcrypt hash")
    return found


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API that knows one token shaped like a real one."""
    async with FakeBotApi(token=TOKEN) as server:
        yield server


def _env(server: FakeBotApi, tmp_path: Path, token: str = TOKEN) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_BASE_URL": server.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "BCRYPT_ROUNDS": "4",
        "POLL_TIMEOUT": "1",
        "HTTP_TIMEOUT": "2",
        "LOG_LEVEL": "DEBUG",
    }


class TestARefusedToken:
    @pytest.mark.parametrize("command", ["run", "deliver"])
    async def test_telegram_refusing_the_token_is_one_line_without_it(
        self, server: FakeBotApi, tmp_path: Path, command: str
    ) -> None:
        desk = DeskProcess(tmp_path, _env(server, tmp_path, WRONG_TOKEN), command)
        await desk.start()
        assert await desk.finished() == 1
        output = desk.output()
        assert (
            output.strip()
            .splitlines()[-1]
            .startswith("helpdesk: error: Telegram refused the bot token")
        )
        assert "Traceback" not in output
        assert secrets_in(output, WRONG_TOKEN) == []
        assert any(call.status == 401 for call in server.calls)


class TestDebugOutput:
    async def test_a_working_day_at_debug_prints_no_secret(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        env = _env(server, tmp_path)
        staff = server.add_forum("Support staff")
        env["STAFF_CHAT_ID"] = str(staff.id)
        add = DeskProcess(tmp_path, env, "agent", "add", "alice", "--admin", "--password-stdin")
        await add.start(stdin=PASSWORD + "\n")
        assert await add.finished() == 0, add.output()

        bot = DeskProcess(tmp_path, env)
        await bot.start()
        try:
            await bot.wait_logged("the desk is running")
            alice = server.add_user("Alice", username="alice_tg")
            staff.add_member(alice)
            for password, answer in ((WRONG_PASSWORD, "/login"), (PASSWORD, "Logged in")):
                before = len(server.bot_messages(alice))
                await server.user_sends(alice, "/login alice")
                await server.wait_for(lambda n=before: len(server.bot_messages(alice)) > n)
                before = len(server.bot_messages(alice))
                await server.user_sends(alice, password)
                await server.wait_for(
                    lambda n=before, a=answer: any(
                        a in str(m.get("text")) for m in server.bot_messages(alice)[n:]
                    ),
                    timeout=30,
                )
            ann = server.add_user("Ann")
            server.faults.add("sendMessage", chat_id=ann.id, status=500, times=1)
            await server.user_sends(ann, "/start")  # its answer fails: an error is logged
            await server.user_sends(ann, "/help")
            await server.wait_for(lambda: server.bot_messages(ann), timeout=30)

            passwd = DeskProcess(tmp_path, env, "agent", "passwd", "alice", "--password-stdin")
            await passwd.start(stdin=NEW_PASSWORD + "\n")
            assert await passwd.finished() == 0, passwd.output()
            listing = DeskProcess(tmp_path, env, "agent", "list")
            await listing.start()
            assert await listing.finished() == 0, listing.output()
        finally:
            assert await bot.terminate() == 0

        with sqlite3.connect(tmp_path / "desk.db") as db:
            (stored_hash,) = db.execute("SELECT password_hash FROM agents").fetchone()
        output = "".join(p.output() for p in (add, bot, passwd, listing))
        assert "running as @" in output
        assert any(call.status == 500 for call in server.calls)
        assert secrets_in(output, TOKEN, PASSWORD, WRONG_PASSWORD, NEW_PASSWORD, stored_hash) == []
