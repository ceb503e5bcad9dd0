"""The schema comes from Alembic migrations and matches the models exactly."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from core.store.database import Database
from core.store.migrate import (
    current_revision,
    head_revision,
    shipped_head,
    shipped_revisions,
    stored_revision,
    upgrade_database,
)
from core.store.search_index import include_name
from core.store.tables import Base

ROOT = Path(__file__).resolve().parents[2]


class TestMigrations:
    async def test_upgrade_creates_exactly_the_modelled_schema(self, database_url: str) -> None:
        database = Database(database_url)
        try:
            assert await current_revision(database) is None
            await upgrade_database(database)
            assert await current_revision(database) == head_revision()

            def differences(connection: Connection) -> list[object]:
                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "include_name": include_name}
                )
                return list(compare_metadata(context, Base.metadata))

            async with database.engine.connect() as connection:
                assert await connection.run_sync(differences) == []
        finally:
            await database.dispose()

    async def test_upgrade_twice_is_harmless(self, database_url: str) -> None:
        database = Database(database_url)
        try:
            await upgrade_database(database)
            await upgrade_database(database)

            def tables(connection: Connection) -> set[str]:
                return set(inspect(connection).get_table_names())

            async with database.engine.connect() as connection:
                assert {"tickets", "agents", "outbox", "messages"} <= await connection.run_sync(
                    tables
                )
        finally:
            await database.dispose()

    async def test_downgrade_to_nothing_and_back(self, database_url: str) -> None:
        database = Database(database_url)
        try:
            await upgrade_database(database)
            from alembic import command  # noqa: PLC0415

            from core.store.migrate import alembic_config  # noqa: PLC0415

            config = alembic_config()

            def downgrade(connection: Connection) -> None:
                config.attributes["connection"] = connection
                command.downgrade(config, "base")

            async with database.engine.begin() as connection:
                await connection.run_sync(downgrade)
            assert await current_revision(database) is None
            await upgrade_database(database)
            assert await current_revision(database) == head_revision()
        finally:
            await database.dispose()


class TestStartWithoutAlembic:
    def test_the_migration_files_read_as_text_give_alembics_history(self) -> None:
        from alembic.script import ScriptDirectory  # noqa: PLC0415

        from core.store.migrate import alembic_config  # noqa: PLC0415

        scripts = ScriptDirectory.from_config(alembic_config())
        expected = {script.revision: script.down_revision for script in scripts.walk_revisions()}
        assert shipped_revisions() == expected
        assert shipped_head() == head_revision()

    async def test_an_up_to_date_database_is_opened_without_loading_alembic(
        self, tmp_path: Path
    ) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
        database = Database(url)
        try:
            assert await stored_revision(database) is None, "an empty database records none"
            await upgrade_database(database)
            assert await stored_revision(database) == head_revision()
        finally:
            await database.dispose()
        opens = (
            "import asyncio, sys\n"
            "from core.desk import Desk\n"
            "async def main():\n"
            "    await (await Desk.open(sys.argv[1])).close()\n"
            "asyncio.run(main())\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
        )
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", opens, url, cwd=ROOT, stdout=asyncio.subprocess.PIPE
        )
        output, _ = await asyncio.wait_for(child.communicate(), 120)
        assert child.returncode == 0
        assert output.decode().strip() == "[]"
