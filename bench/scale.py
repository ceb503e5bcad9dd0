"""Benchmark 3: reads at 10k, 100k and 1M tickets (p50 latency, and the 1M / 10k ratio).

The database is seeded in bulk through sqlite3, then read through the desk's own queries:
the agents' queues (first page of the active tickets: all of them, one agent's, the
unassigned ones), one ticket with its history, and one customer's ticket list.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.seed import seed
from bench.stats import median
from core.desk import Desk
from core.domain.actors import Actor
from core.domain.values import Status
from core.services.queries import UNASSIGNED

ACTIVE = [Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED]
KEYS = (
    "queue_p50_ms",
    "mine_p50_ms",
    "unassigned_p50_ms",
    "ticket_p50_ms",
    "customer_list_p50_ms",
)


async def _p50(action: Callable[[], Awaitable[object]], repeats: int) -> float:
    for _ in range(5):
        await action()  # warm caches and statement caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        await action()
        times.append(time.perf_counter() - start)
    return median(times) * 1000


async def measure_size(workdir: Path, size: int, repeats: int) -> dict[str, Any]:
    """Seed ``size`` tickets and time the three reads."""
    path = workdir / f"scale_{size}.db"
    url = f"sqlite+aiosqlite:///{path}"
    await (await Desk.open(url)).close()  # the schema, by migration
    started = time.perf_counter()
    counts = seed(path, size)
    seeded = time.perf_counter() - started
    desk = await Desk.open(url, migrate=False)
    rng = random.Random(11)
    agent = Actor.agent(0, "bench")
    try:
        queue = await _p50(
            lambda: desk.queries.view_tickets(agent, statuses=ACTIVE, limit=10), repeats
        )
        mine = await _p50(
            lambda: desk.queries.view_tickets(
                agent, statuses=ACTIVE, assignee_id=rng.randint(1, counts["agents"]), limit=10
            ),
            repeats,
        )
        unassigned = await _p50(
            lambda: desk.queries.view_tickets(
                agent, statuses=ACTIVE, assignee_id=UNASSIGNED, limit=10
            ),
            repeats,
        )
        ticket = await _p50(
            lambda: desk.queries.get_ticket(agent, rng.randint(1, size), history=30), repeats
        )
        customers = counts["customers"]
        listing = await _p50(
            lambda: desk.queries.tickets_of_customer(
                Actor.customer_ref(10_000_000 + rng.randint(1, customers)), limit=5
            ),
            repeats,
        )
    finally:
        await desk.close()
    return {
        "tickets": size,
        "seed_seconds": seeded,
        "db_mb": path.stat().st_size / 2**20,
        "queue_p50_ms": queue,
        "mine_p50_ms": mine,
        "unassigned_p50_ms": unassigned,
        "ticket_p50_ms": ticket,
        "customer_list_p50_ms": listing,
    }


async def run(workdir: Path, *, quick: bool) -> dict[str, Any]:
    """Measure every size; the ratio compares the largest with the smallest."""
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    repeats = 100 if quick else 300
    rows = [await measure_size(workdir, size, repeats) for size in sizes]
    small, large = rows[0], rows[-1]
    ratios = {key: large[key] / small[key] for key in KEYS}
    return {"sizes": rows, "ratio_largest_to_smallest": ratios, "largest": large["tickets"]}
