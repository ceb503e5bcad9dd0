"""``helpdesk updates list|retry``, run as a real process against a fake Bot API."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.config import DeskConfig
from core.desk import Desk
from sandbox.botapi import FakeBotApi, FakeUser

HELPDESK = str(Path(sys.executable).with_name("helpdesk"))
TOKEN = "246810:CLI-UPDATES-TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
SECRET = "correct-horse-battery-9"


@dataclass
class Result:
    """What a finished ``helpdesk`` run printed, and its exit code."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API server that knows this test's token."""
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture(name="database_url")
def fixture_database_url(tmp_path: Path) -> str:
    """A SQLite file in the test's folder."""
    return f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"


async def helpdesk(tmp_path: Path, database_url: str, *args: str, **env: str) -> Result:
    """Run ``helpdesk`` in an empty folder (no .env) without blocking the fake server."""
    environment = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": database_url, **env}
    process = await asyncio.create_subprocess_exec(
        HELPDESK,
        *args,
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return Result(process.returncode, stdout.decode(), stderr.decode())


def message(user_id: int, text: str, *, with_date: bool = True) -> dict[str, Any]:
    """A private message payload (without ``date``: unreadable for the library)."""
    payload: dict[str, Any] = {
        "message_id": 500,
        "from": {"id": user_id, "is_bot": False, "first_name": "Ann"},
        "chat": {"id": user_id, "type": "private", "first_name": "Ann"},
        "text": text,
    }
    if with_date:
        payload["date"] = 1_700_000_000
        if text.startswith("/"):
            payload["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return payload


async def keep(database_url: str, update_id: int, payload: dict[str, Any]) -> None:
    """Store a dead letter the way the bot does."""
    desk = await Desk.open(database_url, config=DeskConfig(bcrypt_rounds=4))
    try:
        raw = {"update_id": update_id, "message": payload}
        await desk.dead_letters.record(update_id, "message", raw, "missing field 'date'")
    finally:
        await desk.close()


class TestList:
    async def test_with_none_it_says_so(self, tmp_path: Path, database_url: str) -> None:
        result = await helpdesk(tmp_path, database_url, "updates", "list")

        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "No unreadable updates."

    async def test_it_shows_id_kind_tries_and_error_never_the_content(
        self, tmp_path: Path, database_url: str
    ) -> None:
        await keep(database_url, 31, message(7, SECRET, with_date=False))

        result = await helpdesk(tmp_path, database_url, "updates", "list")

        assert result.returncode == 0, result.stderr
        header, row = result.stdout.strip().splitlines()
        assert header.split()[:2] == ["UPDATE", "KIND"]
        assert row.split()[:2] == ["31", "message"]
        assert row.endswith("missing field 'date'")
        assert SECRET not in result.stdout + result.stderr


class TestRetry:
    async def test_it_hands_what_reads_now_to_the_bot_and_reports_the_rest(
        self, tmp_path: Path, database_url: str, server: FakeBotApi
    ) -> None:
        ann: FakeUser = server.add_user("Ann")
        await keep(database_url, 40, message(ann.id, "/start"))
        await keep(database_url, 41, message(ann.id, SECRET, with_date=False))
        settings = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": server.base_url}

        result = await helpdesk(tmp_path, database_url, "updates", "retry", **settings)

        assert result.returncode == 1
        assert "Read and handled 1 update(s): 40." in result.stdout
        assert result.stderr.strip().endswith("1 update(s) still unreadable: 41")
        assert any("Hello, Ann" in (m.get("text") or "") for m in server.bot_messages(ann))
        listing = await helpdesk(tmp_path, database_url, "updates", "list", "--all")
        rows = {line.split()[0]: line for line in listing.stdout.strip().splitlines()[1:]}
        assert rows["40"].split()[5] != "-"  # handled at ...
        assert rows["41"].split()[4:6] == ["2", "-"]  # two tries, not handled
        assert SECRET not in result.stdout + result.stderr + listing.stdout
        assert TOKEN not in result.stdout + result.stderr

    async def test_an_unknown_update_id_is_one_clear_line(
        self, tmp_path: Path, database_url: str, server: FakeBotApi
    ) -> None:
        settings = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": server.base_url}

        result = await helpdesk(tmp_path, database_url, "updates", "retry", "77", **settings)

        assert result.returncode == 1
        assert result.stderr.strip().splitlines()[-1] == (
            "helpdesk: error: No unreadable update has the id 77."
        )
        assert "Traceback" not in result.stderr

    async def test_without_a_token_it_says_how_to_set_one(
        self, tmp_path: Path, database_url: str
    ) -> None:
        result = await helpdesk(tmp_path, database_url, "updates", "retry")

        assert result.returncode == 1
        assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr
        assert "Traceback" not in result.stderr
