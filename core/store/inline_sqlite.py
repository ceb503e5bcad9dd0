"""SQLite on the event loop's own thread, behind aiosqlite's interface.

aiosqlite runs every call on a helper thread. A local SQLite statement takes microseconds,
but the hand-over to that thread and back costs far more (measured here: about 0.6 ms per
statement against 0.013 ms for the same statement called directly), and a service operation
makes a dozen such calls. This connection keeps aiosqlite's interface, which SQLAlchemy's
``aiosqlite`` dialect drives, but performs each call at once on the calling thread.

The cost: a statement blocks the event loop while it runs. That is microseconds for the
desk's indexed queries; a write waiting on another process's lock (the CLI) blocks for at
most the busy timeout, and in-process writers take turns before they reach SQLite at all.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite


class _InlineQueue:
    """Stands in for aiosqlite's queue to its thread: runs each function at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to the awaiting caller, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection without a thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _InlineQueue()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # no thread to start

    def stop(self) -> asyncio.Future[Any] | None:
        """Close the connection (there is no thread to stop)."""
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        return None


def inline_connector(path: str, timeout: float) -> Callable[[], InlineConnection]:
    """Make an ``async_creator`` for SQLAlchemy that opens ``path`` inline."""

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(path, timeout=timeout, check_same_thread=False)

    async def creator() -> InlineConnection:
        connection = InlineConnection(connect)
        await connection
        return connection

    return creator  # type: ignore[return-value]
