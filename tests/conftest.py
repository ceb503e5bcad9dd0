"""Fixtures shared by every test: databases on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from core.clock import ManualClock
from core.config import DeskConfig
from core.desk import Desk

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", *(["postgresql"] if TEST_DATABASE_URL else [])]
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def _create_postgres_database() -> tuple[str, Callable[[], Awaitable[None]]]:
    import asyncpg  # noqa: PLC0415 - only the PostgreSQL runs need it

    base = make_url(TEST_DATABASE_URL)
    name = f"helpdesk_t_{uuid.uuid4().hex[:12]}"
    server_dsn = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    connection = await asyncpg.connect(server_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()

    async def drop() -> None:
        connection = await asyncpg.connect(server_dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    return base.set(database=name).render_as_string(False), drop


@pytest.fixture(name="database_url", params=BACKENDS)
async def fixture_database_url(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """An empty database on each backend under test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
        return
    url, drop = await _create_postgres_database()
    try:
        yield url
    finally:
        await drop()


@pytest.fixture(name="clock")
def fixture_clock() -> ManualClock:
    """A clock that stands still until a test moves it."""
    return ManualClock(START)


@pytest.fixture(name="config")
def fixture_config() -> DeskConfig:
    """The default policy, with cheap bcrypt so tests stay fast.

    The flood limits are out of the way here (tests open hundreds of tickets in a breath);
    tests/core/test_floods.py sets them.
    """
    return DeskConfig(
        bcrypt_rounds=4,
        categories=("Billing", "Technical"),
        customer_messages_per_minute=1_000_000,
        new_tickets_per_day=1_000_000,
        new_customers_per_minute=1_000_000,
    )


@pytest.fixture(name="desk")
async def fixture_desk(
    database_url: str, clock: ManualClock, config: DeskConfig
) -> AsyncIterator[Desk]:
    """A desk on a freshly migrated database."""
    desk = await Desk.open(database_url, clock=clock, config=config)
    try:
        yield desk
    finally:
        await desk.close()
