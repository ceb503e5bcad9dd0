"""Backups and restores of a SQLite desk: consistent copies, careful checks, nothing half-done."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.desk import Desk
from core.domain.actors import Actor
from core.errors import BackupRefused
from core.store.backup import BackupInfo, backup, inspect_backup, restore
from core.store.migrate import head_revision
from tests.core.conftest import text_from


def url_of(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def contents(path: Path) -> bytes:
    return path.read_bytes()


@pytest.fixture(name="source")
async def fixture_source(tmp_path: Path, ann: Actor) -> Path:
    """A desk database with two tickets, closed again."""
    path = tmp_path / "desk.db"
    desk = await Desk.open(url_of(path))
    try:
        for subject in ("Printer", "Router"):
            await desk.tickets.report_ticket(ann, subject, text_from(ann, subject + " broke"))
    finally:
        await desk.close()
    return path


class TestBackup:
    async def test_a_backup_taken_while_the_desk_runs_restores_equal(
        self, source: Path, tmp_path: Path, ann: Actor
    ) -> None:
        desk = await Desk.open(url_of(source))
        try:
            made = backup(url_of(source), tmp_path / "copy.db")
            await desk.tickets.report_ticket(ann, "After", text_from(ann, "later"))
        finally:
            await desk.close()
        assert isinstance(made, BackupInfo)
        assert (made.schema, made.tickets, made.messages) == (head_revision(), 2, 2)
        other = tmp_path / "other.db"
        restored = restore(url_of(other), tmp_path / "copy.db")
        assert restored.tickets == 2
        query = "SELECT id, subject FROM tickets ORDER BY id"
        assert rows(other, query) == rows(source, query)[:2]

    def test_an_unwritable_path_leaves_nothing(self, source: Path, tmp_path: Path) -> None:
        with pytest.raises(BackupRefused, match="cannot write"):
            backup(url_of(source), tmp_path / "missing" / "copy.db")
        with pytest.raises(BackupRefused, match="folder"):
            backup(url_of(source), tmp_path)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["desk.db", "desk.db.lock"]


class TestRestoreRefuses:
    async def test_while_a_desk_runs_on_the_database(self, source: Path, tmp_path: Path) -> None:
        copy = tmp_path / "copy.db"
        backup(url_of(source), copy)
        before = contents(source)
        desk = await Desk.open(url_of(source))
        try:
            with pytest.raises(BackupRefused, match="a desk is running"):
                restore(url_of(source), copy)
        finally:
            await desk.close()
        assert contents(source) == before
        assert restore(url_of(source), copy).tickets == 2  # stopped: now it may

    def test_a_file_that_is_not_a_backup(self, source: Path, tmp_path: Path) -> None:
        notes = tmp_path / "notes.txt"
        notes.write_text("hello")
        with pytest.raises(BackupRefused, match="not a SQLite database"):
            restore(url_of(source), notes)
        stranger = tmp_path / "stranger.db"
        sqlite3.connect(stranger).execute("CREATE TABLE t (x)").connection.close()
        with pytest.raises(BackupRefused, match="no schema version"):
            restore(url_of(source), stranger)

    def test_a_truncated_backup(self, source: Path, tmp_path: Path) -> None:
        copy = tmp_path / "copy.db"
        backup(url_of(source), copy)
        data = copy.read_bytes()
        copy.write_bytes(data[: len(data) // 2])
        with pytest.raises(BackupRefused, match="truncated"):
            inspect_backup(copy)

    def test_a_newer_schema(self, source: Path, tmp_path: Path) -> None:
        copy = tmp_path / "copy.db"
        backup(url_of(source), copy)
        connection = sqlite3.connect(copy)
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
        connection.commit()
        connection.close()
        before = source.read_bytes()
        with pytest.raises(BackupRefused, match="schema 9999, newer"):
            restore(url_of(source), copy)
        assert source.read_bytes() == before

    def test_a_missing_file(self, source: Path, tmp_path: Path) -> None:
        with pytest.raises(BackupRefused, match="cannot read"):
            restore(url_of(source), tmp_path / "nope.db")
