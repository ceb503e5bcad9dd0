"""The bot as a real process: killed with messages queued, started again; its logs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select

from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor, CustomerProfile, NewMessage
from core.store.tables import MessageRow, OutboxRow
from sandbox.botapi import FakeBotApi, FakeChat, FakeUser
from tests.e2e.conftest import PASSWORD

TOKEN = "987654:PROCESS-TEST-SECRET-TOKEN"


class BotProcess:
    """``python -m bot`` in a subprocess, pointed at the fake server."""

    def __init__(self, server: FakeBotApi, staff: FakeChat, folder: Path) -> None:
        self.database_url = f"sqlite+aiosqlite:///{folder / 'desk.db'}"
        self.log = folder / "bot.log"
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": server.base_url,
            "STAFF_CHAT_ID": str(staff.id),
            "DATABASE_URL": self.database_url,
            "BCRYPT_ROUNDS": "4",
            "POLL_TIMEOUT": "1",
            "HTTP_TIMEOUT": "2",
            "LOG_LEVEL": "DEBUG",
        }
        self.folder = folder
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=self.folder, env=self.env, stdout=log, stderr=log
            )

    async def kill(self) -> None:
        """SIGKILL: no clean shutdown at all."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def terminate(self) -> int:
        """SIGTERM: a clean shutdown."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 20)


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API that knows the process test's token."""
    async with FakeBotApi(token=TOKEN) as server:
        yield server


async def _count(desk: Desk, query: object) -> int:
    async with desk.database.read_session() as session:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]


class TestKilledProcess:
    @pytest.mark.slow
    async def test_messages_queued_when_the_process_is_killed_are_delivered_once_after_restart(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        staff = server.add_forum("Support staff")
        bot = BotProcess(server, staff, tmp_path)
        await bot.start()
        watcher: Desk | None = None
        try:
            ann = server.add_user("Ann")
            await server.user_sends(ann, "/new")
            await server.wait_for(lambda: server.bot_messages(ann), timeout=30)
            await server.user_sends(ann, "Killed printer")
            await server.wait_for(lambda: len(server.bot_messages(ann)) >= 2)
            await server.user_sends(ann, "It died")
            await server.wait_for(
                lambda: server.topics(staff) and server.calls_of("copyMessage"), timeout=15
            )
            thread = server.topics(staff)[0].thread_id

            watcher = await Desk.open(
                bot.database_url, config=DeskConfig(bcrypt_rounds=4), migrate=False
            )
            agent = server.add_user("Alice", username="alice")
            staff.add_member(agent)
            await watcher.accounts.add_agent("alice", PASSWORD)
            await watcher.accounts.login("alice", PASSWORD, agent.id)

            for method in ("copyMessage", "copyMessages", "sendMessage"):
                server.faults.add(method, chat_id=ann.id, status=502, times=None)
            for text in ("first", "second", "third"):
                await server.user_sends(agent, text, chat=staff, thread_id=thread)
            stored = select(func.count(MessageRow.id)).where(
                MessageRow.text.in_(["first", "second", "third"])
            )
            for _ in range(300):
                if await _count(watcher, stored) == 3 and any(
                    c.status == 502 for c in server.calls
                ):
                    break
                await asyncio.sleep(0.05)
            await bot.kill()
            pending = select(func.count(OutboxRow.id)).where(
                OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None)
            )
            assert await _count(watcher, pending) >= 1

            server.faults.clear()
            await bot.start()
            await server.wait_for(
                lambda: (
                    [
                        m.get("text")
                        for m in server.bot_messages(ann)
                        if m.get("text") in ("first", "second", "third")
                    ]
                    == ["first", "second", "third"]
                ),
                timeout=60,
            )
            for _ in range(300):  # a row retried often before the kill waits its backoff
                if await _count(watcher, pending) == 0:
                    break
                await asyncio.sleep(0.1)
            assert await _count(watcher, pending) == 0
            texts = [m.get("text") for m in server.bot_messages(ann)]
            assert [t for t in texts if t in ("first", "second", "third")] == [
                "first",
                "second",
                "third",
            ]
        finally:
            if watcher is not None:
                await watcher.close()
            await bot.terminate()


class TestLogs:
    async def test_the_token_never_appears_in_the_logs_even_at_debug(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        staff = server.add_forum("Support staff")
        bot = BotProcess(server, staff, tmp_path)
        await bot.start()
        ann = server.add_user("Ann")
        await server.user_sends(ann, "/start")
        await server.wait_for(lambda: server.bot_messages(ann), timeout=30)
        server.faults.add("sendMessage", status=500, times=1)
        await server.user_sends(ann, "/help")
        await server.wait_for(
            lambda: (
                len(server.bot_messages(ann)) >= 1 and any(c.status == 500 for c in server.calls)
            )
        )
        assert await bot.terminate() == 0
        log = bot.log.read_text()
        assert "running as @" in log
        assert TOKEN not in log
        assert TOKEN.split(":")[1] not in log

    @pytest.mark.parametrize("module", ["bot", "bot.worker"])  # helpdesk run / deliver
    def test_a_missing_token_is_one_clear_line(self, tmp_path: Path, module: str) -> None:
        result = subprocess.run(
            [sys.executable, "-m", module],
            cwd=tmp_path,
            env={
                "PATH": os.environ.get("PATH", ""),
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 1
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("helpdesk: error: TELEGRAM_BOT_TOKEN is not set.")
        assert "@BotFather" in line


class TestDeadPolling:
    async def test_helpdesk_run_exits_with_an_error_when_its_polling_dies(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        staff = server.add_forum("Support staff")
        # An answer polling does not survive: the loop ends while the process looks alive.
        server.faults.add("getUpdates", status=403, description="Forbidden: go away", times=1)
        bot = BotProcess(server, staff, tmp_path)
        await bot.start()
        assert bot.process is not None
        try:
            code = await asyncio.wait_for(bot.process.wait(), 30)
        finally:
            await bot.terminate()
        assert code == 1, "a supervisor restarts a bot that exits with an error"
        log = bot.log.read_text()
        assert "polling stopped unexpectedly (Forbidden: Forbidden: go away)" in log
        assert "exiting so a supervisor restarts the bot" in log


class TestKilledWithABacklog:
    async def test_updates_fetched_but_not_handled_come_again_and_are_stored_once(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        staff = server.add_forum("Support staff")
        bot = BotProcess(server, staff, tmp_path)
        await bot.start()
        watcher: Desk | None = None
        try:
            ann = server.add_user("Ann")
            await server.user_sends(ann, "/new")
            await server.wait_for(lambda: server.bot_messages(ann), timeout=30)
            await server.user_sends(ann, "Backlog")
            await server.wait_for(lambda: len(server.bot_messages(ann)) >= 2)
            await server.user_sends(ann, "first description")
            await server.wait_for(lambda: len(server.bot_messages(ann)) >= 3, timeout=15)
            watcher = await Desk.open(
                bot.database_url, config=DeskConfig(bcrypt_rounds=4), migrate=False
            )
            texts = [f"m{i}" for i in range(60)]
            for text in texts:
                await server.user_sends(ann, text)
            stored = select(func.count(MessageRow.id)).where(MessageRow.text.in_(texts))
            for _ in range(400):
                if await _count(watcher, stored) >= 3:
                    break
                await asyncio.sleep(0.01)
            await bot.kill()  # mid-backlog: some handled, some fetched and not handled
            assert await _count(watcher, stored) < len(texts)
            await bot.start()
            for _ in range(600):
                if await _count(watcher, stored) == len(texts):
                    break
                await asyncio.sleep(0.05)
            assert await _count(watcher, stored) == len(texts), "every message arrived"
            rows = select(MessageRow.text).where(MessageRow.text.in_(texts))
            async with watcher.database.read_session() as session:
                assert sorted((await session.scalars(rows)).all()) == sorted(texts), "and once"
        finally:
            if watcher is not None:
                await watcher.close()
            await bot.terminate()


def _workers(bot: BotProcess) -> list[psutil.Process]:
    assert bot.process is not None
    return [
        child
        for child in psutil.Process(bot.process.pid).children()
        if "bot.worker" in " ".join(child.cmdline())
    ]


async def _open_ticket(server: FakeBotApi, staff: FakeChat, customer: FakeUser) -> None:
    await server.user_sends(customer, "/new")
    await server.wait_for(lambda: server.bot_messages(customer), timeout=30)
    await server.user_sends(customer, "Printer")
    await server.wait_for(lambda: len(server.bot_messages(customer)) >= 2)
    await server.user_sends(customer, "It smokes")
    await server.wait_for(lambda: server.topics(staff), timeout=15)


def _copied_to_staff(server: FakeBotApi, message_id: int) -> bool:
    for call in server.calls_of("copyMessage") + server.calls_of("copyMessages"):
        ids = call.params.get("message_ids") or [call.params.get("message_id")]
        if message_id in [int(i) for i in ids] and call.status == 200:
            return True
    return False


def _with_worker(server: FakeBotApi, staff: FakeChat, folder: Path) -> BotProcess:
    """``helpdesk run`` with ``DELIVERY_WORKER=true``: delivery in a child process."""
    bot = BotProcess(server, staff, folder)
    bot.env["DELIVERY_WORKER"] = "true"
    return bot


class TestDeliveryWorker:
    """``DELIVERY_WORKER=true``: ``helpdesk run`` delivers from a child process;
    ``helpdesk deliver`` runs it alone."""

    async def test_a_killed_worker_is_started_again_and_delivers(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        staff = server.add_forum("Support staff")
        bot = _with_worker(server, staff, tmp_path)
        await bot.start()
        try:
            ann = server.add_user("Ann")
            await _open_ticket(server, staff, ann)
            (worker,) = _workers(bot)
            worker.kill()
            await asyncio.to_thread(worker.wait, 10)
            message = await server.user_sends(ann, "Written while the worker was down")
            message_id = int(message["message_id"])
            await server.wait_for(lambda: _copied_to_staff(server, message_id), timeout=30)
            (again,) = _workers(bot)
            assert again.pid != worker.pid
        finally:
            assert await bot.terminate() == 0
        assert "the delivery worker exited" in bot.log.read_text()

    async def test_the_worker_stops_when_the_bot_process_is_killed(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        staff = server.add_forum("Support staff")
        bot = _with_worker(server, staff, tmp_path)
        await bot.start()
        ann = server.add_user("Ann")
        await _open_ticket(server, staff, ann)
        (worker,) = _workers(bot)
        await bot.kill()
        gone, alive = await asyncio.to_thread(psutil.wait_procs, [worker], 10)
        assert (len(gone), alive) == (1, [])

    async def test_helpdesk_deliver_alone_sends_what_the_desk_wrote(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        staff = server.add_forum("Support staff")
        bot = BotProcess(server, staff, tmp_path)
        desk = await Desk.open(bot.database_url, config=DeskConfig(bcrypt_rounds=4))
        ann = server.add_user("Ann")
        try:
            ticket = await desk.tickets.report_ticket(
                Actor.customer(CustomerProfile(ann.id, "Ann")),
                "Written without a bot",
                NewMessage("Hello <b>there</b> 👋"),
            )
        finally:
            await desk.close()
        with bot.log.open("ab") as log:
            worker = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).parent / "helpdesk"), "deliver",
                cwd=tmp_path, env=bot.env, stdout=log, stderr=log,
            )  # fmt: skip
        try:
            await server.wait_for(lambda: server.topics(staff), timeout=30)
            assert f"#{ticket.number}" in server.topics(staff)[0].name
            await server.wait_for(
                lambda: any(
                    "Hello <b>there</b> 👋" in str(m.get("text", ""))
                    for m in server.chat_messages(staff)
                ),
                timeout=15,
            )
        finally:
            if worker.returncode is None:
                worker.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(worker.wait(), 20) == 0
        assert "delivery worker running" in bot.log.read_text()
