"""Alembic environment: runs on a connection handed over by ``core.store.migrate``.

Run through ``helpdesk db upgrade`` (or the app's startup); for development, the ``alembic``
command also works from the project root with ``DATABASE_URL`` set.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from core.store.search_index import include_name
from core.store.tables import Base
from core.store.urls import async_database_url

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    """Run the migrations on an open synchronous connection."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_standalone(url: str) -> None:
    engine = create_async_engine(async_database_url(url))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
            await connection.commit()
    finally:
        await engine.dispose()


def main() -> None:
    """Pick the handed-over connection, or open one from the URL."""
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) migrations are not supported")
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "DATABASE_URL", "sqlite+aiosqlite:///helpdesk.db"
    )
    asyncio.run(_run_standalone(url))


main()
