"""The outbox dispatcher: claims due rows, sends them lane by lane, settles each one.

Lanes (one chat, or one ticket's topic) run side by side; within a lane rows go strictly in
order, and the first row that must wait (a flood limit, a network error) hands the rest of
its lane back untouched. Each row is marked sent right after its send, so a crash repeats at
most the one send in flight; nothing is ever dropped.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from telegram.error import TelegramError

from bot.delivery.outcome import Outcome, Verdict, backoff, judge
from bot.delivery.sender import NoticeSender, StaffChatMissing, mergeable
from bot.settings import Settings
from core.desk import Desk
from core.domain.values import Audience
from core.views import OutboxItem

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
HEARTBEAT = 40.0  # seconds between lease extensions while a round is running
BATCH = 100
PARALLEL_LANES = 16
STAFF_CHAT_MISSING_RETRY = timedelta(minutes=5)


class OutboxDispatcher:
    """Delivers outbox rows; ``kick()`` after a change, ``run_round()`` from a timer."""

    def __init__(self, desk: Desk, sender: NoticeSender, settings: Settings) -> None:
        self._desk = desk
        self._sender = sender
        self._settings = settings
        self.owner = f"dispatcher-{uuid.uuid4().hex[:12]}"
        self._running: asyncio.Task[None] | None = None
        self._again = False
        self._lanes = asyncio.Semaphore(PARALLEL_LANES)
        self._stopped = False

    def kick(self) -> None:
        """Deliver what is due now; if a round is running, run another right after it."""
        if self._stopped:
            return
        self._again = True
        if self._running is None or self._running.done():
            self._running = asyncio.get_running_loop().create_task(
                self._rounds(), name="outbox-dispatcher"
            )

    async def stop(self) -> None:
        """Let the current round finish, and start no more."""
        self._stopped = True
        if self._running is not None:
            await asyncio.gather(self._running, return_exceptions=True)

    async def _rounds(self) -> None:
        while self._again and not self._stopped:
            self._again = False
            try:
                while await self.run_round() == BATCH and not self._stopped:
                    pass  # a full batch: there may be more due already
            except Exception:
                logger.exception("outbox round failed; the rows stay queued")

    async def run_round(self) -> int:
        """Claim one batch of due rows and deliver it; return how many rows were claimed."""
        items = await self._desk.delivery.claim(self.owner, limit=BATCH, lease=LEASE)
        if not items:
            return 0
        lanes: dict[str, list[OutboxItem]] = {}
        for item in items:
            lanes.setdefault(item.lane, []).append(item)
        pending = {item.id for item in items}
        heartbeat = asyncio.get_running_loop().create_task(self._keep_leases(pending))
        try:
            await asyncio.gather(*(self._deliver_lane(rows, pending) for rows in lanes.values()))
        finally:
            heartbeat.cancel()
        return len(items)

    async def _keep_leases(self, pending: set[int]) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            await self._desk.delivery.extend_lease(self.owner, sorted(pending), LEASE)

    async def _deliver_lane(self, rows: list[OutboxItem], pending: set[int]) -> None:
        async with self._lanes:
            units = self._units(rows)
            for index, unit in enumerate(units):
                ids = [item.id for item in unit]
                proceed = await self._deliver_unit(unit)
                pending.difference_update(ids)
                if not proceed:
                    rest = [item.id for later in units[index + 1 :] for item in later]
                    await self._desk.delivery.release(rest)
                    pending.difference_update(rest)
                    return

    def _units(self, rows: list[OutboxItem]) -> list[list[OutboxItem]]:
        """Group consecutive copies into one send; collapse repeated card refreshes."""
        units: list[list[OutboxItem]] = []
        for item in rows:
            previous = units[-1] if units else None
            if (
                previous is not None
                and mergeable(item, self._settings)
                and mergeable(previous[-1], self._settings)
                and previous[-1].payload.get("style") == item.payload.get("style")
            ):
                previous.append(item)
            else:
                units.append([item])
        return units

    async def _deliver_unit(self, unit: Sequence[OutboxItem]) -> bool:
        """Send one unit and settle its rows; tell whether the lane may go on."""
        ids = [item.id for item in unit]
        try:
            await self._sender.send(unit)
        except StaffChatMissing as exc:
            await self._desk.delivery.reschedule(ids, STAFF_CHAT_MISSING_RETRY, str(exc))
            return False
        except TelegramError as exc:
            return await self._settle_failure(unit, judge(exc, unit[0].attempts))
        except Exception as exc:
            logger.exception("unexpected error delivering outbox rows %s", ids)
            await self._desk.delivery.reschedule(ids, backoff(unit[0].attempts), repr(exc))
            return False
        await self._desk.delivery.mark_sent(ids)
        return True

    async def _settle_failure(self, unit: Sequence[OutboxItem], outcome: Outcome) -> bool:
        first = unit[0]
        ids = [item.id for item in unit]
        if outcome.verdict is Verdict.DONE:
            await self._desk.delivery.mark_sent(ids)
            return True
        if outcome.verdict is Verdict.TOPIC_GONE and first.ticket_number is not None:
            logger.warning("topic of ticket #%s is gone; making it again", first.ticket_number)
            try:
                await self._sender.recreate_topic(first.ticket_number)
                await self._sender.send(unit)
            except TelegramError as exc:
                return await self._settle_failure(
                    unit, _no_more_recovery(judge(exc, first.attempts))
                )
            await self._desk.delivery.mark_sent(ids)
            return True
        if outcome.verdict is Verdict.RETRY:
            logger.warning(
                "delivery of %s to %s postponed by %.1fs: %s",
                first.kind.value,
                first.lane,
                outcome.delay.total_seconds(),
                outcome.reason,
            )
            await self._desk.delivery.reschedule(ids, outcome.delay, outcome.reason)
            return False
        logger.warning(
            "delivery of %s to %s failed for good: %s", first.kind.value, first.lane, outcome.reason
        )
        await self._desk.delivery.mark_failed(ids, outcome.reason)
        if (
            outcome.verdict is Verdict.BLOCKED
            and first.audience is Audience.CUSTOMER
            and first.chat_id
        ):
            await self._desk.delivery.mark_customer_unreachable(
                first.chat_id, first.ticket_number, "the customer blocked the bot"
            )
        return True


def _no_more_recovery(outcome: Outcome) -> Outcome:
    """After one recovery attempt, a topic that is gone again is retried later instead."""
    if outcome.verdict is Verdict.TOPIC_GONE:
        return Outcome(Verdict.RETRY, timedelta(seconds=30), outcome.reason)
    return outcome
