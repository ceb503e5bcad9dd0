"""Statements built once and run with plain parameters: the write path's hot statements.

An operation's statements (load a ticket, add a message, write the outbox rows) are the
same every time; only their values change. Run through SQLAlchemy, each execution still
pays for an execution context, parameter and result processing and, on the async engine,
greenlet switches: about 70 µs a statement here, against 5 µs for the same statement
called on ``sqlite3`` directly, and an operation makes ten of them.

``Prepared`` holds one Core statement. On SQLite with the inline connection
(``inline_sqlite``), a ``Writer`` compiles it once into SQL text and the type conversions
of its parameters and result columns (the same ones SQLAlchemy applies), and runs it on the
transaction's ``sqlite3`` connection itself. Elsewhere (PostgreSQL) it goes through the
transaction's SQLAlchemy connection as usual. Either way the statement is written once, in
Core, for both backends.
"""

from __future__ import annotations

import operator
import sqlite3
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeEngine

from core.store.inline_sqlite import InlineConnection, run_inline
from core.store.types import UtcDateTime

Params = Mapping[str, Any]
_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as SQLite runs it: its text, how its parameters and results are converted.

    Each conversion is listed with the position it applies to, and only where there is
    one: a statement of fifteen parameters with two timestamps makes two calls, not
    fifteen checks (the write path runs a handful of these per operation).
    """

    sql: str
    values: Callable[[Params], Sequence[Any]]  # the parameters in order, as given
    defaults: Mapping[str, Any]  # the values of parameters a caller may leave out
    binds: tuple[tuple[int, Callable[[Any], Any]], ...]
    results: tuple[tuple[int, Callable[[Any], Any]], ...]


class Prepared:
    """One Core statement, compiled once per SQLite dialect.

    Args:
        statement: a Core statement whose parameters are all named ``bindparam`` objects
            (or literal values); expanding ``IN`` parameters are not supported.
    """

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: tuple[Dialect, _Compiled] | None = None

    def compiled_for(self, dialect: Dialect) -> _Compiled:
        """The statement compiled for a SQLite dialect (once; then kept)."""
        cached = self._compiled
        if cached is not None and cached[0] is dialect:
            return cached[1]
        compiled = cast(SQLCompiler, cast(ClauseElement, self.statement).compile(dialect=dialect))
        binds = compiled.binds
        names = tuple(compiled.positiontup or ())
        columns: Sequence[ColumnElement[Any]] = list(
            getattr(self.statement, "exported_columns", ())
        )
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )
        ready = _Compiled(
            sql=compiled.string,
            values=_getter(names),
            defaults={
                name: bind.effective_value for name, bind in binds.items() if not bind.required
            },
            binds=_converting(_bind_processor(binds[name].type, dialect) for name in names),
            results=_converting(results),
        )
        self._compiled = (dialect, ready)
        return ready


def _getter(names: tuple[str, ...]) -> Callable[[Params], Sequence[Any]]:
    """Read the named parameters, in order, out of a mapping (``KeyError``: one is missing)."""
    if not names:
        return lambda _params: ()
    if len(names) == 1:
        only = names[0]
        return lambda params: (params[only],)
    return operator.itemgetter(*names)


def _converting(processors: Iterable[_Processor]) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """The conversions that do something, each with the position it applies to."""
    return tuple(
        (index, process) for index, process in enumerate(processors) if process is not None
    )


def _bind_processor(type_: TypeEngine[Any], dialect: Dialect) -> _Processor:
    """How a parameter of this type is converted for SQLite (None: passed as it is)."""
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    if process is None or not isinstance(type_, UtcDateTime):
        return process
    remembered = _TIMESTAMPS.get(dialect)
    if remembered is None:
        remembered = _TIMESTAMPS[dialect] = _LastConversion(process)
    return remembered


class _LastConversion:
    """A conversion that remembers its last value and result.

    An operation binds the same timestamp (its ``now``) to many parameters of several
    statements: the message's ``created_at``, the ticket's ``updated_at``, each outbox
    row's ``created_at`` and ``next_attempt_at``. Each conversion of an aware datetime to
    SQLite's text costs a ``UtcDateTime`` step and a formatting step; remembering the last
    one makes the repeats an identity check (``None`` is NULL, never converted, never
    remembered). One is shared by every ``UtcDateTime`` parameter of a dialect (they all
    convert alike). It holds the value itself, so the identity check can never match
    another object given the same ``id``, and keeps value and result in one attribute, so
    a reader on another thread never pairs one value with another's result.
    """

    __slots__ = ("_last", "_process")

    def __init__(self, process: Callable[[Any], Any]) -> None:
        self._process = process
        self._last: tuple[object, object] = (None, None)

    def __call__(self, value: Any) -> Any:
        """The value converted (the remembered result when it is the same object)."""
        if value is None:
            return None  # NULL: nothing to convert, and the remembered value stays
        last = self._last
        if value is last[0]:
            return last[1]
        result = self._process(value)
        self._last = (value, result)
        return result


_TIMESTAMPS: weakref.WeakKeyDictionary[Dialect, _LastConversion] = weakref.WeakKeyDictionary()


class Writer:
    """A write transaction's connection, running ``Prepared`` statements.

    Made by ``Database.write_transaction`` for an operation that needs nothing else, or
    with ``Writer.of(session)`` inside a session's transaction; the session then commits or
    rolls back as usual, and what the writer ran is part of it.

    Args:
        dialect: the database's dialect.
        connection: the transaction's SQLAlchemy connection (None: ``sqlite`` runs all).
        sqlite: the transaction's ``sqlite3`` connection, run directly when given.
    """

    __slots__ = ("_connection", "_dialect", "_sqlite")

    def __init__(
        self,
        dialect: Dialect,
        connection: AsyncConnection | None,
        sqlite: sqlite3.Connection | None = None,
    ) -> None:
        if connection is None and sqlite is None:
            raise ValueError("a writer needs a connection")
        self._connection = connection
        self._sqlite = sqlite
        self._dialect = dialect

    @property
    def connection(self) -> AsyncConnection:
        """The SQLAlchemy connection of the transaction (PostgreSQL, or a session's).

        Raises:
            ValueError: the writer runs on a bare ``sqlite3`` connection.
        """
        if self._connection is None:
            raise ValueError("this writer has only its sqlite3 connection")
        return self._connection

    @classmethod
    async def of(cls, session: AsyncSession) -> Writer:
        """The writer of a session's transaction (begun here if it was not yet)."""
        connection = await session.connection()
        return await cls.on(connection)

    @classmethod
    async def on(cls, connection: AsyncConnection) -> Writer:
        """The writer of a connection's transaction."""
        sqlite: sqlite3.Connection | None = None
        if connection.dialect.name == "sqlite":
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            if isinstance(driver, InlineConnection):
                sqlite = driver.sqlite_connection
        return cls(connection.dialect, connection, sqlite)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite."""
        return self._dialect.name == "sqlite"

    async def rows(self, prepared: Prepared, params: Params) -> list[Sequence[Any]]:
        """Run a statement that returns rows; return them all (rows are read by position)."""
        sqlite = self._sqlite
        if sqlite is None:
            result = await self.connection.execute(prepared.statement, params)
            return list(result.all())
        return _sqlite_rows(sqlite, prepared.compiled_for(self._dialect), params)

    async def first(self, prepared: Prepared, params: Params) -> Sequence[Any] | None:
        """Run a statement; return its first row, or None."""
        sqlite = self._sqlite
        if sqlite is None:
            rows = await self.rows(prepared, params)
        else:  # at once, not through another coroutine: the write path calls this most
            rows = _sqlite_rows(sqlite, prepared.compiled_for(self._dialect), params)
        return rows[0] if rows else None

    async def scalar(self, prepared: Prepared, params: Params) -> Any:
        """Run a statement; return the first column of its first row, or None."""
        sqlite = self._sqlite
        if sqlite is None:
            rows = await self.rows(prepared, params)
        else:
            rows = _sqlite_rows(sqlite, prepared.compiled_for(self._dialect), params)
        return rows[0][0] if rows else None

    async def run(self, prepared: Prepared, params: Params) -> int:
        """Run a statement that returns no rows; return how many rows it changed."""
        sqlite = self._sqlite
        if sqlite is None:
            result = await self.connection.execute(prepared.statement, params)
            return int(result.rowcount)
        ready = prepared.compiled_for(self._dialect)
        return int(_sqlite_execute(sqlite, ready, params).rowcount)

    async def run_many(self, prepared: Prepared, many: Sequence[Params]) -> None:
        """Run a statement that returns no rows once per set of parameters."""
        if not many:
            return
        sqlite = self._sqlite
        if sqlite is None:
            await self.connection.execute(prepared.statement, list(many))
            return
        ready = prepared.compiled_for(self._dialect)
        values = [_positional(ready, params) for params in many]
        try:
            run_inline(sqlite.executemany, ready.sql, values)
        except sqlite3.Error as error:
            raise sqlite_error(ready.sql, error) from error


def _sqlite_execute(sqlite: sqlite3.Connection, ready: _Compiled, params: Params) -> sqlite3.Cursor:
    try:
        cursor: sqlite3.Cursor = run_inline(sqlite.execute, ready.sql, _positional(ready, params))
    except sqlite3.Error as error:
        raise sqlite_error(ready.sql, error) from error
    return cursor


def _sqlite_rows(
    sqlite: sqlite3.Connection, ready: _Compiled, params: Params
) -> list[Sequence[Any]]:
    """Run a statement on the ``sqlite3`` connection; its rows, each column converted."""
    cursor = _sqlite_execute(sqlite, ready, params)
    rows: list[Sequence[Any]] = run_inline(cursor.fetchall)
    converts = ready.results
    if not converts:
        return rows
    return [_converted(row, converts) for row in rows]


def _positional(ready: _Compiled, params: Params) -> Sequence[Any]:
    """The parameters of one execution in the statement's order, converted for SQLite."""
    defaults = ready.defaults
    values = ready.values({**defaults, **params} if defaults else params)
    converts = ready.binds
    return _converted(values, converts) if converts else values


def _converted(
    values: Sequence[Any], converts: tuple[tuple[int, Callable[[Any], Any]], ...]
) -> tuple[Any, ...]:
    """The values with each conversion applied at its position (None goes in as well)."""
    converted = list(values)
    for index, process in converts:
        converted[index] = process(converted[index])
    return tuple(converted)


def sqlite_error(sql: str, error: sqlite3.Error) -> BaseException:
    """The error SQLAlchemy would have raised (``IntegrityError`` for a constraint...)."""
    return DBAPIError.instance(sql, None, error, sqlite3.Error, hide_parameters=True)
