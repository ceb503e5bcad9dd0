"""Benchmark 2: service operations per second on SQLite, against plain sqlite3 doing the same.

Each desk operation is one transaction; so is each floor operation, which writes the same
rows (ticket, message, its origin, the audit event, the outbox rows, the ticket's search
document) with the ``sqlite3`` module directly, with the same pragmas (WAL,
synchronous=NORMAL, foreign keys). Until 2026-11-29 the floor wrote no search document,
though the desk keeps one per ticket in the same transaction (an FTS5 row whose body each
message extends): the floor did less than the desk, by 30–50 % of a message's time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor, ChatRef, CustomerProfile, NewMessage
from core.domain.values import Status
from core.store import search_index

NOW = "2026-11-26 09:00:00.000000"


async def _rate(count: int, operation: Callable[[int], Awaitable[object]]) -> float:
    start = time.perf_counter()
    for i in range(count):
        await operation(i)
    return count / (time.perf_counter() - start)


def _rate_sync(count: int, operation: Callable[[int], object]) -> float:
    start = time.perf_counter()
    for i in range(count):
        operation(i)
    return count / (time.perf_counter() - start)


async def _desk_rates(path: Path, count: int) -> dict[str, float]:
    desk = await Desk.open(f"sqlite+aiosqlite:///{path}", config=DeskConfig(bcrypt_rounds=4))
    account = await desk.accounts.add_agent("bench", "bench-password")
    agent = Actor.agent(account.id, account.username)
    customers = [Actor.customer(CustomerProfile(1_000 + i, f"Customer {i}")) for i in range(count)]
    numbers: list[int] = []
    try:

        async def report(i: int) -> None:
            message = NewMessage("It broke.", origin=ChatRef(1_000 + i, 1))
            ticket = await desk.tickets.report_ticket(customers[i], "Printer", message)
            numbers.append(ticket.number)

        async def send(i: int) -> None:
            message = NewMessage("More detail.", origin=ChatRef(1_000 + i, 2))
            await desk.messages.send_message(customers[i], numbers[i], message)

        async def move(i: int) -> None:
            await desk.tickets.change_status(agent, numbers[i], Status.PENDING)

        return {
            "report_ticket": await _rate(count, report),
            "send_message": await _rate(count, send),
            "change_status": await _rate(count, move),
        }
    finally:
        await desk.close()


class _Floor:
    """The same rows, written straight through sqlite3."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.db.execute(f"PRAGMA {pragma}")

    def _outbox(self, ticket: int, kinds: list[tuple[str, str, int | None]]) -> None:
        self.db.executemany(
            "INSERT INTO outbox (lane, audience, chat_id, ticket_id, kind, payload, attempts,"
            " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, '{}', 0, ?, ?)",
            [
                (
                    f"chat:{chat}" if chat else f"topic:{ticket}",
                    audience,
                    chat,
                    ticket,
                    kind,
                    NOW,
                    NOW,
                )
                for kind, audience, chat in kinds
            ],
        )

    def _index(self, ticket: int, text: str) -> None:
        """Append a message's text to its ticket's search document, as the desk does."""
        self.db.execute(
            f"UPDATE {search_index.TABLE} SET body = CASE WHEN body = '' THEN ?"
            " ELSE body || char(10) || ? END WHERE rowid = ?",
            (text, text, ticket),
        )

    def report(self, i: int) -> int:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        customer = db.execute(
            "INSERT INTO customers (telegram_user_id, display_name, created_at, updated_at)"
            " VALUES (?, ?, ?, ?)",
            (1_000 + i, f"Customer {i}", NOW, NOW),
        ).lastrowid
        ticket = db.execute(
            "INSERT INTO tickets (customer_id, subject, status, priority, created_at, updated_at,"
            " status_changed_at) VALUES (?, 'Printer', 'new', 'normal', ?, ?, ?)",
            (customer, NOW, NOW, NOW),
        ).lastrowid
        assert ticket is not None
        db.execute(
            f"INSERT INTO {search_index.TABLE} (rowid, subject, body) VALUES (?, 'Printer', '')",
            (ticket,),
        )
        self._message(ticket, 1_000 + i, 1)
        self._index(ticket, "It broke.")
        db.execute(
            "INSERT INTO ticket_events (ticket_id, actor_role, actor_name, kind, to_status, at)"
            " VALUES (?, 'customer', 'x', 'created', 'new', ?)",
            (ticket, NOW),
        )
        db.execute("UPDATE customers SET active_ticket_id = ? WHERE id = ?", (ticket, customer))
        self._outbox(
            ticket,
            [
                ("topic_create", "ticket_topic", None),
                ("card_post", "ticket_topic", None),
                ("message_copy", "ticket_topic", None),
                ("ticket_confirmed", "customer", 1_000 + i),
            ],
        )
        db.execute("COMMIT")
        return ticket

    def _message(self, ticket: int, chat: int, message_id: int) -> None:
        message = self.db.execute(
            "INSERT INTO messages (ticket_id, author_role, author_name, text, internal, copyable,"
            " created_at) VALUES (?, 'customer', 'x', 'It broke.', 0, 1, ?)",
            (ticket, NOW),
        ).lastrowid
        self.db.execute(
            "INSERT INTO message_copies (message_id, chat_id, chat_message_id, is_origin)"
            " VALUES (?, ?, ?, 1)",
            (message, chat, message_id),
        )

    def send(self, ticket: int, i: int) -> None:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "SELECT t.status, c.telegram_user_id FROM tickets t JOIN customers c"
            " ON c.id = t.customer_id WHERE t.id = ?",
            (ticket,),
        ).fetchone()
        self._message(ticket, 1_000 + i, 2)
        self._index(ticket, "More detail.")
        db.execute("UPDATE tickets SET updated_at = ? WHERE id = ?", (NOW, ticket))
        self._outbox(ticket, [("message_copy", "ticket_topic", None)])
        db.execute("COMMIT")

    def move(self, ticket: int, i: int) -> None:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        db.execute("SELECT status FROM tickets WHERE id = ?", (ticket,)).fetchone()
        db.execute(
            "UPDATE tickets SET status = 'pending', status_changed_at = ?, updated_at = ?"
            " WHERE id = ?",
            (NOW, NOW, ticket),
        )
        db.execute(
            "INSERT INTO ticket_events (ticket_id, actor_role, actor_name, kind, from_status,"
            " to_status, at) VALUES (?, 'agent', 'bench', 'status', 'new', 'pending', ?)",
            (ticket, NOW),
        )
        self._outbox(
            ticket,
            [
                ("card_refresh", "ticket_topic", None),
                ("event_line", "ticket_topic", None),
                ("status_changed", "customer", 1_000 + i),
            ],
        )
        db.execute("COMMIT")


async def _floor_rates(path: Path, count: int) -> dict[str, float]:
    await (await Desk.open(f"sqlite+aiosqlite:///{path}")).close()  # the same schema
    floor = _Floor(path)
    tickets: list[int] = []
    try:
        return {
            "report_ticket": _rate_sync(count, lambda i: tickets.append(floor.report(i))),
            "send_message": _rate_sync(count, lambda i: floor.send(tickets[i], i)),
            "change_status": _rate_sync(count, lambda i: floor.move(tickets[i], i)),
        }
    finally:
        floor.db.close()


async def run(workdir: Path, *, quick: bool) -> dict[str, Any]:
    """Time each operation on the desk and on the floor."""
    count = 300 if quick else 2_000
    desk = await _desk_rates(workdir / "ops_desk.db", count)
    floor = await _floor_rates(workdir / "ops_floor.db", count)
    return {
        "operations": count,
        "desk_per_second": desk,
        "floor_per_second": floor,
        "ratio": {name: desk[name] / floor[name] for name in desk},
    }


def main(argv: list[str] | None = None) -> int:
    """Run this benchmark alone: ``python -m bench.core_ops [--quick] [--keep DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.core_ops", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="300 operations instead of 2,000")
    parser.add_argument("--keep", type=Path, help="make the databases in this folder (emptied)")
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        for name in ("ops_desk.db", "ops_floor.db"):
            for leftover in args.keep.glob(f"{name}*"):
                leftover.unlink()
        result = asyncio.run(run(args.keep, quick=args.quick))
    else:
        with tempfile.TemporaryDirectory(prefix="bench-ops-") as workdir:
            result = asyncio.run(run(Path(workdir), quick=args.quick))
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
