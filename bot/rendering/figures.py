"""The desk's figures as a message: the daily digest and /stats."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import format_staff_duration
from bot.i18n import staff_gettext as _
from bot.i18n import staff_ngettext as ngettext
from bot.rendering.html import esc, label_html
from bot.rendering.words import STATUS_MARK, status_word, when
from core.domain.figures import Figures
from core.domain.values import Status


def _duration(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    if delta >= timedelta(seconds=1):
        return format_staff_duration(delta)
    return _("under {duration}").format(duration=format_staff_duration(timedelta(seconds=1)))


def render_figures(figures: Figures, title: str) -> str:
    """Render the figures under a title (``Daily digest``, ``Figures for the last 7 days``)."""
    statuses = " · ".join(
        f"{STATUS_MARK[s]} {status_word(s)} {figures.by_status.get(s.value, 0)}" for s in Status
    )
    lines = [
        f"📊 <b>{esc(title)}</b>",
        f"<i>{when(figures.since)} – {when(figures.until)}</i>",
        "",
        _("Tickets now: {statuses}").format(statuses=statuses),
        _("New tickets: <b>{count}</b>").format(count=figures.opened),
        _(
            "SLA breaches: <b>{total}</b> (first response {first_response}, "
            "resolution {resolution})"
        ).format(
            total=figures.first_response_breaches + figures.resolution_breaches,
            first_response=figures.first_response_breaches,
            resolution=figures.resolution_breaches,
        ),
        "",
        _("<b>Since {when}</b>").format(when=when(figures.performance_since)),
        _("Median first response: <b>{duration}</b>").format(
            duration=_duration(figures.median_first_response)
        ),
        ngettext(
            "Median resolution: <b>{duration}</b> ({count} solved)",
            "Median resolution: <b>{duration}</b> ({count} solved)",
            figures.resolved,
        ).format(duration=_duration(figures.median_resolution), count=figures.resolved),
    ]
    if figures.average_rating is None:
        lines.append(_("Average rating: — (no ratings)"))
    else:
        lines.append(
            ngettext(
                "Average rating: <b>{average}</b>/5 from {count} rating",
                "Average rating: <b>{average}</b>/5 from {count} ratings",
                figures.ratings,
            ).format(average=f"{figures.average_rating:.2f}", count=figures.ratings)
        )
    rate = figures.rating_response_rate
    lines.append(
        _("Rating response rate: —")
        if rate is None
        else _("Rating response rate: <b>{rate}</b> ({rated} of {resolved})").format(
            rate=f"{rate:.0%}", rated=figures.rated_of_resolved, resolved=figures.resolved
        )
    )
    if figures.by_tag:
        tags = " · ".join(f"#{esc(tag)} {count}" for tag, count in figures.by_tag)
        lines += ["", _("New tickets per tag: {tags}").format(tags=tags)]
    if figures.oldest_open:
        lines += ["", _("<b>Oldest open tickets</b>")]
        for t in figures.oldest_open:
            subject = label_html(t.subject, 60)
            lines.append(
                _("{mark} #{number} {subject} — since {when}").format(
                    mark=STATUS_MARK[t.status],
                    number=t.number,
                    subject=subject,
                    when=when(t.created_at),
                )
            )
    return "\n".join(lines)
