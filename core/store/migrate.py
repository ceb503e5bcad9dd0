"""Applying the Alembic migrations from inside the program (CLI and startup).

Alembic is imported only when a migration is read or run: the processes that never migrate
(the delivery worker and the API beside a bot) save its ~10 MB, and so does a start on a
database that is up to date already (``upgrade_database`` compares the stored revision with
the newest shipped one, read from the migration files, before it loads Alembic).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from core.store.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "core.store:migrations"
VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_REVISION = re.compile(r"^revision(?:: str)? = \"([^\"]+)\"$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:: [^=]+)? = (?:\"([^\"]+)\"|None)$", re.MULTILINE)


def alembic_config() -> Config:
    """Build the Alembic configuration; no ini file is needed."""
    from alembic.config import Config  # noqa: PLC0415 - lazily: see the module's docstring

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


async def upgrade_database(database: Database, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the newest) in one transaction.

    A database at the newest revision already is left alone without loading Alembic.
    """
    head = shipped_head() if revision == "head" else None
    if head is not None and await stored_revision(database) == head:
        return
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


def shipped_revisions() -> dict[str, str | None]:
    """Every revision shipped, with the one it follows, read from the migration files.

    Reads them as text (their ``revision`` and ``down_revision`` lines), without Alembic.
    """
    revisions: dict[str, str | None] = {}
    for file in sorted(VERSIONS.glob("*.py")):
        source = file.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is not None and down is not None:
            revisions[revision.group(1)] = down.group(1)
    return revisions


def shipped_head() -> str | None:
    """The newest revision shipped, read without Alembic; None if the files leave it open
    (no single revision that none follows), so that Alembic decides."""
    revisions = shipped_revisions()
    heads = set(revisions) - {down for down in revisions.values() if down is not None}
    return heads.pop() if len(heads) == 1 else None


async def stored_revision(database: Database) -> str | None:
    """The revision the database records, read with plain SQL; None when it has none."""
    try:
        async with database.engine.connect() as connection:
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    except SQLAlchemyError:  # no such table: an empty database
        return None
    return str(rows[0][0]) if len(rows) == 1 else None
