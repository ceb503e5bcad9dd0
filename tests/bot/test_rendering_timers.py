"""Rendering of what the timers send: SLA alerts, reminders, timed closes, the digest."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.rendering import customer, staff
from bot.rendering.figures import render_figures
from core.domain.figures import Figures, OldTicket
from core.domain.values import Status
from core.sla import SlaDue
from tests.bot.test_rendering import ticket_view, visible

NASTY = "Printer <b>& fire</i> 🔥"
NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def figures(**changes: object) -> Figures:
    base = Figures(
        since=NOW - timedelta(days=1),
        until=NOW,
        performance_since=NOW - timedelta(days=7),
        by_status={"new": 2, "open": 1, "pending": 0, "resolved": 3, "closed": 9},
        opened=4,
        first_response_breaches=1,
        resolution_breaches=2,
        oldest_open=(OldTicket(7, NASTY, Status.NEW, NOW - timedelta(days=3)),),
        median_first_response=timedelta(minutes=25),
        median_resolution=timedelta(hours=4),
        average_rating=4.0,
        ratings=2,
        resolved=3,
        rated_of_resolved=2,
        by_tag=(("printer", 3), ("billing", 1)),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


class TestDigest:
    def test_every_figure_is_shown(self) -> None:
        shown = visible(render_figures(figures(), "Daily digest"))
        assert shown.startswith("📊 Daily digest\n2026-11-09 09:00 UTC – 2026-11-10 09:00 UTC")
        for expected in (
            "🆕 new 2 · 🟢 open 1 · ⏳ pending 0 · ✅ resolved 3 · 🔒 closed 9",
            "New tickets: 4",
            "SLA breaches: 3 (first response 1, resolution 2)",
            "Median first response: 25m",
            "Median resolution: 4h (3 solved)",
            "Average rating: 4.00/5 from 2 ratings",
            "Rating response rate: 67% (2 of 3)",
            f"🆕 #7 {NASTY} — since 2026-11-07 09:00 UTC",
            "New tickets per tag: #printer 3 · #billing 1",
        ):
            assert expected in shown

    def test_an_empty_desk_shows_dashes_not_errors(self) -> None:
        empty = figures(
            by_status={},
            opened=0,
            first_response_breaches=0,
            resolution_breaches=0,
            oldest_open=(),
            median_first_response=None,
            median_resolution=None,
            average_rating=None,
            ratings=0,
            resolved=0,
            rated_of_resolved=0,
        )
        shown = visible(render_figures(empty, "Figures for today"))
        assert "Median first response: —" in shown
        assert "Average rating: — (no ratings)" in shown
        assert "Rating response rate: —" in shown
        assert "Oldest open tickets" not in shown


class TestTimerTexts:
    def test_sla_alert(self) -> None:
        shown = visible(staff.sla_alert(12, NASTY, "first response", "1h"))
        assert shown == f"⏰ SLA missed on ticket #12 “{NASTY}”: no first response within 1h."

    def test_pending_reminder(self) -> None:
        shown = visible(customer.pending_reminder(12, NASTY, "6d"))
        assert f"#12 “{NASTY}”" in shown
        assert shown.endswith("we close it in 6 days.")

    def test_timed_closes_say_why(self) -> None:
        for reason, why in (
            ("no answer from the customer", "because we did not hear back from you"),
            (
                "resolved and not answered",
                "automatically, as it was resolved and you did not reply",
            ),
        ):
            shown = visible(
                customer.status_news(
                    12, NASTY, Status.CLOSED, timedelta(days=7), by_system=True, reason=reason
                )
            )
            assert why in shown


class TestDueTimesOnTheCard:
    def test_running_targets_say_when_in_the_teams_time_zone(self) -> None:
        due = SlaDue(
            first_response=datetime(2026, 11, 9, 8, 30, tzinfo=UTC),
            resolution=datetime(2026, 11, 12, 13, 30, tzinfo=UTC),
            timezone="Europe/Berlin",
        )
        shown = visible(staff.render_card(ticket_view(), due))
        assert "⏱ First answer due: Mon 2026-11-09 09:30 Europe/Berlin" in shown
        assert "⏱ Resolution due: Thu 2026-11-12 14:30 Europe/Berlin" in shown

    def test_no_due_line_when_nothing_runs(self) -> None:
        due = SlaDue(first_response=None, resolution=None, timezone="UTC")
        assert "due:" not in visible(staff.render_card(ticket_view(), due))
