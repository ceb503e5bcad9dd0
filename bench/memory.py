"""Benchmark 5 (second half): the bot's memory with the largest scale database open.

The bot runs against the database the scale benchmark seeded, and works on it: a customer
opens a ticket, an agent looks at the queue and at a ticket. Peak RSS is sampled the whole
time. (The first half, peak RSS during the end-to-end run, is part of that benchmark.)
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bench.processes import BotProcess, FakeServer, desk_env, wait_until
from core.config import DeskConfig
from core.desk import Desk


async def run(workdir: Path, database: Path) -> dict[str, Any]:
    """Start the bot on ``database``, use it, report its peak memory."""
    url = f"sqlite+aiosqlite:///{database}"
    server = FakeServer()
    await server.start()
    try:
        staff = await server.add_forum("Support staff")
        agent = await server.add_user("Agent")
        desk = await Desk.open(url, config=DeskConfig(bcrypt_rounds=4), migrate=False)
        try:
            await desk.accounts.add_agent("memory", "memory-password")
            await desk.accounts.login("memory", "memory-password", agent)
        finally:
            await desk.close()
        bot = BotProcess("bot", desk_env(server, staff, url))
        await bot.start(workdir / "memory_bot.log")
        try:
            customer = await server.add_user("Customer")
            for text in ("/new", "Memory check", "It broke", "More", "/my"):
                await server.user_sends(customer, text)
            for text in ("/queue", "/queue all", "/ticket 1", "/ticket 500000", "/stats 30d"):
                await server.user_sends(agent, text)

            async def answered() -> bool:
                calls = await server.calls("sendMessage")
                return sum(1 for c in calls if c["params"].get("chat_id") == agent) >= 5

            await wait_until(answered, 300, interval=0.2)
            await asyncio.sleep(1)
            size = await asyncio.to_thread(lambda: database.stat().st_size)
            return {
                "database_mb": size / 2**20,
                "peak_rss_mb": bot.peak_rss / 2**20,
                "worker_peak_rss_mb": bot.peak_child_rss / 2**20,
                "desk_peak_rss_mb": bot.peak_tree_rss / 2**20,
                "rss_after_mb": bot.rss() / 2**20,
            }
        finally:
            await bot.stop()
    finally:
        await server.stop()
