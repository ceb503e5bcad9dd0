"""A backup taken while customers keep writing is the database as it was at one moment."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from core.store.backup import BackupInfo, backup, restore
from core.store.desk_lock import sqlite_file
from tests.e2e.conftest import Harness

TICKETS = "SELECT id, customer_id, subject, created_at FROM tickets ORDER BY id"
MESSAGES = "SELECT id, ticket_id, author_role, text, created_at FROM messages ORDER BY id"


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


class TestBackupUnderLoad:
    async def test_the_backup_equals_the_source_at_its_moment(
        self, desk_bot: Harness, tmp_path: Path
    ) -> None:
        server = desk_bot.server
        customers = [server.add_user(f"Customer {i}") for i in range(4)]
        for customer in customers:
            await desk_bot.open_ticket(customer)
        stop = asyncio.Event()

        async def write() -> None:
            count = 0
            while not stop.is_set():
                for customer in customers:
                    await server.user_sends(customer, f"message {count}")
                count += 1
                await asyncio.sleep(0.01)

        load = asyncio.create_task(write())
        await asyncio.sleep(1.0)
        copy = tmp_path / "during-load.db"
        made = await asyncio.to_thread(backup, desk_bot.settings.database_url, copy)
        await asyncio.sleep(0.5)
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await load
        await desk_bot.settled()
        source = sqlite_file(desk_bot.settings.database_url)
        assert source is not None
        assert isinstance(made, BackupInfo)

        backed_tickets, backed_messages = rows(copy, TICKETS), rows(copy, MESSAGES)
        now_messages = rows(source, MESSAGES)
        assert 0 < len(backed_messages) < len(now_messages)  # it was taken mid-load
        last_ticket, last_message = backed_tickets[-1][0], backed_messages[-1][0]
        assert backed_tickets == [r for r in rows(source, TICKETS) if r[0] <= last_ticket]
        assert backed_messages == [r for r in now_messages if r[0] <= last_message]

        restored = tmp_path / "restored.db"
        restore(f"sqlite+aiosqlite:///{restored}", copy)
        assert rows(restored, TICKETS) == backed_tickets
        assert rows(restored, MESSAGES) == backed_messages
