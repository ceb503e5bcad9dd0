"""FakeBotApi: the fake Bot API served over HTTP, plus the handles tests use.

:class:`FakeBotApi` is a :class:`~sandbox.botapi.world.TelegramWorld` (users, chats,
acting as users, inspecting messages) that also listens on 127.0.0.1 (Starlette on uvicorn,
like the rest of the product), records every call,
injects faults and, optionally, enforces flood limits.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Self, TypeVar

from starlette.routing import BaseRoute

from sandbox.botapi.control import control_routes
from sandbox.botapi.dispatch import CallDispatcher
from sandbox.botapi.faults import FaultInjector
from sandbox.botapi.http_app import build_app
from sandbox.botapi.limits import FloodGate, FloodLimits
from sandbox.botapi.recording import ApiCall, DeliveryStats
from sandbox.botapi.serving import LocalServer
from sandbox.botapi.state import FakeUser
from sandbox.botapi.world import TelegramWorld

DEFAULT_TOKEN = "123456:TEST-TOKEN"
T = TypeVar("T")


class FakeBotApi(TelegramWorld):
    """A Bot API server on 127.0.0.1 with users, groups and forum topics you control.

    Point python-telegram-bot at :attr:`base_url` (and :attr:`base_file_url`), act as users
    with ``user_sends`` / ``user_presses``, and look at what the bot did with
    ``chat_messages`` / ``calls``. Usable as ``async with FakeBotApi() as server:``.

    Attributes:
        token: The only token the server accepts.
        faults: Fault rules (``server.faults.add(...)``).
        stats: Counters: calls per method, 429s, messages delivered per chat.
        flood_limits: The enforced flood limits, or None.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "helpdesk_test_bot",
        bot_name: str = "Helpdesk Test Bot",
        flood_limits: FloodLimits | None = None,
        strict_html: bool = True,
    ) -> None:
        """Create the server (not yet listening).

        Args:
            token: The bot token; its number before ``:`` is the bot's user id.
            bot_username: The bot's username, without ``@``.
            bot_name: The bot's first name.
            flood_limits: Enforce these flood limits (off when None).
            strict_html: Also reject bare ``&`` in HTML (see ``html_check``).
        """
        bot_id, _, _ = token.partition(":")
        if not bot_id.isdigit():
            raise ValueError("a bot token looks like '123456:ABC...'")
        bot = FakeUser(int(bot_id), bot_name, username=bot_username, is_bot=True)
        super().__init__(bot, strict_html=strict_html)
        self.token = token
        self.faults = FaultInjector()
        self.stats = DeliveryStats(messages_by_chat=self.state.delivered_by_chat)
        self.flood_limits = flood_limits
        self.dispatcher = CallDispatcher(
            self.state,
            token=token,
            faults=self.faults,
            flood_gate=FloodGate(flood_limits) if flood_limits else None,
            stats=self.stats,
        )
        self.extra_routes: list[BaseRoute] = []
        self._server: LocalServer | None = None
        self._port: int | None = None
        self._host = "127.0.0.1"

    # Lifecycle ----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        """Listen on ``host:port``.

        Args:
            host: Interface to bind.
            port: Port to bind; None picks a free port on the first start and the same port
                again on a restart (so a stopped server can come back, like Telegram after an
                outage, without the bot changing its base URL).
        """
        port = port if port is not None else (self._port or 0)
        if self._server is not None:
            raise RuntimeError("the server is already running")
        self.dispatcher.resume()
        app = build_app(self.dispatcher, [*control_routes(self), *self.extra_routes])
        server = LocalServer(app)
        await server.start(host, port)
        self._server, self._host, self._port = server, host, server.port

    async def stop(self) -> None:
        """Answer waiting requests and stop listening."""
        if self._server is None:
            return
        self.dispatcher.stop_waiting()
        server, self._server = self._server, None
        await server.stop()

    def add_routes(self, routes: Iterable[BaseRoute]) -> None:
        """Serve ``routes`` beside the Bot API from the next :meth:`start` on."""
        self.extra_routes.extend(routes)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._port is None:
            raise RuntimeError("start() the server first")
        return self._port

    @property
    def root_url(self) -> str:
        """``http://host:port`` (control endpoints live under ``/_control``)."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass to ``ApplicationBuilder().base_url(...)``."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass to ``ApplicationBuilder().base_file_url(...)`` for downloads."""
        return f"{self.root_url}/file/bot"

    # Recorded calls -----------------------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        """Every API call so far, in arrival order."""
        return list(self.dispatcher.calls)

    def calls_of(self, method: str) -> list[ApiCall]:
        """The calls of one method (any spelling case)."""
        return [call for call in self.dispatcher.calls if call.method.lower() == method.lower()]

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 10.0,  # noqa: ASYNC109 -- a polling deadline, read like asyncio.wait_for
        *,
        interval: float = 0.02,
        message: str | None = None,
    ) -> T:
        """Poll ``predicate`` until it returns something truthy, and return that.

        Args:
            predicate: A synchronous check, e.g. ``lambda: server.bot_messages(ann)``.
            timeout: Seconds before giving up.
            interval: Seconds between checks.
            message: What was awaited, for the failure message (default: the source).

        Raises:
            AssertionError: Still falsy after ``timeout`` seconds; the message shows the
                condition and the last API calls.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if loop.time() >= deadline:
                raise AssertionError(self._timeout_report(predicate, timeout, message))
            await asyncio.sleep(interval)

    def _timeout_report(
        self, predicate: Callable[[], Any], timeout: float, note: str | None
    ) -> str:
        try:
            condition = inspect.getsource(predicate).strip()
        except (OSError, TypeError):
            condition = repr(predicate)
        recent = [f"  {call.summary()}" for call in self.dispatcher.calls[-10:]] or ["  (none)"]
        lines = [
            f"condition still false after {timeout}s: {note or condition}",
            f"pending updates: {len(self.state.updates.pending)}",
            "last API calls:",
            *recent,
        ]
        return "\n".join(lines)
