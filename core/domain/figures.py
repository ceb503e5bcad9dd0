"""The figures a desk is run by: plain values, computed by the stats service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.domain.values import Status


@dataclass(frozen=True, slots=True)
class OldTicket:
    """One of the oldest tickets still waiting to be solved."""

    number: int
    subject: str
    status: Status
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Figures:
    """The desk's numbers.

    ``since`` bounds the activity counts (tickets opened, SLA breaches); ``performance_since``
    bounds the response, resolution and rating figures. ``/stats 7d`` uses one window for
    both; the digest counts activity since the last digest and performance over 7 days.
    ``by_tag`` counts the tickets opened since ``since`` that carry each tag, most first.
    """

    since: datetime
    until: datetime
    performance_since: datetime
    by_status: dict[str, int] = field(default_factory=dict)
    opened: int = 0
    first_response_breaches: int = 0
    resolution_breaches: int = 0
    oldest_open: tuple[OldTicket, ...] = ()
    median_first_response: timedelta | None = None
    median_resolution: timedelta | None = None
    average_rating: float | None = None
    ratings: int = 0
    resolved: int = 0
    rated_of_resolved: int = 0
    by_tag: tuple[tuple[str, int], ...] = ()

    @property
    def rating_response_rate(self) -> float | None:
        """Share of tickets solved in the performance window whose customer rated them."""
        return None if not self.resolved else self.rated_of_resolved / self.resolved
