"""The benchmark results as a table of figures, each next to its floor and its target."""

from __future__ import annotations

from typing import Any

from bench import api as api_bench
from bench import sandbox


def _row(name: str, figure: str, floor: str, ratio: str, target: str = "") -> str:
    return f"| {name} | {figure} | {floor} | {ratio} | {target} |"


def render(results: dict[str, Any]) -> str:
    """Render every figure as a Markdown table, with the machine and the run time."""
    e2e, ops, scale, delivery, mem = (
        results["end_to_end"],
        results["core_ops"],
        results["scale"],
        results["delivery"],
        results["memory"],
    )
    lines = [
        f"Benchmarks ({'quick' if results['quick'] else 'full'} run, "
        f"{results['seconds']:.0f} s; {results['machine']['cpus']} CPUs, "
        f"{results['machine']['memory_gb']} GB, Python {results['machine']['python']})",
        "",
        "| figure | desk | floor | ratio | target |",
        "|---|---|---|---|---|",
        _row(
            f"1. end to end, {e2e['messages']} messages from {e2e['customers']} customers",
            f"{e2e['desk']['rate']:.0f} msg/s, {e2e['lost']} not stored",
            f"{e2e['echo']['rate']:.0f} msg/s (bare PTB echo bot)",
            f"{e2e['ratio']:.2f}",
            "≥ 1.0 (quick run: ≥ 0.8), all stored",
        ),
        _row(
            "1. latency in that backlog, update to first API call (p50 / p99)",
            f"{e2e['desk']['p50_ms']:.0f} / {e2e['desk']['p99_ms']:.0f} ms",
            f"{e2e['echo']['p50_ms']:.0f} / {e2e['echo']['p99_ms']:.0f} ms",
            "",
        ),
    ]
    if "cpu_ms_per_message" in e2e["desk"]:
        lines.append(
            _row(
                "1. CPU per message, every process of the bot (less noisy than the rate)",
                f"{e2e['desk']['cpu_ms_per_message']:.2f} ms",
                f"{e2e['echo']['cpu_ms_per_message']:.2f} ms",
                f"{e2e['desk']['cpu_ms_per_message'] / e2e['echo']['cpu_ms_per_message']:.2f}",
            )
        )
    if "idle" in e2e:
        idle = e2e["idle"]
        lines.append(
            _row(
                f"1. latency when idle, {idle['desk']['messages']:.0f} single messages, "
                "update to first API call (p50 / p99)",
                f"{idle['desk']['p50_ms']:.1f} / {idle['desk']['p99_ms']:.1f} ms",
                f"{idle['echo']['p50_ms']:.1f} / {idle['echo']['p99_ms']:.1f} ms",
                f"{idle['added_p50_ms']:+.1f} / {idle['added_p99_ms']:+.1f} ms",
                "≤ +5 / +20 ms",
            )
        )
    for name, rate in ops["desk_per_second"].items():
        floor = ops["floor_per_second"][name]
        lines.append(
            _row(
                f"2. {name} on SQLite",
                f"{rate:.0f} ops/s",
                f"{floor:.0f} ops/s (sqlite3)",
                f"{rate / floor:.2f}",
                "≥ 0.25",
            )
        )
    for key, label in (
        ("queue_p50_ms", "queue, first page"),
        ("mine_p50_ms", "one agent's queue"),
        ("unassigned_p50_ms", "unassigned queue"),
        ("ticket_p50_ms", "ticket with history"),
        ("customer_list_p50_ms", "customer's tickets"),
    ):
        sizes = " · ".join(f"{row['tickets']:,}: {row[key]:.1f} ms" for row in scale["sizes"])
        ratio = scale["ratio_largest_to_smallest"][key]
        lines.append(
            _row(
                f"3. {label} (p50)",
                sizes,
                f"{scale['sizes'][0]['tickets']:,} tickets",
                f"{ratio:.2f}",
                "≤ 1.5",
            )
        )
    burst = (
        f"4. {delivery['notifications']} notifications + {delivery['group_messages']} to a group"
    )
    outcome = (
        f"lost {delivery['lost']}, sent twice {delivery['sent_twice']}, "
        f"429s {delivery['too_many_requests']}"
    )
    lines.append(
        _row(
            burst,
            f"{delivery['seconds']:.1f} s, {outcome}",
            f"{delivery['least_seconds']:.1f} s (least the limits allow)",
            f"{delivery['ratio_to_least']:.2f}",
            "≤ 1.05, lost 0, none twice, no 429",
        )
    )
    largest = mem["largest_database"]
    lines += [
        _row(
            "5. peak RSS, end-to-end run (the whole desk: bot / delivery worker, if any)",
            f"{mem['end_to_end_desk_peak_rss_mb']:.0f} MB "
            f"({mem['end_to_end_peak_rss_mb']:.0f} / {mem['end_to_end_worker_peak_rss_mb']:.0f})",
            "",
            "",
            "≤ 150 MB together",
        ),
        _row(
            f"5. peak RSS, {scale['largest']:,}-ticket database ({largest['database_mb']:.0f} MB)",
            f"{largest['desk_peak_rss_mb']:.0f} MB "
            f"({largest['peak_rss_mb']:.0f} / {largest['worker_peak_rss_mb']:.0f})",
            "",
            "",
            "≤ 150 MB together",
        ),
    ]
    blocks = e2e["sqlite_blocks"]
    lines.append(
        _row(
            "6. bot's event loop blocked in one SQLite call, end-to-end run (p50 / p99 / max)",
            f"{blocks['p50_ms']:.2f} / {blocks['p99_ms']:.1f} / {blocks['max_ms']:.0f} ms "
            f"over {blocks['calls']:,} calls; waiting for the write lock (BEGIN IMMEDIATE): "
            f"p99 {blocks['write_lock_p99_ms']:.1f} ms, max {blocks['write_lock_max_ms']:.0f} ms; "
            f"{blocks['long_calls']} calls ≥ 50 ms",
            "",
            "",
            "< 50 ms at p99",
        )
    )
    if "sandbox" in results:
        lines += sandbox.report_lines(results["sandbox"], _row)
    if "api" in results:
        lines += api_bench.report_rows(results["api"])
    lines += search_rows(results.get("search"))
    return "\n".join(lines) + "\n"


def search_rows(search: dict[str, Any] | None) -> list[str]:
    """Search latency per size (p50 / p99), by kind of query, and the p99 ratio."""
    if not search:
        return []
    rows = [
        _row(
            f"9. search p50 / p99, {row['tickets']:,} tickets × 10 messages ("
            + (
                "a database kept from an earlier run)"
                if row.get("kept")
                else f"seeded {row['seed_seconds']:.0f} s, indexed {row['index_seconds']:.0f} s)"
            ),
            f"{row['p50_ms']:.1f} / {row['p99_ms']:.1f} ms",
            "",
            "",
            "p99 < 100 ms",
        )
        for row in search["sizes"]
    ]
    rows += [
        _row(
            f"9. search p50 / p99 by query, {row['tickets']:,} tickets",
            "; ".join(
                f"{kind} {figures['p50_ms']:.1f} / {figures['p99_ms']:.1f} ms"
                for kind, figures in row.get("by_kind", {}).items()
            ),
            "",
            "",
            "",
        )
        for row in search["sizes"]
        if row.get("by_kind")
    ]
    smallest, largest = search["sizes"][0], search["sizes"][-1]
    rows.append(
        _row(
            f"9. search p99, {largest['tickets']:,} / {smallest['tickets']:,} tickets",
            f"{search['p99_ratio_largest_to_smallest']:.2f}× "
            f"({largest['p99_ms']:.1f} / {smallest['p99_ms']:.1f} ms)",
            "",
            "",
            "≤ 1.5×",
        )
    )
    return rows
