"""Group commit: SQLite write transactions that come together share one COMMIT.

A SQLite COMMIT writes every page the transaction changed to the WAL (an API reply changes
about two dozen: the message, the ticket and its indexes, the outbox rows, the search
document), and that is much of what a write costs. Writes that arrive together (replies on
several connections of the API, updates of one poll in the bot) mostly change the same
pages: the tail of the messages and outbox tables, their indexes, the newest segment of the
search index.

So a write transaction does not commit when its body is done: it leaves the transaction
open and the COMMIT to a task that runs once the event loop has seen to what was ready to
run. Writes that reach ``write_transaction`` meanwhile join the same transaction, each
inside its own SAVEPOINT (a member that fails rolls back to it; the others are kept), and
the one COMMIT then counts for all. Each member returns only once that COMMIT succeeded, so
a caller still sees its write durable and visible to every connection when
``write_transaction`` is done, or gets the COMMIT's error. A write that comes alone pays for
one more turn of the loop.

``WriteTurn`` is the one per database file and event loop: every writer of the file in that
loop (prepared transactions and ORM write sessions, of one ``Database`` or several) takes
turns on its lock, and whoever takes the turn while a group is open on another connection
commits that group first (``exclusive``), so no two transactions of one process ever wait
for each other inside SQLite. Statements, COMMIT included, run on the loop's thread
(``inline_sqlite``); the WAL is copied back into the database file on a thread of its own
(``checkpoints``).
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from core.store.inline_sqlite import run_inline
from core.store.prepared import sqlite_error

_MEMBER = "SAVEPOINT write_member"
_KEEP = "RELEASE write_member"
_UNDO = "ROLLBACK TO write_member"


@dataclass(eq=False)
class _Group:
    """One open transaction shared by the members that joined it."""

    connection: sqlite3.Connection
    committed: asyncio.Future[None]
    after_commit: Callable[[], None]
    members: int = 0


class WriteTurn:
    """The write lock of one database file in one event loop, and its open group."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._group: _Group | None = None
        self._settlers: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold the turn alone (an ORM write session): an open group is committed first.

        A failure of that COMMIT is its members' to raise; the holder carries on.
        """
        async with self._lock:
            self._settle()
            yield

    @asynccontextmanager
    async def member(
        self, connection: sqlite3.Connection, after_commit: Callable[[], None]
    ) -> AsyncIterator[None]:
        """Run one write transaction on ``connection`` as a member of a group.

        The body runs with the turn held, inside a transaction begun here or by the group
        it joins; this returns once the group's COMMIT succeeded (``after_commit`` is
        called after each successful COMMIT).

        Raises:
            sqlalchemy.exc.DBAPIError: SQLite refused the BEGIN, the SAVEPOINT, its RELEASE
                or the COMMIT; nothing of this member was kept.
        """
        async with self._lock:
            group = self._join(connection, after_commit)
            first = group.members == 1
            try:
                if not first:
                    _statement(connection, _MEMBER)
                yield
                if not first:
                    _statement(connection, _KEEP)
            except BaseException:
                self._undo(group, first=first)
                raise
        await asyncio.shield(group.committed)

    def _join(self, connection: sqlite3.Connection, after_commit: Callable[[], None]) -> _Group:
        """The open group on this connection, or a new one (BEGIN IMMEDIATE) to be settled."""
        group = self._group
        if group is not None and group.connection is not connection:
            self._settle()  # another Database's group on the same file
            group = None
        if group is None:
            _statement(connection, "BEGIN IMMEDIATE")
            loop = asyncio.get_running_loop()
            group = self._group = _Group(connection, loop.create_future(), after_commit)
            settler = loop.create_task(self._settle_when_free(group))
            self._settlers.add(settler)
            settler.add_done_callback(self._settlers.discard)
        group.members += 1
        return group

    def _undo(self, group: _Group, *, first: bool) -> None:
        """Take back what a failed member wrote (the whole transaction if it was alone)."""
        connection = group.connection
        if first or not connection.in_transaction:
            # Alone in the group, or SQLite already rolled everything back (a full disk,
            # an I/O error): the group ends here, and whoever joined it is told.
            self._group = None
            if connection.in_transaction:
                run_inline(connection.rollback)
            if first:
                group.committed.set_result(None)  # nobody waits on it: the caller raises
            else:
                _fail(group, sqlite_error("ROLLBACK", sqlite3.OperationalError("rolled back")))
            return
        try:
            _statement(connection, _UNDO)
            _statement(connection, _KEEP)
        except BaseException as error:
            self._group = None
            if connection.in_transaction:
                run_inline(connection.rollback)
            _fail(group, error)

    async def _settle_when_free(self, group: _Group) -> None:
        """Commit ``group`` once the members ready to run before this have joined it."""
        async with self._lock:
            if self._group is group:
                self._settle()

    def _settle(self) -> None:
        """Commit the open group, if any (the turn is held), and tell its members."""
        group = self._group
        if group is None:
            return
        self._group = None
        connection = group.connection
        try:
            run_inline(connection.commit)
        except sqlite3.Error as error:
            if connection.in_transaction:
                run_inline(connection.rollback)
            _fail(group, sqlite_error("COMMIT", error))
            return
        group.committed.set_result(None)
        group.after_commit()


def _fail(group: _Group, error: BaseException) -> None:
    if not group.committed.done():
        group.committed.set_exception(error)
        group.committed.exception()  # members re-raise it; no "never retrieved" warning


def _statement(connection: sqlite3.Connection, sql: str) -> None:
    try:
        run_inline(connection.execute, sql)
    except sqlite3.Error as error:
        raise sqlite_error(sql, error) from error


_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, WriteTurn]] = (
    weakref.WeakKeyDictionary()
)


def write_turn(file: str) -> WriteTurn:
    """The write turn of a database file in the running event loop."""
    per_loop = _TURNS.setdefault(asyncio.get_running_loop(), {})
    turn = per_loop.get(file)
    if turn is None:
        turn = per_loop[file] = WriteTurn()
    return turn
