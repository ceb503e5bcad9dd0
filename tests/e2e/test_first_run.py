"""A newcomer's first run: ``helpdesk run`` with a token and nothing else, as a real process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fake_bot_api import FakeBotApi

TOKEN = "7012345678:AAFirstRunTokenThatLooksLikeARealOne_x9"
HELPDESK = str(Path(sys.executable).with_name("helpdesk"))
STAFF_CHAT_HINT = "STAFF_CHAT_ID is not set"


class DeskProcess:
    """``helpdesk run`` in a folder of its own, its stdout and stderr in one log file."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.log = folder / "helpdesk.log"
        self.env = {"PATH": os.environ.get("PATH", ""), **env}
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                HELPDESK, "run", cwd=self.folder, env=self.env, stdout=log, stderr=log
            )

    def output(self) -> str:
        return self.log.read_text()

    async def wait_logged(self, text: str, *, count: int = 1, within: float = 30) -> None:
        """Wait until ``text`` appears ``count`` times in the log (or the process ends)."""
        for _ in range(int(within / 0.05)):
            if self.output().count(text) >= count:
                return
            assert self.process is not None
            assert self.process.returncode is None, self.output()
            await asyncio.sleep(0.05)
        raise AssertionError(f"{text!r} never logged:\n{self.output()}")

    async def terminate(self) -> int:
        """SIGTERM, and the exit code once it stopped."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 30)


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API that knows a token shaped like a real one."""
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture(name="first_run")
async def fixture_first_run(server: FakeBotApi, tmp_path: Path) -> AsyncIterator[DeskProcess]:
    """``helpdesk run`` with only the token, the server and a database: no staff chat."""
    desk = DeskProcess(
        tmp_path,
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": server.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        },
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
        await first_run.wait_logged("delivery worker running")  # it checked the chat, too
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
        await first_run.wait_logged("delivery worker running")
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
