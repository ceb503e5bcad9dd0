"""``helpdesk`` as a real process in a folder of its own, for first-run and output tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

HELPDESK = str(Path(sys.executable).with_name("helpdesk"))


class DeskProcess:
    """``helpdesk ARGS...`` (``run`` by default), its stdout and stderr in one log file."""

    def __init__(self, folder: Path, env: dict[str, str], *args: str) -> None:
        self.folder = folder
        self.args = args or ("run",)
        self.log = folder / f"helpdesk-{'-'.join(self.args)}.log"
        self.env = {"PATH": os.environ.get("PATH", ""), **env}
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, stdin: str | None = None) -> None:
        """Start the command; ``stdin``, if given, is its whole input."""
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                HELPDESK,
                *self.args,
                cwd=self.folder,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE,
                stdout=log,
                stderr=log,
            )
        if stdin is not None:
            assert self.process.stdin is not None
            self.process.stdin.write(stdin.encode())
            await self.process.stdin.drain()
            self.process.stdin.close()

    async def finished(self, within: float = 60) -> int:
        """Wait for the command to end by itself; its exit code."""
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), within)

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
