"""The figures a desk is run by, on demand (/stats) and in the daily digest."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.actors import Actor
from core.domain.figures import Figures, OldTicket
from core.domain.values import UNRESOLVED_STATUSES, EventKind, Status
from core.services import notices
from core.services.common import ServiceContext, require_agent
from core.services.timers import FIRST_RESPONSE, RESOLUTION
from core.store.tables import DeskStateRow, TicketEventRow, TicketRow, TicketTagRow

OLDEST = 5
TOP_TAGS = 10
DIGEST_KEY = "digest.last_sent"
PERFORMANCE_WINDOW = timedelta(days=7)


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


class StatsService:
    """Figures for agents, and the daily digest."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    def period_start(self, period: str, now: datetime | None = None) -> datetime:
        """Where ``today``, ``7d`` or ``30d`` begins (``today``: midnight in the desk's zone).

        Raises:
            ValueError: an unknown period.
        """
        moment = now or self._ctx.clock.now()
        if period == "today":
            local = moment.astimezone(ZoneInfo(self._ctx.config.timezone))
            return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(
                moment.tzinfo
            )
        days = {"7d": 7, "30d": 30}.get(period)
        if days is None:
            raise ValueError(f"unknown period {period!r}")
        return moment - timedelta(days=days)

    async def figures(
        self, actor: Actor, since: datetime, *, performance_since: datetime | None = None
    ) -> Figures:
        """Compute the figures from ``since`` until now.

        Raises:
            PermissionDenied: the actor is not an agent.
        """
        require_agent(actor)
        async with self._ctx.database.read_session() as session:
            return await self._figures(
                session, since, performance_since or since, self._ctx.clock.now()
            )

    async def _figures(
        self, session: AsyncSession, since: datetime, performance_since: datetime, until: datetime
    ) -> Figures:
        counts = await session.execute(
            select(TicketRow.status, func.count()).group_by(TicketRow.status)
        )
        by_status = {status.value: 0 for status in Status}
        by_status.update({str(status): int(count) for status, count in counts})
        opened = await session.scalar(
            select(func.count()).where(TicketRow.created_at >= since, TicketRow.created_at <= until)
        )
        breaches: dict[str | None, int] = dict(
            (
                await session.execute(
                    select(TicketEventRow.detail, func.count())
                    .where(
                        TicketEventRow.kind == EventKind.SLA_BREACH.value,
                        TicketEventRow.at >= since,
                        TicketEventRow.at <= until,
                    )
                    .group_by(TicketEventRow.detail)
                )
            ).all()
        )
        oldest = await session.execute(
            select(TicketRow.id, TicketRow.subject, TicketRow.status, TicketRow.created_at)
            .where(TicketRow.status.in_([status.value for status in UNRESOLVED_STATUSES]))
            .order_by(TicketRow.created_at, TicketRow.id)
            .limit(OLDEST)
        )
        first_responses = await session.execute(
            select(TicketRow.created_at, TicketRow.first_response_at).where(
                TicketRow.first_response_at >= performance_since,
                TicketRow.first_response_at <= until,
            )
        )
        solved_at = func.coalesce(TicketRow.resolved_at, TicketRow.closed_at)
        solved = list(
            await session.execute(
                select(TicketRow.created_at, solved_at, TicketRow.rating).where(
                    and_(solved_at >= performance_since, solved_at <= until)
                )
            )
        )
        rating = (
            await session.execute(
                select(func.avg(TicketRow.rating), func.count(TicketRow.rating)).where(
                    TicketRow.rated_at >= performance_since, TicketRow.rated_at <= until
                )
            )
        ).one()
        tickets = func.count(TicketTagRow.ticket_id)
        by_tag = await session.execute(
            select(TicketTagRow.tag, tickets)
            .join(TicketRow, TicketRow.id == TicketTagRow.ticket_id)
            .where(TicketRow.created_at >= since, TicketRow.created_at <= until)
            .group_by(TicketTagRow.tag)
            .order_by(tickets.desc(), TicketTagRow.tag)
            .limit(TOP_TAGS)
        )
        return Figures(
            since=since,
            until=until,
            performance_since=performance_since,
            by_status=by_status,
            opened=int(opened or 0),
            first_response_breaches=int(breaches.get(FIRST_RESPONSE, 0)),
            resolution_breaches=int(breaches.get(RESOLUTION, 0)),
            oldest_open=tuple(OldTicket(n, s, Status(st), at) for n, s, st, at in oldest),
            median_first_response=_median(
                [answered - opened_at for opened_at, answered in first_responses if answered]
            ),
            median_resolution=_median([done - opened_at for opened_at, done, _ in solved]),
            average_rating=float(rating[0]) if rating[0] is not None else None,
            ratings=int(rating[1] or 0),
            resolved=len(solved),
            rated_of_resolved=sum(1 for _, _, score in solved if score is not None),
            by_tag=tuple((str(tag), int(count)) for tag, count in by_tag),
        )

    async def send_digest_if_due(self, now: datetime | None = None) -> Figures | None:
        """Queue the daily digest when its time has come since the last one; return it.

        The first run only remembers "now" (a fresh desk sends its first digest at the next
        digest time). After downtime that spans one or more digest times, one digest goes out.
        """
        moment = now or self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            state = await session.get(DeskStateRow, DIGEST_KEY, with_for_update=True)
            if state is None:
                session.add(
                    DeskStateRow(key=DIGEST_KEY, value=moment.isoformat(), updated_at=moment)
                )
                await session.commit()
                return None
            last = datetime.fromisoformat(state.value)
            if self.latest_digest_time(moment) <= last:
                return None
            figures = await self._figures(session, last, moment - PERFORMANCE_WINDOW, moment)
            state.value, state.updated_at = moment.isoformat(), moment
            await self._ctx.enqueue(
                session,
                [notices.digest(figures, f"digest:{moment.isoformat()}")],
                moment,
            )
            await session.commit()
            return figures

    def latest_digest_time(self, now: datetime) -> datetime:
        """The most recent digest time at or before ``now``."""
        zone = ZoneInfo(self._ctx.config.timezone)
        local = now.astimezone(zone)
        at = self._ctx.config.digest_time
        scheduled = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
        if scheduled > local:
            scheduled -= timedelta(days=1)
        return scheduled.astimezone(now.tzinfo)
