"""Opening the database: one engine, SQLite tuned for many concurrent writers.

SQLite takes one writer at a time. Write transactions therefore start with
``BEGIN IMMEDIATE`` (so two writers never deadlock upgrading a read lock) and wait on a
busy timeout (so a second process, the CLI next to a running bot, queues instead of failing);
inside one process an asyncio lock per database file hands out the write turn in order,
and write transactions that arrive together share one COMMIT (``write_groups``); the WAL
is copied back into the database file on a thread of its own (``checkpoints``).
Reads keep a plain deferred ``BEGIN`` and, thanks to WAL, never wait for writers. Statements
run on the event loop's thread (``inline_sqlite`` says why).

The hottest operations need no ORM session: ``write_transaction`` gives them a ``Writer``
for prepared statements (``core.store.prepared``). On SQLite it runs them on one
``sqlite3`` connection kept for that, inside the same write turn, without SQLAlchemy's
connection checkout, begin and commit machinery around them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, InvalidRequestError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from core.errors import InvalidInput
from core.store.checkpoints import Checkpointer
from core.store.inline_sqlite import inline_connector, run_inline
from core.store.prepared import Writer
from core.store.urls import async_database_url, url_without_password
from core.store.write_groups import write_turn

READ_ONLY = "helpdesk_read_only"
READ_EACH = "helpdesk_read_each"
SQLITE_BUSY_TIMEOUT_MS = 30_000
WAL_CHECKPOINT_PAGES = 0
"""No connection of the desk copies the WAL back at its COMMIT: ``checkpoints`` does, on a
thread of its own (SQLite's default, 1,000 pages, made every few dozenth commit wait for the
disk on the event loop's thread)."""


class Database:
    """The engine plus the two kinds of session the services use.

    Args:
        url: ``sqlite:///file.db`` or ``postgresql://user:pass@host/db`` (the async drivers,
            aiosqlite and asyncpg, are used whether or not the URL names them).
        echo: log every SQL statement (debugging only).

    Raises:
        InvalidInput: the URL is malformed or names a database the desk does not run on.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        url = async_database_url(url)
        try:
            # hide_parameters: bound values (password hashes among them) never reach a log
            # line or an exception message.
            self.engine: AsyncEngine = create_async_engine(
                url, echo=echo, hide_parameters=True, **_engine_options(url)
            )
        except (ArgumentError, InvalidRequestError, ImportError, ValueError) as exc:
            shown = url_without_password(url)
            raise InvalidInput(f"DATABASE_URL is not usable ({shown}): {exc}") from exc
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._file = str(Path(make_url(url).database or "").resolve()) if self.is_sqlite else ""
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self._read_engine = self.engine.execution_options(**{READ_ONLY: True})
        # Reads that need no snapshot across statements skip BEGIN and ROLLBACK: on SQLite
        # the begin hook leaves the transaction to each statement, PostgreSQL autocommits.
        self._each_engine = self._read_engine.execution_options(
            **({READ_EACH: True} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"})
        )
        self._sqlite_writer: sqlite3.Connection | None = None
        self._checkpointer = Checkpointer(self._file)

    @asynccontextmanager
    async def write_session(self) -> AsyncIterator[AsyncSession]:
        """Open a session for one write transaction (SQLite: one writer at a time)."""
        if not self.is_sqlite:
            async with AsyncSession(self.engine, expire_on_commit=False) as session:
                yield session
            return
        async with (
            write_turn(self._file).exclusive(),
            AsyncSession(self.engine, expire_on_commit=False) as session,
        ):
            yield session
        self._checkpointer.committed()

    @asynccontextmanager
    async def write_transaction(self) -> AsyncIterator[Writer]:
        """Run one write transaction of prepared statements; commit it unless it raised.

        SQLite: in the file's write turn, on the connection kept for these transactions.

        Raises:
            sqlalchemy.exc.DBAPIError: the database refused a statement, the BEGIN or the
                COMMIT (on SQLite too, where they run on the driver's own connection).
        """
        if not self.is_sqlite:
            async with self.engine.begin() as connection:
                yield Writer(connection.dialect, connection)
            return
        sqlite = self._sqlite_writer
        if sqlite is None:
            sqlite = self._sqlite_writer = _open_sqlite(self._file)
        async with write_turn(self._file).member(sqlite, self._checkpointer.committed):
            yield Writer(self.engine.dialect, None, sqlite)

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """Open a session for reading only; it never waits for writers."""
        async with AsyncSession(self._read_engine, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        """Open a pooled connection for plain reading statements (no ORM session).

        Each statement sees what was committed when it runs (there is no transaction around
        them): the cheapest read, for a lookup or a page and its details.
        """
        async with self._each_engine.connect() as connection:
            yield connection

    async def dispose(self) -> None:
        """Close every pooled connection (and the one kept for write transactions)."""
        if self._sqlite_writer is not None:
            async with write_turn(self._file).exclusive():  # its open group committed first
                run_inline(self._sqlite_writer.close)
            self._sqlite_writer = None
        self._checkpointer.stop()
        await self.engine.dispose()


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        path = make_url(url).database or ""  # a file: async_database_url checked it
        # Statements run on the event loop's thread (see inline_sqlite for why).
        return {"async_creator": inline_connector(path, SQLITE_BUSY_TIMEOUT_MS / 1000)}
    return {"pool_pre_ping": True}


_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}",
)


_WRITER_PRAGMAS = ("PRAGMA temp_store=MEMORY",)
"""The kept connection's own: a grouped write's SAVEPOINT keeps the pages it changes in a
statement journal, which outgrows SQLite's 64 KiB in-memory start at a reply's two dozen
pages and then goes to a temporary file, created, written and deleted once per group (about
twenty more system calls a reply). Its transactions are small writes: the journal is a few
hundred KiB at most, so it stays in memory."""


def _open_sqlite(file: str) -> sqlite3.Connection:
    """The connection kept for write transactions, set up as every pooled one (and more)."""
    connection: sqlite3.Connection = run_inline(
        sqlite3.connect,
        file,
        timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    for pragma in _PRAGMAS + _WRITER_PRAGMAS:
        run_inline(connection.execute, pragma)
    return connection


def _tune_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Let us emit BEGIN ourselves (the driver's implicit BEGIN is always deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(READ_EACH, False):
            return  # autocommit: each statement reads in its own implicit transaction
        connection.exec_driver_sql("BEGIN" if options.get(READ_ONLY, False) else "BEGIN IMMEDIATE")
