"""Prepared write transactions fail the way SQLAlchemy's own do, whatever step failed.

On SQLite ``Database.write_transaction`` runs BEGIN, its statements and COMMIT on the
driver's own connection; a refusal at any of them reaches callers as SQLAlchemy's
``DBAPIError`` family (what the bot, the API and the batch intake handle), never as a raw
``sqlite3.Error``, and leaves nothing half-written.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from core.desk import Desk
from core.domain.actors import Actor, CustomerProfile, NewMessage

ANN = Actor.customer(CustomerProfile(7001, "Ann"))


@pytest.fixture(name="sqlite_file")
def fixture_sqlite_file(database_url: str) -> str:
    """The desk's SQLite file (the case is SQLite's own)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("BEGIN and COMMIT run on the driver's own connection on SQLite only")
    return database_url.split("///", 1)[1]


async def test_a_locked_database_at_begin_raises_sqlalchemys_error(
    desk: Desk, sqlite_file: str
) -> None:
    await desk.tickets.report_ticket(ANN, "Printer", NewMessage("It jams"))  # opens the writer
    writer = desk.database._sqlite_writer
    assert writer is not None
    writer.execute("PRAGMA busy_timeout=0")  # refuse at once rather than wait 30 s
    other = sqlite3.connect(sqlite_file, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(OperationalError, match="locked"):
            await desk.tickets.report_ticket(ANN, "Mouse", NewMessage("It squeaks"))
    finally:
        other.close()
    again = await desk.tickets.report_ticket(ANN, "Mouse", NewMessage("It squeaks"))
    assert again.number == 2, "nothing of the refused write was kept; the next one works"
