"""Copying the WAL back into the database file, on a thread of its own.

SQLite's own checkpoint runs inside the COMMIT that takes the WAL past a size: on the event
loop's thread (statements run there, see ``inline_sqlite``), copying every page changed
since the last one and waiting twice for the disk, which stopped the whole desk for several
milliseconds every few dozen commits. The desk's connections turn it off
(``wal_autocheckpoint=0``). Instead each SQLite ``Database`` that writes keeps a
``Checkpointer``: a thread with a connection of its own that, woken by commits, runs a
PASSIVE checkpoint (one that never waits for a reader or a writer, and that SQLite runs
without holding the GIL) at most every ``INTERVAL`` seconds. The WAL then starts over from
its beginning at the next write after a checkpoint that copied it all, as it did before.

A checkpoint that fails (the file went away, the disk is full) is logged and tried again at
the next commit; nothing is lost meanwhile, the WAL only grows. When the last connection to
the file closes, SQLite checkpoints what is left itself.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

INTERVAL = 0.05
"""The least time between two checkpoints, in seconds.

Under a steady stream of writes the WAL then holds about a twentieth of a second's worth of
commits: at the API's thousand replies a second, a few thousand pages, most of them the
same hot pages written again (the tail of the messages and outbox tables, their indexes),
which a checkpoint copies once each."""

log = logging.getLogger(__name__)


class Checkpointer:
    """The thread that checkpoints one database file's WAL after commits.

    Args:
        file: the database file's path.
    """

    def __init__(self, file: str) -> None:
        self._file = file
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """A commit added to the WAL: copy it back soon (starts the thread the first time)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
            self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread once its checkpoint in progress, if any, is done."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        connection = sqlite3.connect(self._file, isolation_level=None, check_same_thread=False)
        try:
            while True:
                self._wake.wait()
                if self._stopping.is_set():
                    return
                self._wake.clear()
                self._checkpoint(connection)
                if self._stopping.wait(INTERVAL):
                    return
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:
            log.warning(
                "checkpoint of %s failed, tried again at the next commit: %s", self._file, error
            )
