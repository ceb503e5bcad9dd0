"""SQLite on the event loop's own thread, behind aiosqlite's interface.

aiosqlite runs every call on a helper thread. A local SQLite statement takes microseconds,
but the hand-over to that thread and back costs far more (measured here: about 0.6 ms per
statement against 0.013 ms for the same statement called directly), and a service operation
makes a dozen such calls. This connection keeps aiosqlite's interface, which SQLAlchemy's
``aiosqlite`` dialect drives, but performs each call at once on the calling thread.

The cost: a statement blocks the event loop while it runs. That is microseconds for the
desk's indexed queries; a write waiting on another process's lock (the delivery worker, the
CLI) blocks for as long as SQLite's busy wait lasts (at most the busy timeout), and
in-process writers take turns before they reach SQLite at all. ``record_blocks_to`` times
every call, so the benchmark reports how long those blocks are under load.

The shim leans on private details of aiosqlite (``Connection._tx`` takes
``(future, function)`` tuples, every public method funnels into ``Connection._execute``) and
of SQLAlchemy's dialect (it puts such tuples on ``_tx`` itself to set the isolation level).
pyproject.toml bounds aiosqlite to the versions tested, and
``tests/core/test_inline_sqlite_internals.py`` fails, saying what changed, if they move.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import sqlite3
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import aiosqlite

_block_log: list[tuple[str, float]] | None = None
"""(call, seconds) of every call made, while ``record_blocks_to`` is on; else None."""


def record_blocks_to(path: Path) -> None:
    """Time every inline SQLite call from now on; write the times to ``path`` at exit.

    The file holds one JSON object: ``{"calls": [[name, milliseconds], ...]}``, where
    ``name`` is the statement's first keyword (both words of ``BEGIN IMMEDIATE``) or the
    connection method (``commit``, ``fetchall``...). Each call blocks the event loop for
    its whole duration, busy waits included.
    """
    global _block_log  # noqa: PLW0603 - one probe per process, switched on at start
    log: list[tuple[str, float]] = []
    _block_log = log

    def write() -> None:
        calls = [[name, round(seconds * 1000, 4)] for name, seconds in log]
        path.write_text(json.dumps({"calls": calls}), encoding="utf-8")

    atexit.register(write)


def run_inline(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a function of the ``sqlite3`` connection now, timed while the probe is on."""
    log = _block_log
    if log is None:
        return function(*args, **kwargs)
    started = time.perf_counter()
    try:
        return function(*args, **kwargs)
    finally:
        log.append((_call_name(function, args), time.perf_counter() - started))


def _call_name(function: Callable[..., Any], args: tuple[Any, ...]) -> str:
    if args and isinstance(args[0], str):
        words = args[0].split(None, 2)[:2]
        if words and words[0].upper() == "BEGIN":
            return " ".join(words).upper()
        return words[0].upper() if words else "(empty)"
    return getattr(function, "__name__", type(function).__name__)


class _InlineQueue:
    """Stands in for aiosqlite's queue to its thread: runs each function at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = run_inline(function)
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
        return run_inline(fn, *args, **kwargs)

    @property
    def sqlite_connection(self) -> sqlite3.Connection:
        """The ``sqlite3`` connection underneath, for statements run on it directly.

        Raises:
            ValueError: the connection is closed.
        """
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return self._connection

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # no thread to start

    def stop(self) -> asyncio.Future[Any] | None:
        """Close the connection (there is no thread to stop)."""
        self._running = False
        if self._connection is not None:
            run_inline(self._connection.close)
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
