"""``python -m bench [--quick] [--json] [--keep DIR]``: run every benchmark, print a table.

Every figure comes with the floor it is compared to, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench import api as api_bench
from bench import core_ops, delivery, e2e, memory, sandbox, scale, search
from bench.report import render

os.environ.setdefault("PTB_TIMEDELTA", "1")


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
    }


async def run_all(workdir: Path, *, quick: bool) -> dict[str, Any]:
    """Run the benchmarks one after another (each on an otherwise idle machine)."""
    started = time.monotonic()
    results: dict[str, Any] = {"quick": quick, "machine": _machine()}
    results["core_ops"] = await core_ops.run(workdir, quick=quick)
    results["scale"] = await scale.run(workdir, quick=quick)
    largest = workdir / f"scale_{results['scale']['largest']}.db"
    results["end_to_end"] = await e2e.run(workdir, quick=quick)
    results["delivery"] = await delivery.run(workdir, quick=quick)
    results["memory"] = {
        "end_to_end_peak_rss_mb": results["end_to_end"]["peak_rss_mb"],
        "end_to_end_worker_peak_rss_mb": results["end_to_end"]["worker_peak_rss_mb"],
        "end_to_end_desk_peak_rss_mb": results["end_to_end"]["desk_peak_rss_mb"],
        "largest_database": await memory.run(workdir, largest),
    }
    results["sandbox"] = await sandbox.run(workdir, quick=quick)
    results["api"] = await api_bench.run(workdir, quick=quick)  # on the largest database
    results["search"] = await search.run(workdir, quick=quick)
    results["seconds"] = time.monotonic() - started
    return results


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, print."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a shorter run (about 2.5 minutes)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--keep", type=Path, help="keep databases and logs in this folder")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        results = asyncio.run(run_all(args.keep, quick=args.quick))
    else:
        with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as folder:
            results = asyncio.run(run_all(Path(folder), quick=args.quick))
    sys.stdout.write(json.dumps(results, indent=2) + "\n" if args.json else render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
