"""A newcomer's first run: ``helpdesk run`` with a token and nothing else, as a real process."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.botapi import FakeBotApi
from tests.e2e.desk_process import DeskProcess

TOKEN = "7012345678:AAFirstRunTokenThatLooksLikeARealOne_x9"
STAFF_CHAT_HINT = "STAFF_CHAT_ID is not set"
EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API that knows a token shaped like a real one."""
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture(name="first_run")
async def fixture_first_run(server: FakeBotApi, tmp_path: Path) -> AsyncIterator[DeskProcess]:
    """README's "Going live" steps as a newcomer runs them, before the staff chat is known.

    ``cp .env.example .env``, an admin agent, then ``helpdesk run`` with only the token and
    the server's address set.
    """
    shutil.copy(EXAMPLE, tmp_path / ".env")
    add = DeskProcess(tmp_path, {}, "agent", "add", "alice", "--admin", "--password-stdin")
    await add.start(stdin="a-long-secret-pass\n")
    assert await add.finished() == 0, add.output()
    desk = DeskProcess(
        tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": server.base_url}
    )
    await desk.start()
    try:
        await desk.wait_logged("the desk is running")
        yield desk
    finally:
        await desk.terminate()


class TestWithoutAStaffChat:
    async def test_the_desk_starts_serves_customers_and_tells_groups_their_id(
        self, server: FakeBotApi, first_run: DeskProcess
    ) -> None:
        ann = server.add_user("Ann")
        await server.user_sends(ann, "/start")
        await server.wait_for(lambda: server.bot_messages(ann), timeout=30)
        team = server.add_forum("Our team")
        admin = server.add_user("Admin")
        team.add_member(admin)
        await server.user_sends(admin, "/chatid", chat=team)
        await server.wait_for(lambda: server.bot_messages(team), timeout=30)
        answer = str(server.bot_messages(team)[0]["text"])
        assert str(team.id) in answer
        assert "Set STAFF_CHAT_ID to it" in answer
        assert await first_run.terminate() == 0

    async def test_the_log_says_once_how_to_set_the_staff_chat(
        self, first_run: DeskProcess
    ) -> None:
        assert await first_run.terminate() == 0
        lines = [line for line in first_run.output().splitlines() if STAFF_CHAT_HINT in line]
        assert len(lines) == 1, first_run.output()
        (hint,) = lines
        assert "/chatid" in hint
        assert ".env" in hint
        assert "restart" in hint

    async def test_tickets_wait_for_the_staff_chat_and_reach_it_once_it_is_set(
        self, server: FakeBotApi, first_run: DeskProcess
    ) -> None:
        ann = server.add_user("Ann")
        await server.user_sends(ann, "/new")
        await server.wait_for(lambda: len(server.bot_messages(ann)) >= 1, timeout=30)
        await server.user_sends(ann, "Printer on fire")
        await server.wait_for(lambda: len(server.bot_messages(ann)) >= 2, timeout=30)
        await server.user_sends(ann, "It smokes.")
        await server.wait_for(
            lambda: any("#1" in str(m.get("text")) for m in server.bot_messages(ann)), timeout=30
        )
        await asyncio.sleep(1)  # it had time to look at the rows for the staff chat
        assert await first_run.terminate() == 0
        assert "Traceback" not in first_run.output()

        staff = server.add_forum("Support staff")
        first_run.env["STAFF_CHAT_ID"] = str(staff.id)
        await first_run.start()
        await first_run.wait_logged("the desk is running", count=2)
        await server.wait_for(
            lambda: any(
                m.get("text") == "It smokes."
                for topic in server.topics(staff)
                for m in server.bot_messages(staff, topic.thread_id)
            ),
            timeout=15,
        )
        assert [topic.name for topic in server.topics(staff)] == ["#1 Printer on fire"]
