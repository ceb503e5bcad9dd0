"""Child processes of ``helpdesk run``, kept running: restarted when they die, stopped with it.

A child is a command line; ``helpdesk run`` starts the delivery worker and, with
``API_PORT`` set, the HTTP API this way. Each child is told the parent's pid and stops by
itself when the parent is gone, so even a killed ``helpdesk run`` leaves no orphans.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time

logger = logging.getLogger(__name__)
RESTART_DELAY = 1.0
MAX_RESTART_DELAY = 60.0
STOP_GRACE = 20.0  # seconds a stopping child gets to finish its work


class SupervisedProcess:
    """A child process restarted when it dies, less often when it keeps dying at once.

    Subclasses give the command line (``command``) and may act when a child has exited
    (``after_exit``).
    """

    name = "child process"
    stdin_pipe = False  # give the child a pipe on its stdin (``self._process.stdin``)

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def command(self) -> list[str]:
        """The command line of a new child (asked again at each start)."""
        raise NotImplementedError

    async def after_exit(self) -> None:
        """Clean up after a child that exited on its own, before the next one starts."""

    async def start(self) -> None:
        """Start the child and keep it running."""
        await self._spawn()
        self._watch = asyncio.get_running_loop().create_task(self._keep_alive())

    async def _spawn(self) -> None:
        stdin = asyncio.subprocess.PIPE if self.stdin_pipe else None
        self._process = await asyncio.create_subprocess_exec(*self.command(), stdin=stdin)

    async def _keep_alive(self) -> None:
        delay = RESTART_DELAY / 2
        while not self._stopping.is_set() and self._process is not None:
            started = time.monotonic()
            code = await self._process.wait()
            if self._stopping.is_set():
                return
            await self.after_exit()
            # A child that dies at once (Telegram or the database unreachable, the port taken)
            # is restarted less and less often, up to once a minute; one that ran a while,
            # after a second.
            lived = time.monotonic() - started
            quick = lived < MAX_RESTART_DELAY
            delay = min(delay * 2, MAX_RESTART_DELAY) if quick else RESTART_DELAY
            logger.error(
                "the %s exited (code %s); starting it again in %.0f s", self.name, code, delay
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            if self._stopping.is_set():
                return
            try:
                await self._spawn()  # never cancelled halfway: stop() waits for this loop
            except OSError:
                logger.exception("could not start the %s", self.name)  # the next round tries

    async def stop(self) -> None:
        """Stop the child cleanly (and one started while we were stopping)."""
        self._stopping.set()
        await end_process(self._process)
        if self._watch is not None:
            with contextlib.suppress(Exception):
                await self._watch  # returns once the child it watches has ended
        await end_process(self._process)


async def end_process(process: asyncio.subprocess.Process | None) -> None:
    """Ask a child to stop; kill it if it has not within ``STOP_GRACE`` seconds."""
    if process is None or process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_GRACE)
    except TimeoutError:
        process.kill()
        await process.wait()
