"""The delivery worker: the outbox dispatcher in a process of its own.

The bot process takes updates and writes what they cause; this process delivers the
outbox. Each gets a CPU core (the measured end-to-end throughput roughly doubles), and a
slow Telegram never slows the handling of updates. ``helpdesk run`` starts it and restarts
it if it dies (``DELIVERY_WORKER=false`` keeps delivery in the bot process); ``helpdesk
deliver`` runs it alone, for operators who supervise the two separately.

It looks at the outbox every ``POLL`` seconds (a cheap read), so a notification goes out
within about that time of being written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
import uuid

from bot.app import build_application, check_staff_chat
from bot.settings import Settings
from core.desk import Desk

logger = logging.getLogger(__name__)
POLL = 0.05
RESTART_DELAY = 1.0
MAX_RESTART_DELAY = 60.0
STOP_GRACE = 20.0  # seconds a stopping worker gets to hand back its rows


async def deliver(
    settings: Settings,
    *,
    parent_pid: int | None = None,
    migrate: bool = True,
    owner: str | None = None,
) -> None:
    """Deliver the outbox until SIGTERM/SIGINT (or until the parent bot process is gone).

    ``owner`` names the leases this worker takes, so the bot that started it can free them
    at once should it die.
    """
    desk = await Desk.open(settings.database_url, config=settings.desk_config(), migrate=migrate)
    application = build_application(settings, desk)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    dispatcher = application.bot_data.dispatcher
    if owner is not None:
        dispatcher.owner = owner
    try:
        await application.initialize()
        # Started by the bot, which has said how to set a missing staff chat already.
        await check_staff_chat(application, say_if_missing=parent_pid is None)
        logger.info("delivery worker running")
        while not stop.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                logger.warning("the bot process is gone; the delivery worker stops")
                break
            dispatcher.kick()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL)
    finally:
        await dispatcher.stop()  # hands back what it holds, records what it sent
        await application.shutdown()
        await desk.close()


class DeliveryWorker:
    """The worker as a child process of the bot, restarted when it dies."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk
        self._owner = ""
        self._process: asyncio.subprocess.Process | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        """Start the child and keep it running."""
        await self._spawn()
        self._watch = asyncio.get_running_loop().create_task(self._keep_alive())

    async def _spawn(self) -> None:
        self._owner = f"worker-{uuid.uuid4().hex[:12]}"
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.worker", "--parent", str(os.getpid()),
            "--owner", self._owner,
        )  # fmt: skip

    async def _free_leases(self) -> None:
        """The child is gone: what it held can go out now, not when its leases end."""
        try:
            freed = await self._desk.delivery.release_all(self._owner)
        except Exception:
            logger.exception("could not free the outbox rows the delivery worker held")
            return
        if freed:
            logger.info("freed %d outbox rows the delivery worker held", freed)

    async def _keep_alive(self) -> None:
        delay = RESTART_DELAY / 2
        while not self._stopping.is_set() and self._process is not None:
            started = time.monotonic()
            code = await self._process.wait()
            if self._stopping.is_set():
                return
            await self._free_leases()
            # A worker that dies at once (Telegram or the database unreachable) is restarted
            # less and less often, up to once a minute; one that ran a while, after a second.
            lived = time.monotonic() - started
            quick = lived < MAX_RESTART_DELAY
            delay = min(delay * 2, MAX_RESTART_DELAY) if quick else RESTART_DELAY
            logger.error(
                "the delivery worker exited (code %s); starting it again in %.0f s", code, delay
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            if self._stopping.is_set():
                return
            try:
                await self._spawn()  # never cancelled halfway: stop() waits for this loop
            except OSError:
                logger.exception("could not start the delivery worker")  # the next round tries

    async def stop(self) -> None:
        """Stop the child cleanly (and one started while we were stopping)."""
        self._stopping.set()
        await _end(self._process)
        if self._watch is not None:
            with contextlib.suppress(Exception):
                await self._watch  # returns once the child it watches has ended
        await _end(self._process)


async def _end(process: asyncio.subprocess.Process | None) -> None:
    """Ask a child to stop; kill it if it has not within ``STOP_GRACE`` seconds."""
    if process is None or process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_GRACE)
    except TimeoutError:
        process.kill()
        await process.wait()


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.worker [--parent PID]``: the same as ``helpdesk deliver``."""
    from bot.cli import main as cli_main  # noqa: PLC0415 - the CLI imports this module's users

    return cli_main(["deliver", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
