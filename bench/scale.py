"""Benchmark 3: reads at 10k, 100k and 1M tickets (p50 latency, and the 1M / 10k ratio).

Each database is seeded in bulk through sqlite3 and its search index built (as a desk that
has been running a while has one, so a write that indexes a message pays what it would),
then read through the desk's own queries:
the agents' queues (first page of the active tickets: all of them, one agent's, the
unassigned ones), one ticket with its history, and one customer's ticket list. The sizes
take turns, one read each, so a machine that is busier for a while slows every size alike
instead of the one being timed then.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.seed import build_index, seed
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
WARM_UP = 5
Read = Callable[[], Awaitable[object]]


def _url(workdir: Path, size: int) -> str:
    return f"sqlite+aiosqlite:///{workdir / f'scale_{size}.db'}"


async def seed_size(workdir: Path, size: int) -> dict[str, Any]:
    """Make a database of ``size`` tickets (migrated, then seeded in bulk)."""
    path = workdir / f"scale_{size}.db"
    await (await Desk.open(_url(workdir, size))).close()  # the schema, by migration
    started = time.perf_counter()
    counts = seed(path, size)
    seeded = time.perf_counter()
    build_index(path)
    return {
        "tickets": size,
        "counts": counts,
        "seed_seconds": seeded - started,
        "index_seconds": time.perf_counter() - seeded,
        "db_mb": path.stat().st_size / 2**20,
    }


def reads(desk: Desk, seeded: dict[str, Any], rng: random.Random) -> dict[str, Read]:
    """The reads to time on one seeded database, by result key."""
    size, counts = seeded["tickets"], seeded["counts"]
    agent = Actor.agent(0, "bench")
    return {
        "queue_p50_ms": lambda: desk.queries.view_tickets(agent, statuses=ACTIVE, limit=10),
        "mine_p50_ms": lambda: desk.queries.view_tickets(
            agent, statuses=ACTIVE, assignee_id=rng.randint(1, counts["agents"]), limit=10
        ),
        "unassigned_p50_ms": lambda: desk.queries.view_tickets(
            agent, statuses=ACTIVE, assignee_id=UNASSIGNED, limit=10
        ),
        "ticket_p50_ms": lambda: desk.queries.get_ticket(agent, rng.randint(1, size), history=30),
        "customer_list_p50_ms": lambda: desk.queries.tickets_of_customer(
            Actor.customer_ref(10_000_000 + rng.randint(1, counts["customers"])), limit=5
        ),
    }


async def _time_in_turns(per_size: dict[int, Read], repeats: int) -> dict[int, list[float]]:
    """Warm each size's read up, then time it ``repeats`` times, the sizes taking turns."""
    for read in per_size.values():
        for _ in range(WARM_UP):
            await read()
    times: dict[int, list[float]] = {size: [] for size in per_size}
    for _ in range(repeats):
        for size, read in per_size.items():
            start = time.perf_counter()
            await read()
            times[size].append((time.perf_counter() - start) * 1000)
    return times


async def run(workdir: Path, *, quick: bool) -> dict[str, Any]:
    """Seed every size, time them in turns; the ratio compares the largest with the smallest."""
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    repeats = 100 if quick else 300
    seeded = [await seed_size(workdir, size) for size in sizes]
    desks = [await Desk.open(_url(workdir, size), migrate=False) for size in sizes]
    rng = random.Random(11)
    medians: dict[int, dict[str, float]] = {size: {} for size in sizes}
    try:
        per_database = [reads(desk, one, rng) for desk, one in zip(desks, seeded, strict=True)]
        for key in KEYS:
            per_size = {size: db[key] for size, db in zip(sizes, per_database, strict=True)}
            for size, times in (await _time_in_turns(per_size, repeats)).items():
                medians[size][key] = median(times)
    finally:
        for desk in desks:
            await desk.close()
    rows = [
        {
            "tickets": one["tickets"],
            "seed_seconds": one["seed_seconds"],
            "db_mb": one["db_mb"],
            **medians[one["tickets"]],
        }
        for one in seeded
    ]
    small, large = rows[0], rows[-1]
    ratios = {key: large[key] / small[key] for key in KEYS}
    return {"sizes": rows, "ratio_largest_to_smallest": ratios, "largest": large["tickets"]}
