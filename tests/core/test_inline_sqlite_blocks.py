"""The probe the benchmark reads: how long each inline SQLite call held the event loop."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = """
import asyncio, sys
from pathlib import Path
from sqlalchemy import text
from core.store.database import Database
from core.store.inline_sqlite import record_blocks_to

record_blocks_to(Path(sys.argv[1]))

async def main():
    database = Database(f"sqlite+aiosqlite:///{sys.argv[2]}")
    async with database.write_session() as session:
        await session.execute(text("CREATE TABLE t (n INTEGER)"))
        await session.execute(text("INSERT INTO t VALUES (1)"))
        await session.commit()
    await database.dispose()

asyncio.run(main())
"""


@pytest.fixture(name="recorded")
def fixture_recorded(tmp_path: Path) -> list[tuple[str, float]]:
    """The calls a short program recorded, read from the file it wrote as it exited."""
    log = tmp_path / "blocks.json"
    subprocess.run(
        [sys.executable, "-c", PROGRAM, str(log), str(tmp_path / "desk.db")],
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    return [(name, ms) for name, ms in json.loads(log.read_text(encoding="utf-8"))["calls"]]


class TestRecordBlocks:
    def test_every_call_is_written_at_exit_with_its_statement_and_wall_time(
        self, recorded: list[tuple[str, float]]
    ) -> None:
        names = [name for name, _ in recorded]
        assert names.index("BEGIN IMMEDIATE") < names.index("CREATE") < names.index("INSERT")
        assert names.index("INSERT") < names.index("commit")
        assert {"connect", "PRAGMA"} <= set(names)
        assert all(0 <= ms < 5_000 for _, ms in recorded), "milliseconds"
        assert any(ms > 0 for _, ms in recorded)
