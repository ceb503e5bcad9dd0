"""Database URLs: the plain ones people write, mapped to the async drivers the desk runs on.

The desk runs on SQLite through aiosqlite and on PostgreSQL through asyncpg. People write
``sqlite:///desk.db``, ``postgresql://…`` or Heroku's ``postgres://…``; those name no driver
(or an outdated dialect name), so they get the async one. A URL naming another driver, another
database, or an in-memory SQLite database is refused with a sentence saying what to write.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from core.errors import InvalidInput

EXAMPLES = "sqlite:///helpdesk.db or postgresql://user:password@host:5432/helpdesk"
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
BACKEND_ALIASES = {"postgres": "postgresql"}  # Heroku's and libpq's spelling


def async_database_url(url: str) -> str:
    """Return ``url`` with the async driver the desk uses for its database.

    Raises:
        InvalidInput: not a URL, a database other than SQLite or PostgreSQL, a driver other
            than aiosqlite or asyncpg, or a SQLite database that is not a file.
    """
    parsed = _parse(url)
    backend, _, driver = parsed.drivername.partition("+")
    backend = BACKEND_ALIASES.get(backend, backend)
    wanted = ASYNC_DRIVERS.get(backend)
    if wanted is None:
        raise InvalidInput(
            f"the desk runs on SQLite or PostgreSQL, not {backend!r}; use {EXAMPLES}"
        )
    if driver and driver != wanted:
        raise InvalidInput(
            f"the driver {driver!r} is not one the desk runs on; write {backend}://… "
            f"(or {backend}+{wanted}://…)"
        )
    if backend == "sqlite" and (not parsed.database or parsed.database == ":memory:"):
        raise InvalidInput("a SQLite database must be a file, e.g. sqlite:///helpdesk.db")
    drivername = f"{backend}+{wanted}"
    if parsed.drivername == drivername:
        return url.strip()
    return parsed.set(drivername=drivername).render_as_string(hide_password=False)


def url_without_password(url: str) -> str:
    """Render a database URL with its password hidden, fit for logs and errors."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<malformed URL>"


def _parse(url: str) -> URL:
    try:
        return make_url(url.strip())
    except ArgumentError:
        # The text itself is not repeated: it may hold a password.
        raise InvalidInput(f"not a database URL; write it like {EXAMPLES}") from None
