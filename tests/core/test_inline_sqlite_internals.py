"""The private details of aiosqlite and SQLAlchemy that ``core/store/inline_sqlite.py`` leans on.

The shim runs SQLite on the event loop's thread by replacing aiosqlite's queue to its
worker thread (``Connection._tx``, fed ``(future, function)`` tuples) and its single funnel
(``Connection._execute``); SQLAlchemy's aiosqlite dialect feeds ``_tx`` itself to set the
isolation level. Should an upgrade move any of that, these tests fail and say what moved.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import sqlite3
import threading
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import sqlalchemy
from sqlalchemy import event, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from core.store.database import Database
from core.store.inline_sqlite import InlineConnection, _InlineQueue, inline_connector

WHAT_TO_DO = (
    "core/store/inline_sqlite.py runs SQLite on the event loop's thread by overriding private "
    f"parts of aiosqlite {aiosqlite.__version__} and of SQLAlchemy {sqlalchemy.__version__}'s "
    "aiosqlite dialect. Adapt the shim to the new internals (then widen the aiosqlite bound "
    "in pyproject.toml), or pin aiosqlite back to the last version these tests passed with."
)


def changed(what: str) -> str:
    """The failure message: what moved, and what to do about it."""
    return f"{what}.\n{WHAT_TO_DO}"


class RecordingQueue:
    """Stands in for ``_tx``: keeps what is put on it, and runs it at once."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def put_nowait(self, item: Any) -> None:
        self.items.append(item)
        if _shape(item) == "(Future, function)":
            future, function = item
            future.set_result(function())
            return
        for part in item if isinstance(item, tuple) else ():
            if isinstance(part, asyncio.Future):  # fail the caller rather than hang it
                part.set_exception(ValueError(f"unexpected item on the queue: {item!r}"))


def _shape(item: Any) -> str:
    """``(Future, function)`` for what aiosqlite's queue takes; what it is, otherwise."""
    if isinstance(item, tuple) and len(item) == 2:
        future, function = item
        if isinstance(future, asyncio.Future) and callable(function):
            return "(Future, function)"
    return repr(item)


@pytest.fixture(name="database_file")
def fixture_database_file(tmp_path: Path) -> str:
    """A path for a fresh SQLite file."""
    return str(tmp_path / "inline.db")


@pytest.fixture(name="statements")
def fixture_statements() -> list[tuple[int, str]]:
    """(thread, SQL) of each statement SQLite ran (filled by ``trace``)."""
    return []


def trace(connection: sqlite3.Connection, statements: list[tuple[int, str]]) -> None:
    """Note every statement SQLite runs on ``connection``, and the thread it runs on."""
    connection.set_trace_callback(lambda sql: statements.append((threading.get_ident(), sql)))


def threads_of(statements: list[tuple[int, str]]) -> set[int]:
    """The threads the statements ran on."""
    return {thread for thread, _ in statements}


class TestAiosqliteConnection:
    def test_it_is_built_from_a_connector_and_a_chunk_size(self) -> None:
        parameters = list(inspect.signature(aiosqlite.Connection.__init__).parameters)
        assert parameters[1:3] == ["connector", "iter_chunk_size"], changed(
            f"aiosqlite.Connection() now takes {parameters[1:]}; the shim passes "
            "(connector, iter_chunk_size=64)"
        )

    def test_it_keeps_its_queue_state_and_sqlite_connection_where_the_shim_looks(self) -> None:
        connection = aiosqlite.Connection(lambda: sqlite3.connect(":memory:"), 64)
        missing = [
            name
            for name in ("_tx", "_running", "_connection", "_connector", "_thread")
            if not hasattr(connection, name)
        ]
        assert not missing, changed(f"aiosqlite.Connection no longer has {missing}")
        assert callable(getattr(connection._tx, "put_nowait", None)), changed(
            f"aiosqlite.Connection._tx is now a {type(connection._tx).__name__} without "
            "put_nowait(); the shim replaces it with a queue that runs each item at once"
        )
        assert connection._running is True, changed("a new connection is not marked _running")
        assert connection._connection is None, changed("a new connection is already open")

    async def test_connecting_puts_a_future_and_the_connector_on_the_queue(self) -> None:
        def connector() -> sqlite3.Connection:
            return sqlite3.connect(":memory:", check_same_thread=False)

        connection = aiosqlite.Connection(connector, 64)
        queue = RecordingQueue()
        connection._tx = queue  # type: ignore[assignment]
        with contextlib.suppress(Exception):  # the queue's record says what went wrong
            await asyncio.wait_for(connection._connect(), 1)
        opened = connection._connection
        if opened is not None:
            opened.close()
            connection._connection = None
        shapes = [_shape(item) for item in queue.items]
        assert shapes == ["(Future, function)"], changed(
            f"connecting now puts {shapes} on _tx, where the shim's queue takes one "
            "(future, function) tuple"
        )
        assert queue.items[0][1] is connector, changed("connecting no longer queues the connector")
        assert isinstance(opened, sqlite3.Connection), changed(
            "connecting no longer stores the sqlite3 connection in _connection"
        )

    def test_it_can_be_stopped_without_awaiting(self) -> None:
        assert callable(getattr(aiosqlite.Connection, "stop", None)), changed(
            "aiosqlite.Connection.stop() is gone; SQLAlchemy's dialect calls it to terminate "
            "a connection, and the shim overrides it to close without a thread"
        )


class TestInlineConnection:
    async def test_every_call_sqlalchemy_makes_runs_on_the_loop_thread_without_a_thread(
        self, database_file: str, statements: list[tuple[int, str]]
    ) -> None:
        connection = await inline_connector(database_file, 1.0)()
        assert isinstance(connection, InlineConnection)
        trace(connection._conn, statements)

        async def check(name: str, call: Any) -> Any:
            try:
                return await asyncio.wait_for(call, 1)
            except TimeoutError:
                pytest.fail(changed(f"aiosqlite's {name} waits for a thread that never runs"))

        cursor = await check("cursor()", connection.cursor())
        await check("Cursor.execute()", cursor.execute("CREATE TABLE t (n INTEGER)"))
        await check(
            "Cursor.executemany()", cursor.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
        )
        await check("commit()", connection.commit())
        await check("Cursor.execute()", cursor.execute("SELECT n FROM t ORDER BY n"))
        assert await check("Cursor.fetchone()", cursor.fetchone()) == (1,)
        assert await check("Cursor.fetchall()", cursor.fetchall()) == [(2,)]
        await check("Cursor.execute()", cursor.execute("SELECT n FROM t ORDER BY n"))
        assert await check("Cursor.fetchmany()", cursor.fetchmany(5)) == [(1,), (2,)]
        await check("Cursor.close()", cursor.close())
        await check("create_function()", connection.create_function("twice", 1, lambda n: 2 * n))
        await check("execute()", connection.execute("BEGIN IMMEDIATE"))
        await check("execute()", connection.execute("UPDATE t SET n = twice(n)"))
        await check("rollback()", connection.rollback())
        rows = await check("execute_fetchall()", connection.execute_fetchall("SELECT n FROM t"))
        assert sorted(rows) == [(1,), (2,)]
        await check("close()", connection.close())

        assert len(statements) >= 8, statements
        assert threads_of(statements) == {threading.get_ident()}, changed(
            "some statements ran off the event loop's thread: a method no longer goes "
            "through Connection._execute, which the shim overrides"
        )
        assert connection._thread.ident is None, changed(
            "aiosqlite started its worker thread for an inline connection"
        )

    async def test_a_closed_connection_refuses_in_words_sqlalchemy_recognises(
        self, database_file: str
    ) -> None:
        connection = await inline_connector(database_file, 1.0)()
        assert isinstance(connection, InlineConnection)
        await connection.close()
        # SQLAlchemy's dialect turns exactly these two messages into OperationalError.
        with pytest.raises(ValueError, match=r"^no active connection$"):
            await connection.execute("SELECT 1")
        with pytest.raises(ValueError, match=r"^Connection closed$"):
            await connection._execute(sqlite3.connect, ":memory:")


class TestSqlalchemyDialect:
    async def test_the_engine_drives_an_inline_connection_on_the_loop_thread(
        self, database_file: str, statements: list[tuple[int, str]]
    ) -> None:
        database = Database(f"sqlite+aiosqlite:///{database_file}")

        @event.listens_for(database.engine.sync_engine, "connect")
        def _trace(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            driver = dbapi_connection.driver_connection
            assert isinstance(driver, InlineConnection), changed(
                f"the dialect wraps a {type(driver).__name__}, not the shim's connection"
            )
            trace(driver._conn, statements)

        try:
            async with database.write_session() as session:
                await session.execute(text("CREATE TABLE t (n INTEGER)"))
                await session.execute(text("INSERT INTO t VALUES (1)"))
                await session.commit()
            async with database.read_session() as session:
                assert (await session.execute(text("SELECT n FROM t"))).scalar_one() == 1
        finally:
            await database.dispose()
        assert "BEGIN IMMEDIATE" in [sql for _, sql in statements]
        assert threads_of(statements) == {threading.get_ident()}, changed(
            "SQLAlchemy's aiosqlite dialect ran statements off the event loop's thread"
        )

    async def test_setting_the_isolation_level_puts_a_future_and_a_function_on_the_queue(
        self, database_file: str
    ) -> None:
        # A plain engine: the desk's own connect hook sets the isolation level, too early
        # to watch.
        engine = create_async_engine(
            "sqlite+aiosqlite://", async_creator=inline_connector(database_file, 1.0)
        )
        queue = RecordingQueue()

        def set_deferred(sync: sqlalchemy.Connection) -> None:
            adapter = sync.connection.dbapi_connection
            adapter._connection._tx = queue  # type: ignore[union-attr]
            adapter.isolation_level = "DEFERRED"  # type: ignore[union-attr]

        try:
            async with engine.connect() as connection:
                with contextlib.suppress(Exception):  # the queue's record says what went wrong
                    await connection.run_sync(set_deferred)
                driver = (await connection.get_raw_connection()).driver_connection
                assert isinstance(driver, InlineConnection)
                driver._tx = _InlineQueue()  # type: ignore[assignment]
                level = driver._conn.isolation_level
        finally:
            await engine.dispose()
        shapes = [_shape(item) for item in queue.items]
        assert shapes == ["(Future, function)"], changed(
            f"to set the isolation level, SQLAlchemy's dialect now puts {shapes} on _tx, "
            "where the shim's queue takes (future, function) tuples"
        )
        assert level == "DEFERRED", changed(
            "the dialect's isolation_level setter no longer reaches the sqlite3 connection"
        )

    def test_the_dialect_knows_it_may_stop_a_connection(self, database_file: str) -> None:
        database = Database(f"sqlite+aiosqlite:///{database_file}")
        assert getattr(database.engine.dialect.dbapi, "has_stop", False), changed(
            "SQLAlchemy's aiosqlite dialect no longer sees Connection.stop()"
        )
