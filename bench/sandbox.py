"""The sandbox page with a long chat: time to render 1,000 messages, and the sandbox's memory.

``helpdesk sandbox`` runs as a real process group (local Bot API with the page, the desk, its
delivery worker). Dana writes 1,000 messages in the staff group's General topic (team talk
the desk leaves alone) through the control API; headless Chromium opens that chat in the
page: the figure is the time from the click to the rendered chat (fetching the messages
included), and the part of it spent building the page's elements (``window.sandbox``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run"]
CLI = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"
MESSAGES = 1000
RENDERS = 5


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _PeakRss:
    """Samples the resident memory of a process and of its whole tree."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.own_mb = 0.0
        self.tree_mb = 0.0

    def sample(self) -> None:
        try:
            own = self.root.memory_info().rss
            tree = own + sum(child.memory_info().rss for child in self.root.children(True))
        except psutil.Error:
            return
        self.own_mb = max(self.own_mb, own / 2**20)
        self.tree_mb = max(self.tree_mb, tree / 2**20)


async def run(workdir: Path, *, quick: bool) -> dict[str, Any]:
    """Start a sandbox, fill a chat, time the page; stop the sandbox."""
    return await asyncio.to_thread(_measure, workdir, quick=quick)


def _measure(workdir: Path, *, quick: bool) -> dict[str, Any]:
    port = _free_port()
    root = f"http://127.0.0.1:{port}"
    output = workdir / "sandbox.out"
    env = {**os.environ, "BCRYPT_ROUNDS": "4"}
    with output.open("wb") as out:
        process = subprocess.Popen(
            [
                *[sys.executable, "-c", CLI, "sandbox", "--no-browser", "--port", str(port)],
                *["--dir", str(workdir / "sandbox-data"), "--reset"],
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    peak = _PeakRss(process.pid)
    try:
        with httpx.Client(base_url=root, timeout=10) as client:
            _wait_ready(client, output, peak)
            people = client.get("/sandbox/api/people").json()
            dana = next(p for p in people["people"] if p["role"] == "agent")
            staff = people["staff_chat_id"]
            started = time.monotonic()
            for number in range(MESSAGES):
                client.post(
                    "/_control/user_sends",
                    json={"user_id": dana["id"], "chat_id": staff, "text": f"Team note {number}"},
                )
                if number % 100 == 0:
                    peak.sample()
            fill_seconds = time.monotonic() - started
        timings = _time_page(root, dana["id"], peak, quick=quick)
        peak.sample()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    return {
        "messages": MESSAGES,
        "fill_seconds": fill_seconds,
        **timings,
        "sandbox_peak_rss_mb": peak.own_mb,
        "group_peak_rss_mb": peak.tree_mb,
    }


def _wait_ready(client: httpx.Client, output: Path, peak: _PeakRss) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        peak.sample()
        if "Sandbox running" in output.read_text():
            try:
                calls = client.get("/_control/calls?method=getUpdates").json()
            except httpx.HTTPError:
                calls = []
            if calls:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the sandbox never became ready: {output.read_text()[-500:]}")


def _time_page(root: str, agent_id: int, peak: _PeakRss, *, quick: bool) -> dict[str, Any]:
    """Open the long chat several times in Chromium; the median time and the DOM part."""
    if not CHROMIUM.exists():
        return {"render_ms": None, "build_ms": None, "note": f"no browser at {CHROMIUM}"}
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when a browser exists

    renders = 2 if quick else RENDERS
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 760})
        page.goto(root + "/")
        page.wait_for_selector("body[data-ready=true]")
        page.select_option("[data-testid=act-as]", value=str(agent_id))
        page.wait_for_selector("[data-testid=chat-group]")

        def render_once() -> float:
            before = page.evaluate("window.sandbox.renders")
            started = time.monotonic()
            page.click("[data-testid=chat-group]")
            page.wait_for_function(f"window.sandbox.renders > {before}")
            took = (time.monotonic() - started) * 1000
            peak.sample()
            count = page.evaluate("window.sandbox.lastCount")
            if count < MESSAGES:
                raise RuntimeError(f"the page showed {count} messages, expected {MESSAGES}")
            return took

        long_chat = [render_once() for _ in range(renders)]
        build_ms = float(page.evaluate("window.sandbox.lastRenderMs"))
        browser.close()
    return {"render_ms": statistics.median(long_chat), "build_ms": build_ms}


def report_lines(result: dict[str, Any], row: Callable[..., str]) -> list[str]:
    """The benchmark table's rows for this benchmark."""
    if result.get("render_ms") is None:
        render = f"skipped: {result.get('note', 'no browser')}"
    else:
        render = f"{result['render_ms']:.0f} ms (building the DOM {result['build_ms']:.0f} ms)"
    return [
        row(
            f"8. sandbox page: open a {result['messages']:,}-message chat", render, "", "", "< 1 s"
        ),
        row(
            "8. peak RSS, sandbox (server + page / whole group)",
            f"{result['sandbox_peak_rss_mb']:.0f} / {result['group_peak_rss_mb']:.0f} MB",
            "",
            "",
            "",
        ),
    ]
