"""Fixtures for the sandbox: ``helpdesk sandbox`` as a real process, and a headless Chromium."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CLI = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"
START_TIMEOUT = 60.0


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SandboxProcess:
    """``helpdesk sandbox --no-browser`` in a child process, with its output in a file."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self.output = directory.parent / f"{directory.name}.out"
        self.process: subprocess.Popen[bytes] | None = None
        self.password: str | None = None

    @property
    def url(self) -> str:
        """The page's address."""
        return f"http://127.0.0.1:{self.port}/"

    def command(self, *extra: str) -> list[str]:
        """The command line (through the ``helpdesk`` entry point's ``main``)."""
        return [
            sys.executable,
            "-c",
            CLI,
            "sandbox",
            "--no-browser",
            "--port",
            str(self.port),
            "--dir",
            str(self.directory),
            *extra,
        ]

    def start(self, *extra: str, env: dict[str, str] | None = None) -> None:
        """Start and wait until the page answers and the desk polls."""
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                self.command(*extra),
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**(env or os.environ), "BCRYPT_ROUNDS": "4"},  # fast logins in tests
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            text = self.output.read_text()
            if self.process.poll() is not None:
                raise AssertionError(f"the sandbox exited {self.process.returncode}:\n{text}")
            if "Sandbox running" in text and self._desk_polls():
                found = re.search(r"password: (\S+)", text)
                if found:
                    self.password = found.group(1)
                return
            time.sleep(0.2)
        raise AssertionError(f"the sandbox never became ready:\n{self.output.read_text()}")

    def _desk_polls(self) -> bool:
        try:
            calls = httpx.get(f"{self.url}_control/calls?method=getUpdates", timeout=2).json()
        except httpx.HTTPError:
            return False
        return bool(calls)

    def children(self) -> list[psutil.Process]:
        """Every process the sandbox started, recursively."""
        assert self.process is not None
        return psutil.Process(self.process.pid).children(recursive=True)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Signal the sandbox and wait for it; its exit code."""
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """Make sure nothing is left (teardown)."""
        if self.process is None or self.process.poll() is not None:
            return
        leftovers = self.children()
        self.process.kill()
        self.process.wait(10)
        for child in leftovers:
            if child.is_running():
                os.kill(child.pid, signal.SIGKILL)


@pytest.fixture(name="sandbox_dir")
def fixture_sandbox_dir(tmp_path: Path) -> Path:
    """An empty directory for a sandbox world."""
    return tmp_path / "sandbox-data"


@pytest.fixture(name="sandbox_process")
def fixture_sandbox_process(sandbox_dir: Path) -> Iterator[SandboxProcess]:
    """A sandbox process (not started) that is stopped at the end of the test."""
    running = SandboxProcess(sandbox_dir, free_port())
    yield running
    running.kill()


@pytest.fixture(name="browser", scope="module")
def fixture_browser() -> Iterator[Browser]:
    """Headless Chromium, Debian's build, for one module's browser tests.

    Per module, not per session: Playwright's sync API keeps an event loop running while
    it is open, and the asyncio tests of the next modules need to start their own.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def started_sandbox(factory: pytest.TempPathFactory, name: str) -> SandboxProcess:
    """A sandbox started from an empty directory (the caller kills it at the end)."""
    running = SandboxProcess(factory.mktemp(name) / "sandbox-data", free_port())
    running.start()
    return running
