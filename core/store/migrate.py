"""Applying the Alembic migrations from inside the program (CLI and startup).

Alembic is imported only when a migration is read or run: the processes that never migrate
(the delivery worker and the API beside a bot) save its ~10 MB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from core.store.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "core.store:migrations"


def alembic_config() -> Config:
    """Build the Alembic configuration; no ini file is needed."""
    from alembic.config import Config  # noqa: PLC0415 - lazily: see the module's docstring

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


async def upgrade_database(database: Database, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the newest) in one transaction."""
    from alembic import command  # noqa: PLC0415 - lazily: see the module's docstring

    config = alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)


async def current_revision(database: Database) -> str | None:
    """Return the revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415 - lazily

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(read)


def head_revision() -> str:
    """Return the newest revision shipped with this code."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415 - lazily

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations are shipped")
    return head
