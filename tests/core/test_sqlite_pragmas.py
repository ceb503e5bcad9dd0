"""Every SQLite connection of a desk is set up alike, the write path's own included (and it
keeps its statement journal in memory)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.desk import Desk
from core.store.database import WAL_CHECKPOINT_PAGES
from core.store.prepared import Prepared

_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 1,  # NORMAL
    "foreign_keys": 1,
    "wal_autocheckpoint": WAL_CHECKPOINT_PAGES,
}


async def test_pooled_and_write_connections_share_the_pragmas(desk: Desk) -> None:
    if not desk.database.is_sqlite:
        pytest.skip("SQLite's settings")
    async with desk.database.read_connection() as connection:
        pooled = {
            name: (await connection.execute(text(f"PRAGMA {name}"))).scalar() for name in _PRAGMAS
        }
    async with desk.database.write_transaction() as writer:
        written = {
            name: await writer.scalar(Prepared(text(f"PRAGMA {name}")), {}) for name in _PRAGMAS
        }
    assert pooled == _PRAGMAS
    assert written == _PRAGMAS


async def test_the_write_path_keeps_its_statement_journal_in_memory(desk: Desk) -> None:
    # A grouped write's savepoints journal in memory, not in a temporary file per group;
    # the pooled connections (large reads that may sort) keep SQLite's default.
    if not desk.database.is_sqlite:
        pytest.skip("SQLite's settings")
    async with desk.database.write_transaction() as writer:
        kept = await writer.scalar(Prepared(text("PRAGMA temp_store")), {})
    async with desk.database.read_connection() as connection:
        pooled = (await connection.execute(text("PRAGMA temp_store"))).scalar()
    assert (kept, pooled) == (2, 0)  # MEMORY, DEFAULT
