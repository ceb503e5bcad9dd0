"""Who is using a SQLite database: every open desk holds a shared lock, a restore an exclusive one.

The lock is an advisory ``flock`` on a file beside the database (``desk.db.lock``). The
kernel drops it when the process ends, however it ends, so a crashed desk never leaves a
stale "running" mark behind, and no clock or heartbeat is involved. It works on one
machine, which is where a SQLite file lives anyway. Where ``fcntl`` is missing (Windows)
nothing is locked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from core.store.urls import async_database_url

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]


def sqlite_file(url: str) -> Path | None:
    """The database file a SQLite URL names; None for PostgreSQL or an in-memory database."""
    parsed = make_url(async_database_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database or "").resolve()


class DeskLock:
    """A held lock on a database's lock file; ``release()`` (or process exit) drops it."""

    def __init__(self, handle: IO[bytes] | None) -> None:
        self._handle = handle

    @classmethod
    def try_take(cls, database: Path, *, exclusive: bool) -> DeskLock | None:
        """Take the lock without waiting; None when someone else holds a conflicting one."""
        if fcntl is None:
            return cls(None)
        handle = open(lock_path(database), "ab")  # noqa: SIM115 - held until release()
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return None
        return cls(handle)

    def release(self) -> None:
        """Drop the lock."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def lock_path(database: Path) -> Path:
    """The lock file beside a database file."""
    return database.with_name(database.name + ".lock")


def is_in_use(database: Path) -> bool:
    """Tell whether a desk (any helpdesk process) has this database open right now."""
    if not os.path.exists(database):
        return False
    lock = DeskLock.try_take(database, exclusive=True)
    if lock is None:
        return True
    lock.release()
    return False
