"""One supervised group: the local Bot API with the page, and the desk against it.

Start order: the saved world (or a fresh one), the web server, the demo agent's account on
a first start, then ``helpdesk run``. Stop order is the reverse, so the desk finishes its
last calls against a live server and the world is saved after the desk's database has
settled: the two stay in step. If the desk dies on its own, everything stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import sys
import webbrowser
from dataclasses import dataclass
from pathlib import Path

from sandbox.botapi import FakeBotApi
from sandbox.desk_process import DeskProcess, create_agent_account, desk_environment
from sandbox.directory_lock import DirectoryLock
from sandbox.events import EventHub
from sandbox.page.routes import SandboxPage, page_routes
from sandbox.persistence import Cast, WorldStore
from sandbox.ready_world import DEMO_ACCOUNT, build_ready_world, new_server

HOST = "127.0.0.1"
SAVE_EVERY_SECONDS = 1.0
READY_TIMEOUT_SECONDS = 30.0
DESK_DATABASE = "desk.db"
DESK_LOG = "desk.log"

logger = logging.getLogger(__name__)


class SandboxFailed(Exception):
    """Raised when the sandbox cannot start or run; the message is one line saying why."""


@dataclass(frozen=True)
class SandboxOptions:
    """What ``helpdesk sandbox`` was asked for.

    Attributes:
        port: The port of the page (and of the local Bot API).
        directory: Where the world and the desk's database live.
        open_browser: Open the page in the default browser.
    """

    port: int
    directory: Path
    open_browser: bool


def say(line: str) -> None:
    """One line for the person at the terminal."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Sandbox:
    """The running group and its world."""

    def __init__(self, options: SandboxOptions, lock: DirectoryLock | None = None) -> None:
        """Prepare (nothing runs yet); ``lock`` is the directory's, held by the caller."""
        self.options = options
        self.lock = lock
        self.store = WorldStore(options.directory)
        self.server: FakeBotApi = new_server()
        self.events = EventHub()
        self.cast: Cast | None = None
        self.desk: DeskProcess | None = None
        self._stop = asyncio.Event()
        self._world_complete = False

    @property
    def address(self) -> str:
        """The page's address."""
        return f"http://{HOST}:{self.server.port}/"

    def env(self) -> dict[str, str]:
        """The desk's environment."""
        assert self.cast is not None
        return desk_environment(
            token=self.server.token,
            base_url=f"{self.server.root_url}/bot",
            staff_chat_id=self.cast.staff_chat_id,
            database=(self.options.directory / DESK_DATABASE).resolve(),
        )

    async def run(self) -> None:
        """Start everything, serve until a stop signal or the desk's end, stop everything.

        Raises:
            SandboxFailed: the port is taken, the desk failed, ...
        """
        # Ctrl-C from here on is a stop request: the sandbox ends in order, never halfway.
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, self._stop.set)
        first_start = not self.store.exists()
        if first_start:
            # A desk database without a world is what a first start that never finished
            # leaves; its chats are not this world's, and its demo account has no password
            # anyone saw.
            delete_desk_database(self.options.directory)
            self.cast = build_ready_world(self.server)
        else:
            self.cast = self.store.load(self.server)
            self._world_complete = True
        self.server.dispatcher.observers.append(self.events.observe_call)
        self.server.add_routes(
            page_routes(SandboxPage(self.server, self.cast, self.events, self._new_agent))
        )
        try:
            await self.server.start(HOST, self.options.port)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise SandboxFailed(
                    f"port {self.options.port} on {HOST} is in use; choose another with --port"
                ) from None
            raise SandboxFailed(
                f"cannot listen on {HOST}:{self.options.port}: {exc.strerror}"
            ) from None
        if self.lock is not None:
            self.lock.record(self.address)
        try:
            await self._serve(first_start)
        finally:
            await self._shutdown()

    async def _serve(self, first_start: bool) -> None:
        if first_start:
            # The person trying the desk runs it: the demo agent is an admin (/deadletters...).
            password = await create_agent_account(self.env(), DEMO_ACCOUNT, admin=True)
            self._world_complete = True
            self.save()
            say(
                f"Agent account {DEMO_ACCOUNT!r}, password: {password}  (shown once; in the page, "
                "act as Dana Demo and send /login to the bot)"
            )
        else:
            say(
                f"Agent account {DEMO_ACCOUNT!r}: its password was shown at the first start "
                "(lost it? --reset starts a new world, with a new password)"
            )
        if self._stop.is_set():
            return
        log = self.options.directory / DESK_LOG
        self.desk = DeskProcess(self.env(), log)
        await self.desk.start()
        say(f"Sandbox running at {self.address}  (Ctrl-C stops it; the desk logs to {log})")
        if self.options.open_browser:
            await asyncio.to_thread(_open_browser, self.address)
        desk_ended = asyncio.create_task(self.desk.wait())
        stop_requested = asyncio.create_task(self._stop.wait())
        saver = asyncio.create_task(self._save_periodically())
        try:
            done, _ = await asyncio.wait(
                {desk_ended, stop_requested}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            saver.cancel()
            stop_requested.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await saver
        if desk_ended in done:
            log = self.options.directory / DESK_LOG
            raise SandboxFailed(
                f"the desk stopped on its own (exit {desk_ended.result()}); see {log}"
            )
        desk_ended.cancel()

    async def _shutdown(self) -> None:
        say("Stopping the sandbox...")
        if self.desk is not None:
            await self.desk.stop()
        self.events.close()
        # A first start stopped before the demo account existed saves nothing: the next
        # start is a first start again, and shows the password.
        if self.cast is not None and self._world_complete:
            self.save()
        await self.server.stop()

    def save(self) -> None:
        """Save the world now."""
        assert self.cast is not None
        self.store.save(self.server, self.cast)

    async def _save_periodically(self) -> None:
        while True:
            await asyncio.sleep(SAVE_EVERY_SECONDS)
            self.save()

    async def _new_agent(self, username: str) -> str:
        return await create_agent_account(self.env(), username)


def delete_desk_database(directory: Path) -> None:
    """Delete the desk's SQLite database (with its journal files) in ``directory``."""
    for name in (DESK_DATABASE, f"{DESK_DATABASE}-wal", f"{DESK_DATABASE}-shm"):
        (directory / name).unlink(missing_ok=True)


def _open_browser(address: str) -> None:
    """Open the page in a graphical browser, if this machine has one."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return
    # A text browser would take over this terminal; only open a graphical one.
    if isinstance(browser, webbrowser.GenericBrowser) and not isinstance(
        browser, webbrowser.BackgroundBrowser
    ):
        return
    with contextlib.suppress(webbrowser.Error, OSError):
        browser.open(address)
