"""Every SQLite connection of a desk is set up alike, the write path's own included."""

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
