"""The delivery worker: the outbox dispatcher in a process of its own.

The bot process takes updates and writes what they cause; this process delivers the
outbox. Each gets a CPU core (the measured end-to-end throughput roughly doubles), and a
slow Telegram never slows the handling of updates. ``helpdesk run`` starts it and restarts
it if it dies (``DELIVERY_WORKER=false`` keeps delivery in the bot process); ``helpdesk
deliver`` runs it alone, for operators who supervise the two separately.

Started by the bot, it is woken at once after every update the bot handled: the bot writes
a byte to the worker's stdin, a pipe. It also looks at the outbox every ``POLL`` seconds (a
cheap read), for what other processes wrote (the HTTP API, the command line) and for rows
whose retry time has come.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import uuid

from bot.app import build_application, check_staff_chat
from bot.delivery.dispatcher import OutboxDispatcher
from bot.settings import Settings
from bot.supervisor import SupervisedProcess
from core.desk import Desk

logger = logging.getLogger(__name__)
POLL = 0.05


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
    wakes: asyncio.Task[None] | None = None
    if owner is not None:
        dispatcher.owner = owner
    try:
        await application.initialize()
        # Started by the bot, which has said how to set a missing staff chat already.
        await check_staff_chat(application, say_if_missing=parent_pid is None)
        logger.info("delivery worker running")
        gc.collect()  # what startup made is left out of later collections (see bot.main)
        gc.freeze()
        if parent_pid is not None:
            wakes = loop.create_task(_wake_on_stdin(dispatcher))
        while not stop.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                logger.warning("the bot process is gone; the delivery worker stops")
                break
            dispatcher.kick()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL)
    finally:
        if wakes is not None:
            wakes.cancel()
            await asyncio.gather(wakes, return_exceptions=True)
        await dispatcher.stop()  # hands back what it holds, records what it sent
        await application.shutdown()
        await desk.close()


async def _wake_on_stdin(dispatcher: OutboxDispatcher) -> None:
    """Kick the dispatcher whenever the bot writes to our stdin (after each update).

    Returns at once when stdin is no pipe (the worker then looks every ``POLL`` seconds
    only), and at the end of the pipe (the bot is gone; the main loop notices that too).
    """
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except (OSError, ValueError):
        return
    while await reader.read(4096):
        dispatcher.kick()


class DeliveryWorker(SupervisedProcess):
    """The worker as a child process of the bot, restarted when it dies; ``wake()`` it."""

    name = "delivery worker"
    stdin_pipe = True

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self._desk = desk
        self._owner = ""

    def command(self) -> list[str]:
        """``python -m bot.worker``, tied to this process, its leases under a new name."""
        self._owner = f"worker-{uuid.uuid4().hex[:12]}"
        return [
            sys.executable, "-m", "bot.worker", "--parent", str(os.getpid()),
            "--owner", self._owner,
        ]  # fmt: skip

    def wake(self) -> None:
        """Tell the worker the outbox has new rows: one byte on its stdin, never waited for.

        A byte still unread (a pipe full) already says it; a worker gone misses nothing,
        since a new one looks at the outbox when it starts.
        """
        process = self._process
        if process is None or process.stdin is None or process.returncode is not None:
            return
        transport = process.stdin.transport
        if transport.is_closing() or transport.get_write_buffer_size():
            return
        process.stdin.write(b".")

    async def after_exit(self) -> None:
        """The child is gone: what it held can go out now, not when its leases end."""
        try:
            freed = await self._desk.delivery.release_all(self._owner)
        except Exception:
            logger.exception("could not free the outbox rows the delivery worker held")
            return
        if freed:
            logger.info("freed %d outbox rows the delivery worker held", freed)


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.worker [--parent PID]``: the same as ``helpdesk deliver``."""
    from bot.cli import main as cli_main  # noqa: PLC0415 - the CLI imports this module's users

    return cli_main(["deliver", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
