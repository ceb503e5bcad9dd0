"""One sandbox per directory: a running sandbox holds a lock on ``sandbox.lock`` in it.

Two sandboxes on one directory would run two desks on one database and overwrite each
other's saved world. The lock is an advisory ``flock``, so the kernel drops it when the
sandbox ends, however it ends; the file holds the running sandbox's page address, so a
second ``helpdesk sandbox`` can say where the first one is. Where ``fcntl`` is missing
(Windows) nothing is locked.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "sandbox.lock"


class DirectoryInUse(Exception):
    """Raised when another sandbox runs on the directory; the message says where."""


class DirectoryLock:
    """The lock of one sandbox directory, held from ``take`` until ``release``."""

    def __init__(self, directory: Path) -> None:
        """Lock ``directory`` (nothing is taken yet)."""
        self.path = directory / LOCK_FILE
        self._handle: IO[str] | None = None

    def take(self) -> None:
        """Take the lock without waiting.

        Raises:
            DirectoryInUse: another sandbox holds it.
        """
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.seek(0)
                address = handle.read().strip()
                handle.close()
                where = f" (its page: {address})" if address else ""
                raise DirectoryInUse(
                    f"another sandbox is running on {self.path.parent}{where}; "
                    "use that one, stop it, or give this one another --dir"
                ) from None
        self._handle = handle

    def record(self, address: str) -> None:
        """Write the page's address into the lock file, for a second sandbox to show."""
        if self._handle is None:
            return
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(address)
        self._handle.flush()

    def release(self) -> None:
        """Drop the lock (process exit drops it too)."""
        if self._handle is None:
            return
        with contextlib.suppress(OSError):
            self._handle.seek(0)
            self._handle.truncate()
        self._handle.close()
        self._handle = None
