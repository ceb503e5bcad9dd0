"""Database URLs as people write them, mapped to the async drivers."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.store.urls import async_database_url, url_without_password


class TestAsyncDatabaseUrl:
    @pytest.mark.parametrize(
        ("written", "used"),
        [
            ("sqlite:///desk.db", "sqlite+aiosqlite:///desk.db"),
            ("sqlite:////var/lib/helpdesk/desk.db", "sqlite+aiosqlite:////var/lib/helpdesk/desk.db"),
            ("postgresql://desk:secret@db:5432/helpdesk", "postgresql+asyncpg://desk:secret@db:5432/helpdesk"),
            ("postgres://desk:secret@db/helpdesk", "postgresql+asyncpg://desk:secret@db/helpdesk"),
            ("postgres+asyncpg://desk@db/helpdesk", "postgresql+asyncpg://desk@db/helpdesk"),
            ("  sqlite:///desk.db\n", "sqlite+aiosqlite:///desk.db"),
        ],
    )  # fmt: skip
    def test_plain_urls_get_the_async_driver(self, written: str, used: str) -> None:
        assert async_database_url(written) == used

    @pytest.mark.parametrize(
        "url",
        [
            "sqlite+aiosqlite:///desk.db",
            "postgresql+asyncpg://desk:p%40ss@db:5432/helpdesk?ssl=require",
        ],
    )
    def test_async_urls_are_kept_as_written(self, url: str) -> None:
        assert async_database_url(url) == url

    def test_a_password_with_escapes_survives_the_mapping(self) -> None:
        used = async_database_url("postgresql://desk:p%40ss%2Fword@db/helpdesk")
        assert used == "postgresql+asyncpg://desk:p%40ss%2Fword@db/helpdesk"

    @pytest.mark.parametrize("url", ["not a url", "mydesk.sqlite", "://nothing"])
    def test_something_that_is_no_url_is_refused_without_repeating_it(self, url: str) -> None:
        with pytest.raises(InvalidInput, match="not a database URL") as raised:
            async_database_url(url)
        assert url not in str(raised.value)

    @pytest.mark.parametrize("url", ["mysql://desk@db/helpdesk", "nosuchdb://x"])
    def test_other_databases_are_refused(self, url: str) -> None:
        with pytest.raises(InvalidInput, match="SQLite or PostgreSQL"):
            async_database_url(url)

    @pytest.mark.parametrize(
        "url", ["postgresql+psycopg2://desk@db/helpdesk", "sqlite+pysqlite:///d.db"]
    )
    def test_other_drivers_are_refused_naming_the_plain_form(self, url: str) -> None:
        with pytest.raises(InvalidInput, match="is not one the desk runs on"):
            async_database_url(url)

    @pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite+aiosqlite://"])
    def test_sqlite_must_be_a_file(self, url: str) -> None:
        with pytest.raises(InvalidInput, match="must be a file"):
            async_database_url(url)


class TestUrlWithoutPassword:
    def test_the_password_is_hidden(self) -> None:
        shown = url_without_password("postgresql+asyncpg://desk:hunter2@db/helpdesk")
        assert shown == "postgresql+asyncpg://desk:***@db/helpdesk"

    def test_a_malformed_url_is_not_repeated(self) -> None:
        assert url_without_password("desk:hunter2 nonsense") == "<malformed URL>"
