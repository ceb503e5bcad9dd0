"""The desk's timers: SLA alerts, pending reminders and timeouts, auto-close.

SLA clocks count business time only (``BUSINESS_HOURS``, ``HOLIDAYS``, in ``TIMEZONE``):
for "now" the rule works out once the latest opening time whose target has run out in
business time, so the query still compares ``created_at`` with one value, on an index.
The customer-facing timers (reminder, pending and auto-close) run on the wall clock.

Every rule reads what is due from the database at "now" and acts on it in a transaction
that checks it is still due and marks it done, so a restart, a crash or hours of downtime
neither skip an action nor repeat one: nothing is kept in memory between runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from core.domain.actors import Actor
from core.domain.values import UNRESOLVED_STATUSES, EventKind, Priority, Status
from core.durations import format_duration
from core.services import notices
from core.services.common import ServiceContext, record_event
from core.services.moves import move_ticket
from core.sla import sla_target
from core.store.tables import TicketRow

BATCH = 20  # tickets a transaction: each holds the write lock for a moment only
FIRST_RESPONSE = "first response"
RESOLUTION = "resolution"
PENDING_TIMEOUT = "no answer from the customer"
AUTO_CLOSE = "resolved and not answered"


@dataclass(frozen=True, slots=True)
class TimerRun:
    """What one run of the rules did."""

    first_response_breaches: int = 0
    resolution_breaches: int = 0
    reminders: int = 0
    pending_closed: int = 0
    auto_closed: int = 0

    @property
    def total(self) -> int:
        """Everything done in the run."""
        return (
            self.first_response_breaches
            + self.resolution_breaches
            + self.reminders
            + self.pending_closed
            + self.auto_closed
        )


Rule = Callable[[AsyncSession, TicketRow, datetime], Awaitable[None]]


class TimerService:
    """Runs the time-based rules on whatever is due."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def run_due(self, now: datetime | None = None) -> TimerRun:
        """Apply every rule to every ticket that is due at ``now`` (default: the clock)."""
        moment = now or self._ctx.clock.now()
        config = self._ctx.config
        return TimerRun(
            first_response_breaches=await self._apply(
                self._opened_before(
                    config.sla_first_response, config.sla_first_response_urgent, moment
                ),
                [
                    TicketRow.status == Status.NEW.value,
                    TicketRow.first_response_at.is_(None),
                    TicketRow.sla_first_breached_at.is_(None),
                ],
                self._first_response_breach,
                moment,
            ),
            resolution_breaches=sum(  # a status at a time: each walks its own index range
                [
                    await self._apply(
                        self._opened_before(
                            config.sla_resolution, config.sla_resolution_urgent, moment
                        ),
                        [
                            TicketRow.status == status.value,
                            TicketRow.sla_resolution_breached_at.is_(None),
                        ],
                        self._resolution_breach,
                        moment,
                    )
                    for status in UNRESOLVED_STATUSES
                ]
            ),
            pending_closed=await self._apply(
                TicketRow.status_changed_at <= moment - config.pending_close_after,
                [TicketRow.status == Status.PENDING.value],
                self._close_pending,
                moment,
                order=TicketRow.status_changed_at,
            ),
            reminders=await self._apply(
                TicketRow.status_changed_at <= moment - config.pending_remind_after,
                [
                    TicketRow.status == Status.PENDING.value,
                    or_(
                        TicketRow.reminded_at.is_(None),
                        TicketRow.reminded_at < TicketRow.status_changed_at,
                    ),
                ],
                self._remind,
                moment,
                order=TicketRow.status_changed_at,
            ),
            auto_closed=await self._apply(
                TicketRow.status_changed_at <= moment - config.auto_close_after,
                [TicketRow.status == Status.RESOLVED.value],
                self._auto_close,
                moment,
                order=TicketRow.status_changed_at,
            ),
        )

    def _opened_before(
        self, target: timedelta, urgent_target: timedelta, now: datetime
    ) -> ColumnElement[bool]:
        """Tickets opened longer ago than their priority's target, in business time."""
        hours = self._ctx.config.business_time()
        urgent = TicketRow.priority == Priority.URGENT.value
        return or_(
            and_(urgent, TicketRow.created_at <= hours.subtract_business_time(now, urgent_target)),
            and_(~urgent, TicketRow.created_at <= hours.subtract_business_time(now, target)),
        )

    async def _apply(
        self,
        due: ColumnElement[bool],
        conditions: list[ColumnElement[bool]],
        rule: Rule,
        now: datetime,
        *,
        order: InstrumentedAttribute[datetime] = TicketRow.created_at,
    ) -> int:
        """Run ``rule`` on each due ticket, in batches, each batch one short transaction.

        A read finds the next batch, walking the rule's index (status, then ``order``) on
        from where the last batch ended, so no write lock is held while it searches and no
        batch scans the tickets already done. The batch's write transaction loads those
        tickets again, still due, and acts on them. After a full batch the rules pause as
        long as its transaction held the write lock: a backlog (a desk started after a long
        downtime, a million tickets) leaves the database to other writers (the updates being
        handled, another process) at least half the time, instead of holding it for minutes.
        """
        done = 0
        after: tuple[datetime, int] | None = None
        while True:
            found = select(TicketRow.id, order).where(due, *conditions)
            if after is not None:
                found = found.where(
                    order >= after[0], or_(order > after[0], TicketRow.id > after[1])
                )
            async with self._ctx.database.read_session() as session:
                batch = (
                    await session.execute(found.order_by(order, TicketRow.id).limit(BATCH))
                ).all()
            if not batch:
                return done
            after = (batch[-1][1], batch[-1][0])
            started = time.monotonic()
            async with self._ctx.database.write_session() as session:
                query = (
                    select(TicketRow)
                    .where(TicketRow.id.in_([row[0] for row in batch]), due, *conditions)
                    .order_by(TicketRow.id)
                    .with_for_update(of=TicketRow, skip_locked=True)
                )
                tickets = list((await session.scalars(query)).unique())
                for ticket in tickets:
                    await rule(session, ticket, now)
                await session.commit()
            done += len(tickets)
            if len(batch) < BATCH:
                return done
            await asyncio.sleep(time.monotonic() - started)

    async def _breach(
        self, session: AsyncSession, ticket: TicketRow, now: datetime, which: str
    ) -> None:
        config = self._ctx.config
        target = format_duration(
            sla_target(config, Priority(ticket.priority), first_response=which == FIRST_RESPONSE)
        )
        if not config.business_time().around_the_clock:
            target += " of business hours"
        event = await record_event(
            session, ticket, Actor.system(), EventKind.SLA_BREACH, now, detail=which
        )
        await self._ctx.enqueue(session, notices.on_sla_breach(ticket, event, target=target), now)

    async def _first_response_breach(
        self, session: AsyncSession, ticket: TicketRow, now: datetime
    ) -> None:
        ticket.sla_first_breached_at = now
        await self._breach(session, ticket, now, FIRST_RESPONSE)

    async def _resolution_breach(
        self, session: AsyncSession, ticket: TicketRow, now: datetime
    ) -> None:
        ticket.sla_resolution_breached_at = now
        await self._breach(session, ticket, now, RESOLUTION)

    async def _remind(self, session: AsyncSession, ticket: TicketRow, now: datetime) -> None:
        ticket.reminded_at = now
        closes_at = ticket.status_changed_at + self._ctx.config.pending_close_after
        event = await record_event(
            session, ticket, Actor.system(), EventKind.REMINDED, now, detail="customer reminded"
        )
        closes_in = format_duration(max(closes_at - now, timedelta(seconds=1)))
        await self._ctx.enqueue(
            session, notices.on_pending_reminder(ticket, event, closes_in=closes_in), now
        )

    async def _close_pending(self, session: AsyncSession, ticket: TicketRow, now: datetime) -> None:
        await move_ticket(
            self._ctx,
            session,
            ticket,
            actor=Actor.system(),
            to=Status.CLOSED,
            now=now,
            reason=PENDING_TIMEOUT,
        )

    async def _auto_close(self, session: AsyncSession, ticket: TicketRow, now: datetime) -> None:
        await move_ticket(
            self._ctx,
            session,
            ticket,
            actor=Actor.system(),
            to=Status.CLOSED,
            now=now,
            reason=AUTO_CLOSE,
        )
