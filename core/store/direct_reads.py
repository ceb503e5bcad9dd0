"""The hottest reads run on SQLite's own driver, the statement compiled once.

Every HTTP request checks its bearer token, and the most common one lists a page of
tickets. Through SQLAlchemy each such statement costs a pooled connection's checkout and
return and an execution context (events, a compiled-cache lookup, a result object, a
greenlet hop): about 0.25 ms, some forty times what SQLite itself spends on a lookup by
key. ``DirectReads`` compiles a Core SELECT once for the engine's dialect and runs it
straight on a connection of its own, with the same parameter and result conversions
SQLAlchemy would apply (taken from the column types), so callers get the same values
either way.

That connection is SQLite's, inline like every statement of the desk (see
``inline_sqlite``, whose block log times these calls too): a statement and its fetch run
in one go on the event loop's thread, so one connection serves every caller of the
process without interleaving. It is in autocommit mode, so each statement reads what was
committed when it runs, and refuses to write. On other databases ``DirectReads`` runs the
statement through ``Database.read_connection()``: there the network round trip dominates
anyway.

Example::

    reads = DirectReads(database)
    row = await reads.first(TOKEN_HOLDER, {"digest": digest})
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect, make_url

from core.store.database import SQLITE_BUSY_TIMEOUT_MS, Database
from core.store.inline_sqlite import run_inline
from core.store.types import UtcDateTime

Row = Sequence[Any]
MAX_COMPILED = 1024
"""Statements kept compiled (each keeps its statement alive, so its id stays its own)."""
_Convert = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as SQLite runs it: SQL, where each parameter comes from, conversions."""

    statement: Select[Any]  # kept so the id used as the cache key stays taken
    sql: str
    positions: tuple[tuple[str, int | None, _Convert], ...]
    """Per position: the value's name, its index if the value is a list, its conversion."""
    defaults: Mapping[str, Any]  # values the statement carries itself (literals)
    from_driver: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, conversion)


class DirectReads:
    """Run prepared SELECTs with the least work per call (see the module's docstring).

    Args:
        database: the desk's database; its SQLite file, or its engine on other databases.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._dialect: Dialect = database.engine.dialect
        self._file = (
            (make_url(str(database.engine.url)).database or "") if database.is_sqlite else ""
        )
        self._connection: sqlite3.Connection | None = None
        self._compiled: dict[tuple[int, tuple[int, ...]], _Compiled] = {}

    async def all(self, statement: Select[Any], values: Mapping[str, Any]) -> list[Row]:
        """Every row of a statement, its parameters bound from ``values`` by name.

        A parameter declared ``expanding`` (an IN list) takes a list of values.
        """
        if not self._file:
            async with self._database.read_connection() as connection:
                return list((await connection.execute(statement, dict(values))).all())
        compiled = self._compile(statement, values)
        cursor = run_inline(self._sqlite().execute, compiled.sql, _parameters(compiled, values))
        rows: list[Any] = run_inline(cursor.fetchall)
        converts = compiled.from_driver
        if not converts:
            return rows
        converted: list[Row] = []
        for row in rows:
            row = list(row)  # noqa: PLW2901 - the same row, its values converted in place
            for index, convert in converts:
                value = row[index]
                if value is not None:
                    row[index] = convert(value)
            converted.append(row)
        return converted

    async def first(self, statement: Select[Any], values: Mapping[str, Any]) -> Row | None:
        """The first row of a statement, or None."""
        rows = await self.all(statement, values)
        return rows[0] if rows else None

    def close(self) -> None:
        """Close the connection, if one was opened."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _sqlite(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(
                self._file,
                timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # autocommit: each statement sees the latest commit
                check_same_thread=False,
            )
            connection.execute("PRAGMA query_only=ON")
            self._connection = connection
        return self._connection

    def _compile(self, statement: Select[Any], values: Mapping[str, Any]) -> _Compiled:
        lists = {name: value for name, value in values.items() if isinstance(value, list | tuple)}
        key = (id(statement), tuple(len(items) for items in lists.values()))
        compiled = self._compiled.get(key)
        if compiled is None:
            if len(self._compiled) >= MAX_COMPILED:
                self._compiled.clear()  # shapes come and go (an lru_cache evicts): start over
            compiled = self._compiled[key] = self._build(statement, lists)
        return compiled

    def _build(self, statement: Select[Any], lists: Mapping[str, Sequence[Any]]) -> _Compiled:
        dialect = self._dialect
        prepared = statement.params(**lists) if lists else statement
        sql = prepared.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        expanded = {
            f"{name}_{index + 1}": (name, index)
            for name, items in lists.items()
            for index in range(len(items))
        }
        binds = sql.binds
        positions = []
        for position in sql.positiontup or ():
            name, index = expanded.get(position, (position, None))
            to_driver = binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            positions.append((name, index, to_driver))
        from_driver = tuple(
            (index, convert)
            for index, column in enumerate(statement.selected_columns)
            if (convert := _result_converter(column.type, dialect)) is not None
        )
        defaults = {name: bind.value for name, bind in binds.items() if bind.value is not None}
        return _Compiled(statement, sql.string, tuple(positions), defaults, from_driver)


def _parameters(compiled: _Compiled, values: Mapping[str, Any]) -> list[Any]:
    out = []
    defaults = compiled.defaults
    for name, index, convert in compiled.positions:
        value = values[name] if name in values else defaults[name]
        if index is not None:
            value = value[index]
        out.append(value if convert is None or value is None else convert(value))
    return out


def _result_converter(type_: Any, dialect: Dialect) -> _Convert:
    if isinstance(type_, UtcDateTime):
        return _utc_datetime  # what the type's own processors give, in one C call
    converter: _Convert = type_.dialect_impl(dialect).result_processor(dialect, None)
    return converter


def _utc_datetime(value: str) -> datetime:
    # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC (see UtcDateTime); parsing it with
    # the offset is several times cheaper than datetime.replace(tzinfo=UTC) after it.
    return datetime.fromisoformat(value + "+00:00")
