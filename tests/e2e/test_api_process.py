"""``helpdesk run`` with ``API_PORT`` set: the API as a supervised child process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import psutil

from sandbox.botapi import FakeBotApi
from tests.api.test_cli import free_port
from tests.e2e.test_process import BotProcess, fixture_server  # noqa: F401 - the fixture


def _api_children(bot: BotProcess) -> list[psutil.Process]:
    assert bot.process is not None
    return [
        child
        for child in psutil.Process(bot.process.pid).children()
        if "bot.api_process" in " ".join(child.cmdline())
    ]


async def _answers(port: int, within: float = 30) -> int:
    """Wait until the API answers on the port; return the status of ``/openapi.json``."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        deadline = asyncio.get_running_loop().time() + within
        while True:
            try:
                return (await client.get("/openapi.json")).status_code
            except httpx.TransportError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.1)


class TestApiBesideTheBot:
    async def test_the_api_serves_is_restarted_when_killed_and_stops_with_the_bot(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        bot = BotProcess(server, server.add_forum("Support staff"), tmp_path)
        port = free_port()
        bot.env["API_PORT"] = str(port)
        await bot.start()
        try:
            assert await _answers(port) == 200
            (api,) = _api_children(bot)
            api.kill()
            await asyncio.to_thread(api.wait, 10)
            assert await _answers(port) == 200
            (again,) = _api_children(bot)
            assert again.pid != api.pid
        finally:
            assert await bot.terminate() == 0
        gone, alive = await asyncio.to_thread(psutil.wait_procs, [again], 10)
        assert (len(gone), alive) == (1, [])
        log = bot.log.read_text()
        assert "the API exited" in log
        assert f"API listening on http://127.0.0.1:{port}" in log

    async def test_the_api_stops_when_the_bot_process_is_killed(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        bot = BotProcess(server, server.add_forum("Support staff"), tmp_path)
        port = free_port()
        bot.env["API_PORT"] = str(port)
        await bot.start()
        assert await _answers(port) == 200
        (api,) = _api_children(bot)
        await bot.kill()
        gone, alive = await asyncio.to_thread(psutil.wait_procs, [api], 10)
        assert (len(gone), alive) == (1, [])
        assert "the API stops" in bot.log.read_text()

    async def test_without_api_port_no_api_is_started(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        bot = BotProcess(server, server.add_forum("Support staff"), tmp_path)
        await bot.start()
        try:
            await server.wait_for(lambda: server.calls_of("getUpdates"), timeout=30)
            assert _api_children(bot) == []
        finally:
            assert await bot.terminate() == 0
