"""Retention: the content of tickets closed longer ago than ``retention_after_close`` is erased.

Run by the timer jobs. Each batch is one transaction that erases the content of its tickets,
marks them (``content_erased_at``) and queues the deletion of their staff topics
(``core.services.erased_topics``), so a ticket is erased exactly once, and a restart in the
middle resumes with the tickets not yet marked. ``forget_leftover_topics`` (run at startup)
gives the staff topics that outlived an erasure the same fate.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.domain.values import Status
from core.notices.kinds import TopicDelete
from core.services.common import ServiceContext
from core.services.erased_topics import (
    erased_with_topics,
    forget_topics,
    retry_failed_deletions,
)
from core.store.erasure import erase_ticket_contents
from core.store.tables import DeskStateRow, TicketRow

BATCH = 200
"""Tickets per transaction: short enough not to hold the writers up."""
LEFTOVERS_SWEPT_KEY = "erased_topics_swept_at"
"""When the erased tickets' leftover topics were last swept whole (``desk_state``)."""


class RetentionService:
    """Erasing what the desk no longer needs to keep."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def erase_due(self, now: datetime | None = None, *, batch: int = BATCH) -> int:
        """Erase the content of every ticket closed before the retention period; count them.

        Does nothing when no retention period is configured (keep forever).
        """
        keep = self._ctx.config.retention_after_close
        if keep is None:
            return 0
        cutoff = (now or self._ctx.clock.now()) - keep
        erased = 0
        while True:
            async with self._ctx.database.write_session() as session:
                ids = list(
                    await session.scalars(
                        select(TicketRow.id)
                        .where(
                            TicketRow.status == Status.CLOSED.value,
                            TicketRow.closed_at <= cutoff,
                            TicketRow.content_erased_at.is_(None),
                        )
                        .order_by(TicketRow.closed_at, TicketRow.id)
                        .limit(batch)
                    )
                )
                if not ids:
                    return erased
                now = self._ctx.clock.now()
                topics_gone = await forget_topics(session, ids)
                await erase_ticket_contents(session, ids, now)
                await self._ctx.enqueue(session, topics_gone, now)
                await session.commit()
            erased += len(ids)

    async def forget_leftover_topics(self, *, batch: int = BATCH) -> int:
        """Delete the topics erased tickets still hold, when nobody needs them; count them.

        Tickets erased before erasing deleted topics still name theirs: each goes through
        the erasure's rules again (``forget_topics``), so a topic kept for the ticket its
        ticket was merged into stays (renamed, its name no longer the erased subject) and
        the others are deleted. That sweep reads every ticket, and leftovers cannot appear
        since (an erasure deletes or renames at once), so it runs until it has once gone
        through all of them, noted in ``desk_state``: a kept topic is renamed once, not at
        every start. The deletions Telegram refused for good (the bot lacked the right,
        since given) are queued again at every start, and counted too.
        """
        async with self._ctx.database.write_session() as session:
            deleted = await retry_failed_deletions(session, self._ctx.clock.now())
            swept = await session.get(DeskStateRow, LEFTOVERS_SWEPT_KEY)
            await session.commit()
        if swept is not None:
            return deleted
        async with self._ctx.database.read_session() as session:
            ids = await erased_with_topics(session)
        for start in range(0, len(ids), batch):
            async with self._ctx.database.write_session() as session:
                notices = await forget_topics(session, ids[start : start + batch])
                await self._ctx.enqueue(session, notices, self._ctx.clock.now())
                await session.commit()
            deleted += sum(1 for notice in notices if isinstance(notice.body, TopicDelete))
        async with self._ctx.database.write_session() as session:
            now = self._ctx.clock.now()
            await session.merge(
                DeskStateRow(key=LEFTOVERS_SWEPT_KEY, value=now.isoformat(), updated_at=now)
            )
            await session.commit()
        return deleted
