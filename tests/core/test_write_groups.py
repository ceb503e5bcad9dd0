"""Group commit on SQLite: writes that come together share one transaction and one COMMIT.

Each member still returns only once its write is durable and visible to every connection;
a member that fails takes back only its own writes; a COMMIT that fails fails every member
and keeps nothing. The WAL is copied back into the database file by a thread of its own.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core.store.database import Database
from core.store.prepared import Prepared

_ADD = Prepared(text("INSERT INTO notes (v) VALUES (:v)"))
_COUNT = Prepared(text("SELECT count(*) FROM notes"))
_ORPHAN = Prepared(text("INSERT INTO children (parent) VALUES (:p)"))


class Boom(Exception):
    """A member's own failure."""


@pytest.fixture(name="file")
def fixture_file(tmp_path: Path) -> Path:
    """A WAL database with a table of notes and a table with a foreign key."""
    path = tmp_path / "groups.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        connection.execute("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
        connection.execute(
            "CREATE TABLE children (id INTEGER PRIMARY KEY,"
            " parent INTEGER NOT NULL REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)"
        )
    connection.close()
    return path


@pytest.fixture(name="database")
async def fixture_database(file: Path) -> AsyncIterator[Database]:
    """The desk's ``Database`` on that file."""
    database = Database(f"sqlite:///{file}")
    yield database
    await database.dispose()


async def _note(database: Database, value: str) -> None:
    """Write one note in a transaction of its own; "bad" then fails in its body, and
    "orphan" adds a row whose foreign key SQLite checks only at COMMIT."""
    async with database.write_transaction() as writer:
        await writer.run(_ADD, {"v": value})
        if value == "bad":
            raise Boom(value)
        if value == "orphan":
            await writer.run(_ORPHAN, {"p": 404})


def _committed(file: Path) -> list[str]:
    """The notes another connection (another process, say) sees."""
    with sqlite3.connect(file) as outside:
        rows = outside.execute("SELECT v FROM notes ORDER BY id").fetchall()
    outside.close()
    return [row[0] for row in rows]


async def test_writes_that_come_together_share_one_transaction(
    database: Database, file: Path
) -> None:
    seen: list[tuple[int, list[str]]] = []

    async def write(value: str) -> None:
        async with database.write_transaction() as writer:
            await writer.run(_ADD, {"v": value})
            own = int(await writer.scalar(_COUNT, {}))
            seen.append((own, _committed(file)))

    await asyncio.gather(*(write(f"n{i}") for i in range(5)))

    assert [own for own, _ in seen] == [1, 2, 3, 4, 5], "each joined the same transaction"
    assert all(outside == [] for _, outside in seen), "nothing was committed until all were in"
    assert _committed(file) == ["n0", "n1", "n2", "n3", "n4"]


async def test_a_write_is_committed_when_its_block_is_done(database: Database, file: Path) -> None:
    await _note(database, "alone")
    assert _committed(file) == ["alone"]


async def test_a_failing_member_takes_back_only_its_own_writes(
    database: Database, file: Path
) -> None:
    outcomes = await asyncio.gather(
        _note(database, "first"),
        _note(database, "bad"),
        _note(database, "last"),
        return_exceptions=True,
    )

    assert outcomes[0] is None
    assert isinstance(outcomes[1], Boom)
    assert outcomes[2] is None
    assert _committed(file) == ["first", "last"]


async def test_a_failing_first_member_leaves_the_others_theirs(
    database: Database, file: Path
) -> None:
    outcomes = await asyncio.gather(
        _note(database, "bad"), _note(database, "second"), return_exceptions=True
    )

    assert isinstance(outcomes[0], Boom)
    assert outcomes[1] is None
    assert _committed(file) == ["second"]


async def test_a_failed_commit_fails_every_member_and_keeps_nothing(
    database: Database, file: Path
) -> None:
    outcomes = await asyncio.gather(
        _note(database, "before"),
        _note(database, "orphan"),
        _note(database, "after"),
        return_exceptions=True,
    )

    assert all(isinstance(outcome, IntegrityError) for outcome in outcomes), outcomes
    assert _committed(file) == []
    await _note(database, "again")  # the connection is usable again
    assert _committed(file) == ["again"]


async def test_a_write_session_waiting_commits_the_open_group_first(
    database: Database, file: Path
) -> None:
    async def session(value: str) -> None:
        async with database.write_session() as orm:
            await orm.execute(text("INSERT INTO notes (v) VALUES (:v)"), {"v": value})
            await orm.commit()

    await asyncio.wait_for(
        asyncio.gather(_note(database, "a"), session("b"), _note(database, "c"), session("d")), 10
    )

    assert sorted(_committed(file)) == ["a", "b", "c", "d"]


async def test_two_databases_on_one_file_never_wait_on_each_other_inside_sqlite(
    database: Database, file: Path
) -> None:
    other = Database(f"sqlite:///{file}")
    try:
        await asyncio.wait_for(
            asyncio.gather(*(_note((database, other)[i % 2], f"v{i}") for i in range(6))), 10
        )
    finally:
        await other.dispose()
    assert sorted(_committed(file)) == [f"v{i}" for i in range(6)]


async def test_the_wal_is_copied_back_into_the_database_file(
    database: Database, file: Path, tmp_path: Path
) -> None:
    for i in range(20):
        await _note(database, f"n{i}")

    alone = tmp_path / "main-file-only.db"  # the database file without its WAL
    count = 0
    for _ in range(100):
        shutil.copyfile(file, alone)
        copy = sqlite3.connect(alone)
        try:
            count = copy.execute("SELECT count(*) FROM notes").fetchone()[0]
        except sqlite3.DatabaseError:  # copied halfway through a checkpoint: look again
            count = -1
        finally:
            copy.close()
        if count == 20:
            break
        await asyncio.sleep(0.05)
    assert count == 20, "every commit reached the database file, not only the WAL"
