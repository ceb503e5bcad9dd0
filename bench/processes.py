"""The processes a benchmark runs: the fake Bot API server, the desk bot, the echo bot."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

TOKEN = "424242:BENCH-TOKEN"
ROOT = Path(__file__).resolve().parent.parent
PASSED_ON = ("DELIVERY_WORKER",)  # the desk's settings a benchmark run may choose
PROFILE_ENV = "BENCH_PROFILE_DIR"  # set to a folder: every bot runs under py-spy, profiles there


class FakeServer:
    """``python -m sandbox.botapi`` in its own process, driven by its control API."""

    def __init__(self, *, flood_limits: bool = False) -> None:
        self.flood_limits = flood_limits
        self.process: asyncio.subprocess.Process | None = None
        self.base_url = ""
        self.root = ""
        self.client = httpx.AsyncClient(timeout=60)

    async def start(self) -> None:
        """Start the server on a free port and wait until it listens."""
        command = [sys.executable, "-m", "sandbox.botapi", "--port", "0", "--token", TOKEN]
        if self.flood_limits:
            command.append("--flood-limits")
        self.process = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        assert self.process.stdout is not None
        line = (await asyncio.wait_for(self.process.stdout.readline(), 30)).decode()
        match = re.search(r"base_url=(\S+)", line)
        if match is None:
            raise RuntimeError(f"the fake server did not start: {line!r}")
        self.base_url = match.group(1)
        self.root = self.base_url.removesuffix("/bot")

    async def stop(self) -> None:
        """Stop the server."""
        await self.client.aclose()
        await _terminate(self.process)

    async def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the control API."""
        response = await self.client.request(method, f"{self.root}/_control/{path}", json=body)
        response.raise_for_status()
        return response.json()

    async def add_user(self, name: str) -> int:
        """Add a user; return their id."""
        return int((await self.control("POST", "users", {"first_name": name}))["id"])

    async def add_forum(self, title: str) -> int:
        """Add a forum supergroup where the bot is an admin; return its id."""
        return int((await self.control("POST", "groups", {"title": title, "forum": True}))["id"])

    async def user_sends(self, user_id: int, text: str) -> dict[str, Any]:
        """A user writes to the bot in private."""
        message: dict[str, Any] = await self.control(
            "POST", "user_sends", {"user_id": user_id, "text": text}
        )
        return message

    async def calls(
        self, method: str | None = None, *, since: float | None = None
    ) -> list[dict[str, Any]]:
        """Every recorded API call (optionally of one method, made at or after ``since``)."""
        query = {"method": method, "since": None if since is None else repr(since)}
        shown = "&".join(f"{name}={value}" for name, value in query.items() if value is not None)
        calls: list[dict[str, Any]] = await self.control(
            "GET", f"calls?{shown}" if shown else "calls"
        )
        return calls

    async def update_times(self) -> list[dict[str, Any]]:
        """When each update was queued and handed out."""
        times: list[dict[str, Any]] = await self.control("GET", "updates")
        return times

    async def stats(self) -> dict[str, Any]:
        """The server's counters."""
        stats: dict[str, Any] = await self.control("GET", "stats")
        return stats


@dataclass
class BotProcess:
    """A Python process running a bot, with its peak memory sampled while it runs."""

    module: str
    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    peak_rss: int = 0
    peak_child_rss: int = 0  # the delivery worker, a child of the bot
    peak_tree_rss: int = 0  # the process and its children together, at one moment
    cpu_samples: list[tuple[float, float]] = field(default_factory=list)  # (time, CPU seconds)
    _sampler: asyncio.Task[None] | None = field(default=None, repr=False)

    async def start(self, log: Path) -> None:
        """Start the process, writing its output to ``log``."""
        environment = {"PATH": os.environ.get("PATH", ""), "PTB_TIMEDELTA": "1", **self.env}
        command = [sys.executable, "-m", self.module]
        profiles = os.environ.get(PROFILE_ENV)
        if profiles:  # sampled by py-spy (its peak memory is then the profiler's, not the bot's)
            output = Path(profiles) / f"{self.module}-{time.time_ns()}.txt"
            command = ["py-spy", "record", "--subprocesses", "--nonblocking", "--format", "raw"]
            if os.environ.get("BENCH_PROFILE_IDLE"):  # waiting too, sampled 1,000 times a second
                command += ["--idle", "-r", "1000"]
            command += ["-o", str(output), "--", sys.executable, "-m", self.module]
        with log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *command, cwd=ROOT, env=environment, stdout=out, stderr=out
            )
        self._sampler = asyncio.get_running_loop().create_task(self._sample())

    async def _sample(self) -> None:
        assert self.process is not None
        watched = psutil.Process(self.process.pid)
        while True:
            try:
                own = watched.memory_info().rss
                self.peak_rss = max(self.peak_rss, own)
                times = watched.cpu_times()
                cpu = times.user + times.system
                tree = own
                for child in watched.children():
                    with contextlib.suppress(psutil.Error):
                        rss = child.memory_info().rss
                        self.peak_child_rss = max(self.peak_child_rss, rss)
                        tree += rss
                        times = child.cpu_times()
                        cpu += times.user + times.system
                self.peak_tree_rss = max(self.peak_tree_rss, tree)
                self.cpu_samples.append((time.monotonic(), cpu))
            except psutil.Error:
                return
            await asyncio.sleep(0.05)

    def cpu_between(self, start: float, end: float) -> float:
        """CPU seconds the process and its children used from ``start`` to ``end``
        (``time.monotonic()``; sampled every 50 ms, so to within a sample)."""
        before = [cpu for at, cpu in self.cpu_samples if at <= start]
        after = [cpu for at, cpu in self.cpu_samples if at >= end]
        first = before[-1] if before else 0.0
        last = after[0] if after else (self.cpu_samples[-1][1] if self.cpu_samples else 0.0)
        return last - first

    def rss(self) -> int:
        """The process's resident memory now."""
        assert self.process is not None
        return int(psutil.Process(self.process.pid).memory_info().rss)

    async def stop(self) -> None:
        """Stop it cleanly (SIGTERM)."""
        if self._sampler is not None:
            self._sampler.cancel()
        if os.environ.get(PROFILE_ENV) and self.process is not None:  # py-spy: stop the bot
            with contextlib.suppress(psutil.Error):
                for child in psutil.Process(self.process.pid).children():
                    child.send_signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), 30)
        await _terminate(self.process)


async def _terminate(process: asyncio.subprocess.Process | None) -> None:
    if process is None or process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 20)
    except TimeoutError:
        process.kill()
        await process.wait()


def desk_env(
    server: FakeServer, staff_chat_id: int, database_url: str, **extra: str
) -> dict[str, str]:
    """The environment that points the desk bot at the fake server.

    ``DELIVERY_WORKER``, when set in the benchmark's own environment, is passed on, so
    either way of delivering can be measured (``DELIVERY_WORKER=true python -m bench``).
    """
    chosen = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": server.base_url,
        "STAFF_CHAT_ID": str(staff_chat_id),
        "DATABASE_URL": database_url,
        "POLL_TIMEOUT": "1",
        "HTTP_TIMEOUT": "10",
        "LOG_LEVEL": "WARNING",
        **chosen,
        **extra,
    }


async def wait_until(predicate: Any, within: float, interval: float = 0.05) -> None:
    """Poll an async predicate until it is true.

    Raises:
        TimeoutError: it did not become true in time.
    """
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the benchmark waited too long")
        await asyncio.sleep(interval)


def copied_messages(call: dict[str, Any]) -> list[tuple[int, int]]:
    """The (chat id, message id) of every message a copyMessage(s) call copied."""
    params = call["params"]
    ids = params.get("message_ids") or [params.get("message_id")]
    return [(int(params["from_chat_id"]), int(message_id)) for message_id in ids]
