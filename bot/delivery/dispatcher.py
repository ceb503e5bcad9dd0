"""The outbox dispatcher: claims due rows, sends them lane by lane, settles each one.

A lane is one chat, or one ticket's topic. Each lane has at most one worker, which sends its
rows strictly in order; the first row that must wait (a flood limit, a network error) hands
the rest of its lane back untouched. Lanes run side by side, and a slow lane (the staff
group, throttled to 20 messages a minute) never holds up the others: claiming goes on while
workers wait, with separate budgets for private chats and for the staff group.

The staff group's lanes share its budget of 20 sends a minute, so they take turns at it
(``GroupTurns``): a ticket's card right after its topic, then tickets in turn, and a lane
that sends often, while the budget is short, waits a moment. A lane builds its next call
only once it has its turn, so the copies that came in meanwhile go out in one call.

A call's rows are marked sent as soon as its answer arrives, and its lane makes no further
call until that is written; a send of several calls (a long text in parts) records its
progress after each one. So a crash can repeat at most the one call each lane had in flight
(Telegram has no idempotency key), and nothing is ever dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from telegram.error import TelegramError

from bot.delivery.outcome import Outcome, Verdict, backoff, judge
from bot.delivery.port import NoticeSending, PartialDelivery, Progress, StaffChatMissing
from bot.delivery.relay import COPY_BATCH
from bot.delivery.sender import copy_of, mergeable
from bot.delivery.turns import GroupTurns, Turn
from bot.settings import Settings
from core.clock import LoopTimer, Timer
from core.desk import Desk
from core.domain.values import Audience, NoticeKind
from core.services.delivery import Claim, Receipts
from core.views import OutboxItem

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
HEARTBEAT = 10.0  # seconds between lease extensions for rows still in flight
BATCH = 100
IN_FLIGHT = {True: 300, False: 300}  # rows held at once: private chats, staff group
STAFF_CHAT_MISSING_RETRY = timedelta(minutes=5)
STAFF_REFUSED_RETRY = timedelta(minutes=5)
STAFF_AUDIENCES = (Audience.TICKET_TOPIC, Audience.STAFF)
URGENT = (NoticeKind.CARD_POST, NoticeKind.STAFF_ALERT)  # first at the group when they ask
MAX_UNEXPECTED_ATTEMPTS = 10
MARK_RETRY = 1.0  # seconds between tries to write marks the database refused
LINGER = 0.02  # seconds a kick waits while busy, so rows written meanwhile go together
BUSY_LINGER = 0.1  # the same while rows keep coming: bigger claims, more copies merged
QUIET = 0.05  # seconds since a claim last found rows after which a kick claims at once


class OutboxDispatcher:
    """Delivers outbox rows; ``kick()`` after a change, and from a timer.

    A kick on an idle desk claims at once; while rows keep coming, it waits ``LINGER`` so
    one claim takes what several updates wrote.

    Args:
        desk: the outbox (and the bookkeeping of what was sent).
        sender: what makes the calls (``NoticeSender`` for Telegram).
        settings: the desk's settings.
        timer: what the lingers, the lease heartbeat and the retries wait on.
    """

    def __init__(
        self,
        desk: Desk,
        sender: NoticeSending,
        settings: Settings,
        *,
        timer: Timer | None = None,
    ) -> None:
        self._desk = desk
        self._sender = sender
        self._settings = settings
        self._timer = timer if timer is not None else LoopTimer()
        self.owner = f"dispatcher-{uuid.uuid4().hex[:12]}"
        self._queues: dict[str, list[OutboxItem]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._in_flight: dict[int, bool] = {}  # row id -> is it for a private chat
        self._claiming: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._acks: list[tuple[list[int], Receipts | None, asyncio.Future[None]]] = []
        self._busy = False  # the last claim found rows
        self._backlog = False  # the last claim took as many rows as it asked for
        self._found_at = -math.inf  # when a claim last found rows (timer seconds)
        self._acking: asyncio.Task[None] | None = None
        self._again = False
        self._lent: Claim | None = None  # a claim handed to a write (idle_claim), not back yet
        self._stopped = False
        self._group = GroupTurns(settings.flood_limit_group_per_minute, self._timer)

    # --- control ---------------------------------------------------------------------

    def kick(self) -> None:
        """Claim what is due now; if a claim is running, claim again right after it."""
        if self._stopped:
            return
        self._again = True
        if self._lent is not None:
            return  # a write is claiming for us; its rows are queued first, then we claim
        if self._claiming is None or self._claiming.done():
            self._claiming = asyncio.get_running_loop().create_task(self._claim_loop())
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.get_running_loop().create_task(self._keep_leases())

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming, give workers a moment to finish, then hand their rows back."""
        self._stopped = True
        if self._claiming is not None:
            await asyncio.gather(self._claiming, return_exceptions=True)
        workers = list(self._workers.values())
        if workers:
            await asyncio.wait(workers, timeout=grace)
        for task in (*self._workers.values(), self._heartbeat):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._group.close()
        if self._acking is not None and not self._acking.done():
            await asyncio.gather(self._acking, return_exceptions=True)
        await self._flush_acks()
        if self._in_flight:
            await self._desk.delivery.release(self.owner, sorted(self._in_flight))
            self._in_flight.clear()

    @property
    def busy(self) -> bool:
        """Tell whether rows are being delivered right now."""
        return bool(self._in_flight) or (self._claiming is not None and not self._claiming.done())

    # --- claiming --------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        while self._again and not self._stopped:
            linger = self._linger()
            if linger:
                await self._timer.sleep(linger)
            self._again = False
            try:
                while await self.claim_round() and not self._stopped:
                    pass  # claimed something: more may be due already
            except Exception:
                logger.exception("claiming outbox rows failed; they stay queued")

    def _linger(self) -> float:
        """How long a kick waits before claiming: not at all when the desk is idle.

        An idle desk (nothing in flight, no rows found lately) sends what an update wrote at
        once. While rows keep coming, a short wait lets one claim take what several updates
        wrote, and lets a lane's copies go out together.
        """
        if self._busy:
            return BUSY_LINGER
        return LINGER if self._in_flight or self._recently() else 0.0

    def _recently(self) -> bool:
        """Tell whether a claim found rows within the last ``QUIET`` seconds."""
        return self._timer.time() - self._found_at < QUIET

    async def claim_round(self) -> int:
        """Claim due rows for lanes with room, hand them to lane workers; return how many."""
        rooms = {
            private: IN_FLIGHT[private] - sum(1 for p in self._in_flight.values() if p is private)
            for private in (True, False)
        }
        # One claim for both kinds of lane while rows come a few at a time. When one filled
        # up (a backlog), or a kind of lane is at its limit, each kind is claimed apart, the
        # staff group's first: its budget is a minute's, so its first sends must not queue
        # behind hundreds of private notifications claimed ahead of them by age. Without a
        # staff chat, its rows stay untouched in the outbox until STAFF_CHAT_ID is set.
        apart = self._backlog or min(rooms.values()) < BATCH
        wanted: list[bool | None] = [False, True] if apart else [None]
        if self._settings.staff_chat_id is None:
            wanted = [True]
        claimed = 0
        backlog = False
        for private in wanted:
            room = BATCH if private is None else rooms[private]
            if room <= 0:
                continue
            limit = min(BATCH, room)
            items = await self._desk.delivery.claim(
                self.owner,
                limit=limit,
                lease=LEASE,
                private=private,
                look_first=not self._busy,
            )
            self._queue(items)
            claimed += len(items)
            backlog = backlog or len(items) >= limit
        self._busy = claimed > 0
        self._backlog = backlog
        if claimed:
            self._found_at = self._timer.time()
        self._start_workers()
        return claimed

    def idle_claim(self) -> Claim | None:
        """What a write may claim for this dispatcher in its own transaction, or None.

        Only while the desk is idle (nothing in flight, no claim under way, no rows found
        lately), when a kick would claim at once: the write's rows then go out without a
        claim of their own. While rows keep coming, None: a kick's claim, a moment later,
        takes what several writes queued.
        """
        if self._stopped or self._busy or self._in_flight or self._recently():
            return None
        if self._lent is not None or (self._claiming is not None and not self._claiming.done()):
            return None
        private = True if self._settings.staff_chat_id is None else None
        self._lent = Claim(self.owner, limit=BATCH, lease=LEASE, private=private)
        return self._lent

    async def take_claimed(self, claim: Claim, items: Sequence[OutboxItem]) -> None:
        """Send the rows a write claimed with ``idle_claim``, as if a claim round had.

        Call it once for every claim handed out, with no rows when the write failed: until
        then kicks wait, so a lane's rows are queued in the order they were claimed.
        """
        if self._lent is claim:
            self._lent = None
        if self._stopped:  # too late to send them: back to the outbox, untouched
            if items:
                await self._desk.delivery.release(self.owner, [item.id for item in items])
            return
        if items:
            self._queue(items)
            self._found_at = self._timer.time()
            self._start_workers()
            if self._heartbeat is None or self._heartbeat.done():
                self._heartbeat = asyncio.get_running_loop().create_task(self._keep_leases())
        if self._again or len(items) >= claim.limit:
            self.kick()  # a kick came meanwhile, or more may be due

    def _queue(self, items: Sequence[OutboxItem]) -> None:
        for item in items:
            self._in_flight[item.id] = item.audience in (Audience.CUSTOMER, Audience.AGENT)
            self._queues.setdefault(item.lane, []).append(item)

    def _start_workers(self) -> None:
        for lane in list(self._queues):
            worker = self._workers.get(lane)
            if worker is None or worker.done():
                self._workers[lane] = asyncio.get_running_loop().create_task(self._work(lane))

    async def _keep_leases(self) -> None:
        while not self._stopped:
            await self._timer.sleep(HEARTBEAT)
            if self._in_flight:
                try:
                    await self._desk.delivery.extend_lease(
                        self.owner, sorted(self._in_flight), LEASE
                    )
                except Exception:
                    logger.exception("could not extend outbox leases")

    # --- one lane --------------------------------------------------------------------

    async def _work(self, lane: str) -> None:
        queue = self._queues.get(lane, [])
        unit: list[OutboxItem] = []
        turn: Turn | None = None  # the lane's turn at the staff group, while it holds one
        try:
            while queue and not self._stopped:
                if turn is None and queue[0].audience in STAFF_AUDIENCES:
                    urgent = queue[0].kind in URGENT
                    turn = await self._group.take(lane, urgent=urgent)
                    if not queue:  # handed back while we waited
                        break
                elif turn is not None:
                    turn.carry()
                unit = self._next_unit(queue)
                # A new topic keeps the group for its card, and the card for the first
                # messages: staff never look at an empty topic while others take turns.
                keep = unit[0].kind in (NoticeKind.TOPIC_CREATE, NoticeKind.CARD_POST)
                proceed = await self._deliver_unit(unit, None if keep else turn)
                self._settled(unit)
                unit = []
                if turn is not None and not (keep and proceed and queue):
                    turn.release()
                    turn = None
                if not proceed:
                    rest = list(queue)
                    queue.clear()
                    await self._desk.delivery.release(self.owner, [item.id for item in rest])
                    self._settled(rest)
        except Exception:
            # Settling failed (the database went away?). Stop holding these rows: their leases
            # run out and they are claimed again, in order.
            logger.exception("lane %s stopped unexpectedly; its rows stay queued", lane)
            rest = [*unit, *queue]
            queue.clear()
            self._settled(rest)
            with contextlib.suppress(Exception):
                await self._desk.delivery.release(self.owner, [item.id for item in rest])
        finally:
            if turn is not None:
                turn.release()
            if not queue:
                self._queues.pop(lane, None)
            self._workers.pop(lane, None)

    def _settled(self, items: Sequence[OutboxItem]) -> None:
        for item in items:
            self._in_flight.pop(item.id, None)

    def _next_unit(self, queue: list[OutboxItem]) -> list[OutboxItem]:
        """Take the next send off the queue: consecutive copies that fit one call go together.

        A unit of several rows is always one ``copyMessages`` call, so its rows are sent, and
        marked sent, together; a row that needs several calls goes alone and keeps its own
        progress.
        """
        unit = [queue.pop(0)]
        while queue and self._one_call(unit, queue[0]):
            unit.append(queue.pop(0))
        return unit

    def _one_call(self, unit: Sequence[OutboxItem], following: OutboxItem) -> bool:
        """Tell whether ``following`` goes out in the same copy call as ``unit``."""
        last = unit[-1]
        if not (mergeable(last, self._settings) and mergeable(following, self._settings)):
            return False
        copies = [copy_of(item) for item in unit]
        ahead, behind = copies[-1], copy_of(following)
        if ahead is None or behind is None or ahead.style is not behind.style:
            return False
        before, after = ahead.origins, behind.origins
        if not before or not after or before[-1].chat_id != after[0].chat_id:
            return False  # copyMessages takes messages of one chat, in order
        if before[-1].message_id >= after[0].message_id:
            return False
        count = sum(len(copy.origins) for copy in copies if copy is not None) + len(after)
        return count <= COPY_BATCH

    async def _deliver_unit(self, unit: Sequence[OutboxItem], turn: Turn | None = None) -> bool:
        """Send one unit and settle its rows; tell whether the lane may go on.

        ``turn``, the lane's turn at the staff group, is released as soon as the answer
        arrives (the next lane need not wait for this one's bookkeeping).
        """
        ids = [item.id for item in unit]
        if self._superseded(unit):
            if turn is not None:
                turn.release()
            await self._mark_sent(ids, None)
            return True
        try:
            try:
                receipts = await self._sender.send(unit, self._progress_of(unit))
            finally:
                if turn is not None:
                    turn.release()
        except StaffChatMissing as exc:
            await self._desk.delivery.reschedule(ids, STAFF_CHAT_MISSING_RETRY, str(exc))
            return False
        except PartialDelivery as exc:
            outcome = judge(exc.cause, unit[0].attempts)
            return await self._settle_failure(unit, outcome, progress=exc.done)
        except TelegramError as exc:
            return await self._settle_failure(unit, judge(exc, unit[0].attempts))
        except Exception as exc:
            return await self._unexpected(unit, exc)
        await self._mark_sent(ids, receipts)
        return True

    async def _unexpected(self, unit: Sequence[OutboxItem], error: Exception) -> bool:
        """A bug or a broken row: retry with backoff, and give up after many attempts."""
        ids = [item.id for item in unit]
        attempts = unit[0].attempts
        if attempts + 1 >= MAX_UNEXPECTED_ATTEMPTS:
            logger.error(
                "giving up on outbox rows %s after %d attempts: %r", ids, attempts + 1, error
            )
            await self._desk.delivery.mark_failed(ids, repr(error))
            return True
        logger.exception("unexpected error delivering outbox rows %s", ids)
        await self._desk.delivery.reschedule(ids, backoff(attempts), repr(error))
        return False

    async def _mark_sent(self, ids: list[int], receipts: Receipts | None) -> None:
        """Mark a call's rows sent now; return once it is written.

        The lane waits for this before its next call, so a crash finds at most one call per
        lane sent and not recorded. The rows stay leased to us (and in flight, their leases
        kept) until then. Marks of lanes whose answers arrive while a write is under way are
        written together in the next one: a lane never waits for others' calls, only for
        the write.
        """
        written = asyncio.get_running_loop().create_future()
        self._acks.append((ids, receipts, written))
        if self._acking is None or self._acking.done():
            self._acking = asyncio.get_running_loop().create_task(self._flush_acks())
        await asyncio.shield(written)  # a lane cancelled at stop leaves its mark queued

    async def _flush_acks(self) -> None:
        while self._acks:
            batch, self._acks = self._acks, []
            merged = Receipts()
            for _, receipts, _ in batch:
                if receipts is not None:
                    merged.copies += receipts.copies
                    merged.refs += receipts.refs
            try:
                await self._desk.delivery.mark_sent([i for ids, _, _ in batch for i in ids], merged)
            except Exception:
                logger.exception("could not mark outbox rows sent; trying again")
                self._acks = batch + self._acks
                await self._timer.sleep(MARK_RETRY)
                continue
            for _, _, written in batch:
                if not written.done():
                    written.set_result(None)

    def _progress_of(self, unit: Sequence[OutboxItem]) -> Progress:
        """Where a send of several calls records each call as its answer arrives."""
        ids = [item.id for item in unit]

        async def record(done: int, receipts: Receipts) -> None:
            await self._desk.delivery.record_progress(ids, done, receipts)

        return record

    def _superseded(self, unit: Sequence[OutboxItem]) -> bool:
        """A card refresh followed by another one in the same lane can be skipped."""
        first = unit[0]
        if first.kind is not NoticeKind.CARD_REFRESH:
            return False
        return any(
            item.kind is NoticeKind.CARD_REFRESH for item in self._queues.get(first.lane, [])
        )

    async def _settle_failure(
        self, unit: Sequence[OutboxItem], outcome: Outcome, *, progress: int | None = None
    ) -> bool:
        first = unit[0]
        ids = [item.id for item in unit]
        if outcome.verdict is Verdict.FAILED and first.audience in STAFF_AUDIENCES:
            # The staff chat refusing us (rights taken away, the bot removed) is fixable by
            # an admin: keep the rows and say so loudly, rather than lose the team's copy.
            logger.error(
                "the staff chat refused %s: %s; %s, retrying in %d minutes",
                first.kind.value,
                outcome.reason,
                _remedy(outcome.reason),
                STAFF_REFUSED_RETRY.total_seconds() // 60,
            )
            outcome = Outcome(Verdict.RETRY, STAFF_REFUSED_RETRY, outcome.reason)
        if outcome.verdict is Verdict.DONE:
            await self._mark_sent(ids, None)
            return True
        if outcome.verdict is Verdict.TOPIC_GONE and first.ticket_number is not None:
            logger.warning("topic of ticket #%s is gone; making it again", first.ticket_number)
            # Everything goes into the new topic, including what an earlier try sent.
            fresh = [replace(item, progress=0) for item in unit]
            try:
                await self._sender.recreate_topic(first.ticket_number)
                receipts = await self._sender.send(fresh, self._progress_of(fresh))
            except PartialDelivery as exc:
                retry = _no_more_recovery(judge(exc.cause, first.attempts))
                return await self._settle_failure(fresh, retry, progress=exc.done)
            except TelegramError as exc:
                retry = _no_more_recovery(judge(exc, first.attempts))
                return await self._settle_failure(fresh, retry, progress=0)
            await self._mark_sent(ids, receipts)
            return True
        if outcome.verdict is Verdict.RETRY:
            logger.warning(
                "delivery of %s to %s postponed by %.1fs: %s",
                first.kind.value,
                first.lane,
                outcome.delay.total_seconds(),
                outcome.reason,
            )
            await self._desk.delivery.reschedule(
                ids, outcome.delay, outcome.reason, progress=progress
            )
            return False
        logger.warning(
            "delivery of %s to %s failed for good: %s", first.kind.value, first.lane, outcome.reason
        )
        blocked = outcome.verdict is Verdict.BLOCKED and first.audience is Audience.CUSTOMER
        if blocked and first.chat_id:
            # Noted before the rows fail, so everything failed from now on goes out again
            # when the customer comes back.
            await self._desk.delivery.mark_customer_unreachable(
                first.chat_id, first.ticket_number, "the customer blocked the bot"
            )
        await self._desk.delivery.mark_failed(ids, outcome.reason)
        return True


def _remedy(reason: str) -> str:
    """What an admin can do about a refusal from the staff chat, judged by its reason."""
    lowered = reason.lower()
    if any(word in lowered for word in ("right", "forbidden", "kicked", "not a member", "admin")):
        return "fix the bot's rights there"
    return "Telegram refused the request itself"


def _no_more_recovery(outcome: Outcome) -> Outcome:
    """After one recovery attempt, a topic that is gone again is retried later instead."""
    if outcome.verdict is Verdict.TOPIC_GONE:
        return Outcome(Verdict.RETRY, timedelta(seconds=30), outcome.reason)
    return outcome
