"""Benchmark: full-text search latency (p50, p99) at 10k and 1M tickets of 10 messages.

Each database is made by the desk's migrations, then seeded in bulk straight through
sqlite3 (tickets, customers and ten messages per ticket of eight words each, drawn from a
5,000-word vocabulary, in one transaction), and its search index is built once afterwards
by the same code as ``helpdesk db reindex``; both without a journal or fsync, as a bulk
load into a new file can be. Seeding and indexing are timed. Searches go
through the desk's own ``search`` (one or two words, as agents type them), the sizes taking
turns; one search in ten is also run with a ``customer:`` filter and timed apart. The
headline p50/p99 are over the unfiltered searches; each kind has its own too.
With ``--keep DIR`` a database already seeded there (same size, same words) is used again,
so the searches can be timed once more without seeding a million tickets anew.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.seed import START, _ts, build_index
from bench.stats import median
from core.desk import Desk
from core.domain.actors import Actor

SIZES = (10_000, 1_000_000)
QUICK_SIZES = (2_000, 50_000)
MESSAGES_PER_TICKET = 10
WORDS_PER_MESSAGE = 8
VOCABULARY = 5_000
QUERIES = 1_000
"""Searches per size: the p99 is then the tenth slowest, not the third (300 before)."""
QUICK_QUERIES = 200
FILTERED_SHARE = 0.1
"""One search in ten also runs with a ``customer:`` filter, timed apart from the headline."""
_CHUNK = 20_000
SEED_VERSION = 3
"""Changes when the seeded content changes, so a kept database of an older kind is remade."""
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def vocabulary(rng: random.Random) -> list[str]:
    """Pronounceable made-up words, all different."""
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def seed_messages(path: Path, tickets: int, words: list[str], rng: random.Random) -> None:
    """Add customers, tickets and their messages in one transaction."""
    connection = sqlite3.connect(path)
    # A bulk load into a new file: no rollback journal and no fsync while it runs (a crash
    # means seeding again); the desk's own write-ahead log comes back at the end.
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    at = _ts(START)
    with connection:
        connection.executemany(
            "INSERT INTO customers (id, telegram_user_id, display_name, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            ((n, 10_000 + n, f"Customer {n}", at, at) for n in range(1, tickets // 10 + 2)),
        )
        for first in range(1, tickets + 1, _CHUNK):
            numbers = range(first, min(first + _CHUNK, tickets + 1))
            connection.executemany(
                "INSERT INTO tickets (id, customer_id, subject, status, priority, created_at,"
                " updated_at, status_changed_at) VALUES (?, ?, ?, 'closed', 'normal', ?, ?, ?)",
                ((n, n // 10 + 1, " ".join(rng.choices(words, k=4)), at, at, at) for n in numbers),
            )
            connection.executemany(
                "INSERT INTO messages (ticket_id, author_role, author_name, text, internal,"
                " copyable, created_at) VALUES (?, 'customer', 'c', ?, 0, 1, ?)",
                (
                    (n, " ".join(rng.choices(words, k=WORDS_PER_MESSAGE)), at)
                    for n in numbers
                    for _ in range(MESSAGES_PER_TICKET)
                ),
            )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()


def _p50_p99(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return round(median(ordered), 2), round(p99, 2)


_SEEDED_MARK = "search_bench_seeded"


def _seeded(path: Path, tickets: int) -> bool:
    """Whether ``path`` is a database this benchmark seeded and indexed to the end."""
    if not path.exists():
        return False
    connection = sqlite3.connect(path)
    try:
        row = connection.execute(
            "SELECT value FROM bench_marks WHERE name = ?", (_SEEDED_MARK,)
        ).fetchone()
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()
    return row is not None and row[0] == f"{tickets}:{SEED_VERSION}"


def _mark_seeded(path: Path, tickets: int) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE IF NOT EXISTS bench_marks (name TEXT, value TEXT)")
        connection.execute(
            "INSERT INTO bench_marks VALUES (?, ?)", (_SEEDED_MARK, f"{tickets}:{SEED_VERSION}")
        )
    connection.close()


async def run(workdir: Path, *, quick: bool, keep: bool = False) -> dict[str, Any]:
    """Seed each size, time searches, and compare the largest with the smallest.

    Args:
        workdir: where the databases are made.
        quick: the small sizes and fewer searches.
        keep: use a database this benchmark already seeded in ``workdir`` again.
    """
    sizes = QUICK_SIZES if quick else SIZES
    rng = random.Random(11)
    words = vocabulary(rng)
    queries_rng = random.Random(13)  # the same searches whether the databases are new or kept
    desks: list[Desk] = []
    rows: list[dict[str, Any]] = []
    try:
        for tickets in sizes:
            path = workdir / f"search_{tickets}.db"
            url = f"sqlite+aiosqlite:///{path}"
            seeded = indexed = 0.0
            kept = keep and _seeded(path, tickets)
            if not kept:
                path.unlink(missing_ok=True)
                await (await Desk.open(url)).close()  # the schema, by migration
                started = time.perf_counter()
                seed_messages(path, tickets, words, random.Random(tickets))
                seeded = time.perf_counter() - started
                started = time.perf_counter()
                build_index(path)
                indexed = time.perf_counter() - started
                _mark_seeded(path, tickets)
            desks.append(await Desk.open(url))
            rows.append(
                {
                    "tickets": tickets,
                    "messages": tickets * MESSAGES_PER_TICKET,
                    "seed_seconds": round(seeded, 1),
                    "index_seconds": round(indexed, 1),
                    "kept": kept,
                    "latencies": {},
                }
            )
        agent = Actor.agent(1, "bench")
        for _ in range(QUICK_QUERIES if quick else QUERIES):
            two = queries_rng.random() < 0.5
            query = " ".join(queries_rng.sample(words, 2)) if two else queries_rng.choice(words)
            kinds = [("two words" if two else "one word", query)]
            if queries_rng.random() < FILTERED_SHARE:
                # A customer of the smallest desk (ten tickets each): one in every size.
                customer = 10_000 + queries_rng.randint(1, sizes[0] // 10)
                word = queries_rng.choice(words)
                kinds.append(("one word, customer:", f"{word} customer:{customer}"))
            for kind, text in kinds:
                for desk, row in zip(desks, rows, strict=True):
                    started = time.perf_counter()
                    await desk.search.search(agent, text)
                    row["latencies"].setdefault(kind, []).append(
                        (time.perf_counter() - started) * 1000
                    )
    finally:
        for desk in desks:
            await desk.close()
    for row in rows:
        by_kind: dict[str, list[float]] = row.pop("latencies")
        headline = by_kind["one word"] + by_kind["two words"]
        row["p50_ms"], row["p99_ms"] = _p50_p99(headline)
        row["by_kind"] = {
            kind: dict(zip(("p50_ms", "p99_ms"), _p50_p99(values), strict=True))
            for kind, values in by_kind.items()
        }
    return {
        "sizes": rows,
        "p99_ratio_largest_to_smallest": round(
            rows[-1]["p99_ms"] / max(rows[0]["p99_ms"], 1e-9), 2
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Run this benchmark alone: ``python -m bench.search [--quick] [--keep DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the databases in this folder, and use those already there again",
    )
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = asyncio.run(run(args.keep, quick=args.quick, keep=True))
    else:
        with tempfile.TemporaryDirectory(prefix="bench-search-") as workdir:
            result = asyncio.run(run(Path(workdir), quick=args.quick))
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
