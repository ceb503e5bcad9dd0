"""Backups of the desk's database, and restoring one.

SQLite: ``backup`` copies the live database with SQLite's online backup API (a consistent
snapshot while the desk keeps writing) into a temporary file beside the target, checks it,
and renames it into place; ``restore`` checks the file first (a SQLite database, whole, of
this helpdesk, of a schema this code knows), refuses while any desk has the database open
(see ``desk_lock``), keeps the current database as ``FILE.before-restore``, and copies the
backup in with the same API, in one transaction of the destination: nothing is half-done.

PostgreSQL: ``backup`` runs ``pg_dump`` (custom format) when it is installed, and says so
when it is not; a restore is ``pg_restore``'s job (the README says how).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from core.errors import BackupRefused
from core.store.desk_lock import DeskLock, sqlite_file
from core.store.migrate import head_revision, shipped_revisions
from core.store.urls import async_database_url

SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """What a backup file holds."""

    path: Path
    schema: str
    tickets: int
    messages: int


def backup(url: str, target: Path) -> BackupInfo | Path:
    """Write a consistent copy of the database to ``target``.

    Returns:
        What the copy holds (SQLite), or the dump's path (PostgreSQL).

    Raises:
        BackupRefused: the target cannot be written, the database cannot be read, or
            ``pg_dump`` is missing; no file is left behind.
    """
    source = sqlite_file(url)
    if source is None:
        return _pg_dump(url, target)
    if not source.exists():
        raise BackupRefused(f"there is no database at {source} to back up")
    if target.is_dir():
        raise BackupRefused(f"{target} is a folder; give a file name")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _copy(source, partial, read_only_source=True)
        info = inspect_backup(partial)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        raise BackupRefused(f"cannot write the backup to {target}: {_reason(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return BackupInfo(target, info.schema, info.tickets, info.messages)


def restore(url: str, source: Path) -> BackupInfo:
    """Replace the database with a backup, after checking the backup.

    Raises:
        BackupRefused: the file is missing, not a SQLite database, truncated or damaged, not
            of this helpdesk, of a newer schema; a desk is running on the database; the
            database is PostgreSQL. Nothing was changed.
    """
    target = sqlite_file(url)
    if target is None:
        raise BackupRefused(
            "restore works on SQLite; for PostgreSQL stop the desk and run: "
            "pg_restore --clean --if-exists --dbname=DATABASE FILE"
        )
    info = inspect_backup(source)
    lock = DeskLock.try_take(target, exclusive=True) if target.parent.is_dir() else None
    if lock is None:
        raise BackupRefused(
            f"a desk is running on {target} (the bot, its delivery worker, the API or another "
            "helpdesk command): stop it first, e.g. systemctl stop helpdesk"
        )
    try:
        if target.exists():
            _copy(target, target.with_name(target.name + ".before-restore"))
        _copy(source, target)
    except (OSError, sqlite3.Error) as exc:
        raise BackupRefused(f"cannot restore into {target}: {_reason(exc)}") from None
    finally:
        lock.release()
    return BackupInfo(target, info.schema, info.tickets, info.messages)


def inspect_backup(path: Path) -> BackupInfo:
    """Check that a file is a whole backup of this helpdesk that this code can run.

    Raises:
        BackupRefused: it is not (the message says what is wrong).
    """
    try:
        with path.open("rb") as file:
            header = file.read(100)
        size = path.stat().st_size
    except OSError as exc:
        raise BackupRefused(f"cannot read {path}: {_reason(exc)}") from None
    if not header.startswith(SQLITE_HEADER):
        raise BackupRefused(f"{path} is not a backup of this helpdesk (not a SQLite database)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if len(header) < 100 or size < page_size * pages:
        raise BackupRefused(f"{path} is truncated: {size} bytes of {page_size * pages}")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            check = connection.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise BackupRefused(f"{path} is damaged: {check[0] if check else 'no answer'}")
            schema = _schema(connection, path)
            tickets = connection.execute("SELECT count(*) FROM tickets").fetchone()[0]
            messages = connection.execute("SELECT count(*) FROM messages").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise BackupRefused(f"{path} is not a usable backup: {_reason(exc)}") from None
    return BackupInfo(path, schema, int(tickets), int(messages))


def _schema(connection: sqlite3.Connection, path: Path) -> str:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        row = None
    if row is None:
        raise BackupRefused(f"{path} is not a backup of this helpdesk (no schema version)")
    version = str(row[0])
    known = set(shipped_revisions())
    if version not in known:
        raise BackupRefused(
            f"{path} has schema {version}, newer than this helpdesk knows (up to "
            f"{head_revision()}): upgrade helpdesk first"
        )
    return version


def _copy(source: Path, target: Path, *, read_only_source: bool = False) -> None:
    """Copy a SQLite database with the online backup API, in one step."""
    uri = source.resolve().as_uri() + ("?mode=ro" if read_only_source else "")
    origin = sqlite3.connect(uri, uri=True)
    try:
        destination = sqlite3.connect(target)
        try:
            origin.backup(destination)
        finally:
            destination.close()
    finally:
        origin.close()


def _pg_dump(url: str, target: Path) -> Path:
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupRefused(
            "pg_dump is not installed: install the PostgreSQL client tools "
            "(e.g. apt install postgresql-client) to back up a PostgreSQL database"
        )
    parsed = make_url(async_database_url(url))
    environment = {**os.environ, "PGPASSWORD": parsed.password or ""}
    plain = parsed.set(drivername="postgresql", password=None)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        result = subprocess.run(
            [
                program,
                "--format=custom",
                f"--file={partial}",
                f"--dbname={plain.render_as_string()}",
            ],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["failed"])[-1]
            raise BackupRefused(f"pg_dump failed: {reason}")
        os.replace(partial, target)
    except OSError as exc:
        raise BackupRefused(f"cannot write the backup to {target}: {_reason(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return target


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
