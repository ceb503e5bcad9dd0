"""The schema comes from Alembic migrations and matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from core.store.database import Database
from core.store.migrate import current_revision, head_revision, upgrade_database
from core.store.search_index import include_name
from core.store.tables import Base


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
