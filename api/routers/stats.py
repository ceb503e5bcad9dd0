"""v1 stats: the figures ``/stats`` shows in Telegram."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ActorDep, DeskDep
from api.routers.common import AUTHED, errors
from core.domain.values import Status

router = APIRouter(prefix="/stats", tags=["stats"])


class OldTicketOut(BaseModel):
    """One of the oldest tickets still waiting to be solved."""

    id: int
    title: str
    status: Status
    created_at: datetime


class StatsOut(BaseModel):
    """The desk's figures; durations in seconds."""

    since: datetime
    until: datetime
    by_status: dict[str, int]
    opened: int
    first_response_breaches: int
    resolution_breaches: int
    oldest_open: list[OldTicketOut]
    median_first_response_seconds: float | None
    median_resolution_seconds: float | None
    average_rating: float | None
    ratings: int
    rating_response_rate: float | None = Field(ge=0, le=1)


def seconds(value: timedelta | None) -> float | None:
    """A duration in seconds (None stays None)."""
    return value.total_seconds() if value is not None else None


@router.get("", responses=errors(*AUTHED, 403))
async def stats(
    actor: ActorDep, desk: DeskDep, period: Literal["today", "7d", "30d"] = "7d"
) -> StatsOut:
    """The desk's figures over a period (agents)."""
    figures = await desk.stats.figures(actor, desk.stats.period_start(period))

    return StatsOut(
        since=figures.since,
        until=figures.until,
        by_status=dict(figures.by_status),
        opened=figures.opened,
        first_response_breaches=figures.first_response_breaches,
        resolution_breaches=figures.resolution_breaches,
        oldest_open=[
            OldTicketOut(id=t.number, title=t.subject, status=t.status, created_at=t.created_at)
            for t in figures.oldest_open
        ],
        median_first_response_seconds=seconds(figures.median_first_response),
        median_resolution_seconds=seconds(figures.median_resolution),
        average_rating=figures.average_rating,
        ratings=figures.ratings,
        rating_response_rate=figures.rating_response_rate,
    )
