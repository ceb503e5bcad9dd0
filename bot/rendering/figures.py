"""The desk's figures as a message: the daily digest and /stats."""

from __future__ import annotations

from datetime import timedelta

from bot.rendering.html import esc, label_html
from bot.rendering.words import STATUS_MARK, when
from core.domain.figures import Figures
from core.domain.values import Status
from core.durations import format_duration


def _duration(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    return format_duration(delta) if delta >= timedelta(seconds=1) else "under 1s"


def render_figures(figures: Figures, title: str) -> str:
    """Render the figures under a title (``Daily digest``, ``Figures for the last 7 days``)."""
    statuses = " · ".join(
        f"{STATUS_MARK[s]} {s.value} {figures.by_status.get(s.value, 0)}" for s in Status
    )
    lines = [
        f"📊 <b>{esc(title)}</b>",
        f"<i>{when(figures.since)} – {when(figures.until)}</i>",
        "",
        f"Tickets now: {statuses}",
        f"New tickets: <b>{figures.opened}</b>",
        "SLA breaches: "
        f"<b>{figures.first_response_breaches + figures.resolution_breaches}</b> "
        f"(first response {figures.first_response_breaches}, "
        f"resolution {figures.resolution_breaches})",
        "",
        f"<b>Since {when(figures.performance_since)}</b>",
        f"Median first response: <b>{_duration(figures.median_first_response)}</b>",
        f"Median resolution: <b>{_duration(figures.median_resolution)}</b> "
        f"({figures.resolved} solved)",
    ]
    if figures.average_rating is None:
        lines.append("Average rating: — (no ratings)")
    else:
        lines.append(
            f"Average rating: <b>{figures.average_rating:.2f}</b>/5 from {figures.ratings} rating"
            + ("s" if figures.ratings != 1 else "")
        )
    rate = figures.rating_response_rate
    lines.append(
        "Rating response rate: "
        + (
            "—"
            if rate is None
            else f"<b>{rate:.0%}</b> ({figures.rated_of_resolved} of {figures.resolved})"
        )
    )
    if figures.by_tag:
        tags = " · ".join(f"#{esc(tag)} {count}" for tag, count in figures.by_tag)
        lines += ["", f"New tickets per tag: {tags}"]
    if figures.oldest_open:
        lines += ["", "<b>Oldest open tickets</b>"]
        for t in figures.oldest_open:
            subject = label_html(t.subject, 60)
            lines.append(
                f"{STATUS_MARK[t.status]} #{t.number} {subject} — since {when(t.created_at)}"
            )
    return "\n".join(lines)
