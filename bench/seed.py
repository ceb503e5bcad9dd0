"""Seeding a desk database fast, straight through sqlite3, for the scale benchmark; and
building its search index as ``helpdesk db reindex`` does."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine

from core.store.search_index import rebuild

STATUSES = ["new", "open", "pending", "resolved", "closed"]
WEIGHTS = [5, 10, 5, 10, 70]  # a desk that has been running a while: mostly closed
START = datetime(2026, 1, 1, tzinfo=UTC)
CHUNK = 50_000
AGENTS = 20


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(
    path: Path, tickets: int, *, per_customer: int = 10, seed_value: int = 7
) -> dict[str, int]:
    """Add ``tickets`` tickets (one message and one event each) to a migrated database.

    New tickets are unassigned; every other ticket belongs to one of ``AGENTS`` agents
    (ids 1 to ``AGENTS``), picked at random.

    Returns the ids to sample from: how many customers, agents and tickets there are.
    """
    rng = random.Random(seed_value)
    customers = max(1, tickets // per_customer)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    with connection:
        connection.executemany(
            "INSERT INTO customers (id, telegram_user_id, display_name, username, language_code,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, 'en', ?, ?)",
            (
                (i, 10_000_000 + i, f"Customer {i}", f"c{i}", _ts(START), _ts(START))
                for i in range(1, customers + 1)
            ),
        )
        connection.executemany(
            "INSERT INTO agents (id, username, password_hash, is_admin, is_active,"
            " failed_logins, created_at) VALUES (?, ?, 'x', 0, 1, 0, ?)",
            ((i, f"agent{i}", _ts(START)) for i in range(1, AGENTS + 1)),
        )
    for first in range(1, tickets + 1, CHUNK):
        last = min(tickets, first + CHUNK - 1)
        rows, messages, events = [], [], []
        for number in range(first, last + 1):
            created = START + timedelta(seconds=number * 20)
            updated = created + timedelta(minutes=rng.randint(1, 600))
            status = rng.choices(STATUSES, WEIGHTS)[0]
            customer = rng.randint(1, customers)
            assignee = None if status == "new" else rng.randint(1, AGENTS)
            rows.append(
                (
                    number,
                    customer,
                    f"Problem number {number}",
                    status,
                    "normal",
                    _ts(created),
                    _ts(updated),
                    _ts(updated),
                    assignee,
                )
            )
            messages.append(
                (number, number, "customer", f"Customer {customer}", "It broke.", _ts(created))
            )
            events.append(
                (number, number, "customer", f"Customer {customer}", "created", "new", _ts(created))
            )
        with connection:
            connection.executemany(
                "INSERT INTO tickets (id, customer_id, subject, status, priority, created_at,"
                " updated_at, status_changed_at, assignee_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            connection.executemany(
                "INSERT INTO messages (id, ticket_id, author_role, author_name, text, internal,"
                " copyable, created_at) VALUES (?, ?, ?, ?, ?, 0, 1, ?)",
                messages,
            )
            connection.executemany(
                "INSERT INTO ticket_events (id, ticket_id, actor_role, actor_name, kind,"
                " to_status, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                events,
            )
    connection.close()
    return {"customers": customers, "agents": AGENTS, "tickets": tickets}


def build_index(path: Path) -> None:
    """Build the search index of a seeded database once, as ``helpdesk db reindex`` does.

    A bulk load into a new file: no journal and no fsync while it runs.
    """
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=OFF")
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            connection.commit()
            with connection.begin():
                rebuild(connection)
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            connection.commit()
    finally:
        engine.dispose()
