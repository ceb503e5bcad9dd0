"""How long the bot's event loop sits blocked in SQLite calls (statements run on its thread).

The bot process writes every SQLite call's wall time to the file named by
``HELPDESK_SQLITE_BLOCKS`` when it exits (``core.store.inline_sqlite.record_blocks_to``).
A call that waits for the write lock, held by the delivery worker in its own process,
blocks the loop for all of SQLite's busy wait: ``BEGIN IMMEDIATE`` is where that happens.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.stats import median, percentile

ENV = "HELPDESK_SQLITE_BLOCKS"
WAITS_FOR_WRITE_LOCK = "BEGIN IMMEDIATE"
LONG_MS = 50.0  # a call this long or longer stalls every chat the bot serves


def read_calls(path: Path) -> list[tuple[str, float]]:
    """The (call, milliseconds) the bot recorded, or none if it wrote no file.

    Raises:
        RuntimeError: the file is not what the bot writes.
    """
    try:
        calls = json.loads(path.read_text(encoding="utf-8"))["calls"]
        return [(str(name), float(ms)) for name, ms in calls]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"the bot wrote no usable SQLite timings to {path}: {exc}") from exc


def summary(calls: list[tuple[str, float]]) -> dict[str, Any]:
    """p50 / p99 / max of every call, and of the calls that wait for the write lock."""
    every = [ms for _, ms in calls]
    waits = [ms for name, ms in calls if name == WAITS_FOR_WRITE_LOCK]
    return {
        "calls": len(every),
        "p50_ms": median(every),
        "p99_ms": percentile(every, 0.99),
        "max_ms": max(every, default=0.0),
        "total_s": sum(every) / 1000,
        "long_calls": sum(1 for ms in every if ms >= LONG_MS),
        "write_lock_waits": len(waits),
        "write_lock_p99_ms": percentile(waits, 0.99),
        "write_lock_max_ms": max(waits, default=0.0),
    }
