"""The outbox dispatcher over a fake sending port, a real outbox and a timer tests move.

Lanes in order and side by side, the marks of each call, leases kept and handed back, and
how each kind of failure is settled; nothing talks to Telegram and nothing waits for real.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.delivery import dispatcher as dispatcher_module
from bot.delivery.dispatcher import HEARTBEAT, LEASE, LINGER, STAFF_REFUSED_RETRY, OutboxDispatcher
from bot.settings import Settings
from core.clock import ManualClock, ManualTimer
from core.desk import Desk
from core.domain.actors import Actor, ChatRef, CustomerProfile, NewMessage
from core.services.delivery import Receipts
from core.store.tables import OutboxRow
from core.views import OutboxItem
from tests.bot.fakes import ScriptedSender
from tests.conftest import START

ANN, BOB = 7001, 7002


@pytest.fixture(name="sender")
def fixture_sender() -> ScriptedSender:
    """The sending port, in memory."""
    return ScriptedSender()


@pytest.fixture(name="dispatcher")
async def fixture_dispatcher(
    desk: Desk, sender: ScriptedSender, settings: Settings, timer: ManualTimer
) -> OutboxDispatcher:
    """A dispatcher over the fake port and a real outbox (stopped by each test)."""
    return OutboxDispatcher(desk, sender, settings, timer=timer)


async def _report(desk: Desk, customer: int, *subjects: str) -> None:
    """Tickets reported by one customer: each writes topic, card and copy rows to its topic
    lane and a confirmation to the customer's chat lane."""
    actor = Actor.customer(CustomerProfile(customer, f"Customer {customer}"))
    for subject in subjects:
        await desk.tickets.report_ticket(actor, subject, NewMessage(f"About {subject}"))


async def _rows(desk: Desk) -> dict[int, OutboxRow]:
    async with desk.database.read_session() as session:
        return {row.id: row for row in await session.scalars(select(OutboxRow))}


async def _lane(desk: Desk, lane: str) -> list[OutboxRow]:
    return sorted(
        (row for row in (await _rows(desk)).values() if row.lane == lane), key=lambda r: r.id
    )


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - the dispatcher's tasks set no event
            await asyncio.sleep(0.005)


async def _deliver_due(dispatcher: OutboxDispatcher) -> None:
    """Claim everything due and wait until every lane has settled its rows."""
    while await dispatcher.claim_round():
        pass
    await _until(lambda: not dispatcher.busy)


async def _pending(desk: Desk) -> int:
    return (await desk.delivery.counts())["pending"]


class TestLaneOrder:
    async def test_every_lane_sends_its_rows_strictly_in_order_one_call_at_a_time(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        await _report(desk, ANN, "Printer", "Mouse", "Screen")
        await _report(desk, BOB, "Chair")
        try:
            await _deliver_due(dispatcher)
        finally:
            await dispatcher.stop()

        rows = await _rows(desk)
        lanes = {row.lane for row in rows.values()}
        assert lanes == {"chat:7001", "chat:7002", "topic:1", "topic:2", "topic:3", "topic:4"}
        for lane in lanes:
            written = sorted(row.id for row in rows.values() if row.lane == lane)
            assert sender.ids_sent_to(lane) == written, f"lane {lane} out of order"
            assert sender.most_in_flight_per_lane[lane] == 1, f"two calls at once in {lane}"
        assert sender.most_in_flight > 1, "lanes go side by side"
        assert await _pending(desk) == 0

    async def test_a_lane_waiting_for_an_answer_holds_up_no_other_lane(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        await _report(desk, ANN, "Printer", "Mouse")
        await _report(desk, BOB, "Chair")
        slow = asyncio.Event()
        sender.script("chat:7001", slow)
        try:
            await dispatcher.claim_round()
            others = {"chat:7002", "topic:1", "topic:2", "topic:3"}
            await _until(lambda: sum(len(sender.ids_sent_to(lane)) for lane in others) == 10)
            assert sender.ids_sent_to("chat:7001") == [4], "the slow lane's next row waits"
            slow.set()
            await _until(lambda: not dispatcher.busy)
        finally:
            slow.set()
            await dispatcher.stop()
        assert sender.ids_sent_to("chat:7001") == [4, 8]
        assert await _pending(desk) == 0

    async def test_after_a_full_claim_each_kind_is_claimed_apart_the_staff_group_first(
        self, desk: Desk, dispatcher: OutboxDispatcher, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(dispatcher_module, "BATCH", 3)
        await _report(desk, ANN, "Printer", "Mouse", "Screen")  # 3 private rows, 9 staff
        asked: list[bool | None] = []
        claim = desk.delivery.claim

        async def claim_spy(owner: str, **kwargs: Any) -> Sequence[OutboxItem]:
            asked.append(kwargs.get("private"))
            return await claim(owner, **kwargs)

        monkeypatch.setattr(desk.delivery, "claim", claim_spy)
        try:
            await dispatcher.claim_round()
            assert asked == [None], "rows a few at a time: one claim for both kinds"
            await dispatcher.claim_round()
            assert asked == [None, False, True], "a backlog: the group's rows, then private"
            await _deliver_due(dispatcher)
        finally:
            await dispatcher.stop()
        assert await _pending(desk) == 0

    async def test_a_kick_on_an_idle_desk_sends_at_once(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender, timer: ManualTimer
    ) -> None:
        await _report(desk, ANN, "Printer")
        try:
            dispatcher.kick()
            await _until(lambda: len(sender.calls) == 4 and not dispatcher.busy)
            assert timer.time() == 0, "no time passed: nothing waited"
        finally:
            await dispatcher.stop()
        assert await _pending(desk) == 0

    async def test_a_kick_soon_after_rows_were_found_lingers_to_claim_them_together(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender, timer: ManualTimer
    ) -> None:
        await _report(desk, ANN, "Printer")
        try:
            await _deliver_due(dispatcher)
            sent = len(sender.calls)
            await _report(desk, BOB, "Chair")
            dispatcher.kick()
            await _until(lambda: timer.sleepers == 2)  # the linger and the lease heartbeat
            await _report(desk, ANN, "Mouse")
            assert len(sender.calls) == sent, "rows written meanwhile are claimed together"
            timer.advance(LINGER)
            await _until(lambda: len(sender.calls) == sent + 8 and not dispatcher.busy)
        finally:
            await dispatcher.stop()
        assert await _pending(desk) == 0


class TestClaimsLentToAWrite:
    """An idle dispatcher lets a write claim for it in the write's own transaction."""

    async def test_a_claim_is_lent_only_while_idle_and_only_one_at_a_time(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        try:
            claim = dispatcher.idle_claim()
            assert claim is not None
            assert (claim.owner, claim.private) == (dispatcher.owner, None)
            assert dispatcher.idle_claim() is None, "one lent at a time"
            await dispatcher.take_claimed(claim, [])
            assert dispatcher.idle_claim() is not None, "lent again once handed back"
        finally:
            await dispatcher.stop()
        assert dispatcher.idle_claim() is None, "stopped"

    async def test_rows_found_lately_make_the_next_write_leave_claiming_to_a_kick(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        await _report(desk, ANN, "Printer")
        try:
            await dispatcher.claim_round()
            assert dispatcher.idle_claim() is None, "rows in flight"
            await _until(lambda: not dispatcher.busy)
            assert dispatcher.idle_claim() is None, "rows found within QUIET"
        finally:
            await dispatcher.stop()

    async def test_the_rows_handed_over_are_sent_in_order_and_kicks_wait_for_them(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender, timer: ManualTimer
    ) -> None:
        await _report(desk, ANN, "Printer")
        claim = dispatcher.idle_claim()
        assert claim is not None
        try:
            dispatcher.kick()  # say, the timer's, while the write claims
            assert not dispatcher.busy, "the kick waits for the lent claim"
            items = await desk.delivery.claim(claim.owner, limit=claim.limit, lease=LEASE)
            await _report(desk, ANN, "Mouse")  # written after the write's claim
            await dispatcher.take_claimed(claim, items)
            await _until(lambda: len(sender.calls) == 4 and timer.sleepers == 2)
            assert timer.time() == 0, "the rows handed over went out at once"
            timer.advance(LINGER)  # the kick that waited: rows were found just now
            await _until(lambda: len(sender.calls) == 8 and not dispatcher.busy)
        finally:
            await dispatcher.stop()
        rows = await _rows(desk)
        for lane in ("chat:7001", "topic:1", "topic:2"):
            written = sorted(row.id for row in rows.values() if row.lane == lane)
            assert sender.ids_sent_to(lane) == written, f"lane {lane} out of order"
        assert await _pending(desk) == 0, "the waiting kick claimed what came after"

    async def test_rows_handed_over_after_a_stop_are_given_back(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        await _report(desk, ANN, "Printer")
        claim = dispatcher.idle_claim()
        assert claim is not None
        items = await desk.delivery.claim(claim.owner, limit=claim.limit, lease=LEASE)
        await dispatcher.stop()
        await dispatcher.take_claimed(claim, items)
        assert sender.calls == []
        assert all(row.lease_owner is None for row in (await _rows(desk)).values())
        assert len(await desk.delivery.claim("the-next-dispatcher", limit=10)) == len(items)


class TestMarks:
    async def test_each_call_is_marked_sent_before_its_lane_makes_the_next(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        await _report(desk, ANN, "Printer", "Mouse", "Screen")
        unmarked: list[tuple[int, list[int]]] = []

        async def check_earlier_rows_marked(unit: Sequence[OutboxItem]) -> None:
            earlier = [row for row in await _lane(desk, unit[0].lane) if row.id < unit[0].id]
            unmarked.extend((unit[0].id, [r.id]) for r in earlier if r.sent_at is None)

        sender.before_send = check_earlier_rows_marked
        try:
            await _deliver_due(dispatcher)
        finally:
            await dispatcher.stop()
        assert unmarked == [], "a call went out before the lane's previous call was marked"
        assert len(sender.calls) == 12

    async def test_a_lane_makes_no_call_while_its_last_one_is_being_marked(
        self,
        desk: Desk,
        dispatcher: OutboxDispatcher,
        sender: ScriptedSender,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        await _report(desk, ANN, "Printer")
        gate = asyncio.Event()
        marking: list[list[int]] = []
        mark_sent = desk.delivery.mark_sent

        async def slow_mark_sent(ids: Sequence[int], receipts: Receipts | None = None) -> None:
            marking.append(list(ids))
            await gate.wait()
            await mark_sent(ids, receipts)

        monkeypatch.setattr(desk.delivery, "mark_sent", slow_mark_sent)
        try:
            await dispatcher.claim_round()
            # Each lane (the topic's, the customer's) made one call; their marks are waiting.
            await _until(lambda: sorted(i for ids in marking for i in ids) == [1, 4])
            for _ in range(20):
                await asyncio.sleep(0)  # turns enough for a lane that does not wait
            assert sorted(call.ids for call in sender.calls) == [(1,), (4,)]
            gate.set()
            await _until(lambda: not dispatcher.busy)
        finally:
            gate.set()
            await dispatcher.stop()
        assert [call.ids for call in sender.calls if call.lane == "topic:1"] == [(1,), (2,), (3,)]
        assert await _pending(desk) == 0


class TestFailures:
    async def test_a_flood_limit_postpones_the_row_and_hands_back_the_rest_of_its_lane(
        self,
        desk: Desk,
        dispatcher: OutboxDispatcher,
        sender: ScriptedSender,
        clock: ManualClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22 warns when retry_after is read as int
        await _report(desk, ANN, "Printer", "Mouse", "Screen")
        sender.script("chat:7001", RetryAfter(timedelta(seconds=7)))
        try:
            await _deliver_due(dispatcher)
            first, *rest = await _lane(desk, "chat:7001")
            assert (first.attempts, first.sent_at, first.lease_owner) == (1, None, None)
            assert first.next_attempt_at == START + timedelta(seconds=7.1)
            assert (first.last_error or "").startswith("flood limit")
            assert [(r.attempts, r.sent_at, r.lease_owner) for r in rest] == [(0, None, None)] * 2
            assert await _pending(desk) == 3, "only the waiting lane's rows are left"

            await _deliver_due(dispatcher)  # the lane stays shut until the wait is over
            assert sender.ids_sent_to("chat:7001") == [4]
            clock.advance(timedelta(seconds=8))
            await _deliver_due(dispatcher)
        finally:
            await dispatcher.stop()
        assert sender.ids_sent_to("chat:7001") == [4, 4, 8, 12]
        assert await _pending(desk) == 0

    async def test_a_network_error_retries_with_backoff(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        await _report(desk, ANN, "Printer")
        sender.script("chat:7001", NetworkError("connection reset"))
        try:
            await _deliver_due(dispatcher)
        finally:
            await dispatcher.stop()
        [row] = await _lane(desk, "chat:7001")
        assert (row.attempts, row.sent_at, row.failed_at) == (1, None, None)
        assert START + timedelta(seconds=0.8) <= row.next_attempt_at
        assert row.next_attempt_at <= START + timedelta(seconds=1.2)
        assert row.last_error == "NetworkError: connection reset"

    async def test_a_customer_who_blocked_the_bot_fails_the_row_and_shows_it_to_agents(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        await _report(desk, ANN, "Printer", "Mouse")
        sender.script("chat:7001", Forbidden("Forbidden: bot was blocked by the user"))
        try:
            await _deliver_due(dispatcher)
        finally:
            await dispatcher.stop()
        first, second = await _lane(desk, "chat:7001")
        assert first.failed_at is not None
        assert first.sent_at is None
        assert second.sent_at is not None, "a row failed for good does not hold up its lane"
        ticket = await desk.delivery.ticket(1)
        assert ticket.customer.unreachable_since == START

    async def test_the_staff_chat_refusing_keeps_the_rows_for_a_later_try(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        await _report(desk, ANN, "Printer")
        sender.script("topic:1", Forbidden("Forbidden: not enough rights to create a topic"))
        try:
            await _deliver_due(dispatcher)
        finally:
            await dispatcher.stop()
        first, *rest = await _lane(desk, "topic:1")
        assert (first.failed_at, first.sent_at, first.attempts) == (None, None, 1)
        assert first.next_attempt_at == START + STAFF_REFUSED_RETRY
        assert all(row.sent_at is None and row.failed_at is None for row in rest)

    async def test_a_deleted_topic_is_made_again_and_the_row_sent_into_it(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        await _report(desk, ANN, "Printer")
        sender.script("topic:1", None, None, BadRequest("Message thread not found"))
        try:
            await _deliver_due(dispatcher)
        finally:
            await dispatcher.stop()
        assert sender.recreated == [1]
        assert sender.ids_sent_to("topic:1") == [1, 2, 3, 3]
        assert await _pending(desk) == 0


class TestLeases:
    async def test_rows_in_flight_have_their_leases_extended_every_heartbeat(
        self,
        desk: Desk,
        dispatcher: OutboxDispatcher,
        sender: ScriptedSender,
        timer: ManualTimer,
        clock: ManualClock,
    ) -> None:
        await _report(desk, ANN, "Printer", "Mouse")
        held = asyncio.Event()
        sender.script("chat:7001", held)
        try:
            dispatcher.kick()  # an idle desk: claimed at once
            await _until(lambda: sender.ids_sent_to("chat:7001") == [4] and timer.sleepers == 1)
            await _until(lambda: len(sender.calls) == 7)  # all but the held lane's second row
            leases = {row.id: row.lease_until for row in await _lane(desk, "chat:7001")}
            assert leases == {4: START + LEASE, 8: START + LEASE}

            clock.advance(timedelta(seconds=25))  # the leases would run out in 5 s
            timer.advance(HEARTBEAT)
            renewed = START + timedelta(seconds=25) + LEASE

            async def lane_leases() -> set[object]:
                return {row.lease_until for row in await _lane(desk, "chat:7001")}

            async with asyncio.timeout(5):
                while await lane_leases() != {renewed}:  # noqa: ASYNC110 - a database state
                    await asyncio.sleep(0.005)
            held.set()
            await _until(lambda: not dispatcher.busy)
        finally:
            held.set()
            await dispatcher.stop()
        assert await _pending(desk) == 0

    async def test_stop_hands_back_the_rows_it_holds_and_keeps_what_was_sent(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        await _report(desk, ANN, "Printer", "Mouse")
        sender.script("chat:7001", asyncio.Event())  # an answer that never comes
        await dispatcher.claim_round()
        await _until(lambda: len(sender.calls) == 7)
        await dispatcher.stop(grace=0.01)

        lane = await _lane(desk, "chat:7001")
        assert [(r.sent_at, r.lease_owner, r.lease_until, r.attempts) for r in lane] == [
            (None, None, None, 0)
        ] * 2, "the held call and the row behind it are free for the next dispatcher"
        assert await _pending(desk) == 2
        again = await desk.delivery.claim("the-next-dispatcher", limit=10)
        assert [item.id for item in again] == [4, 8], "in order"


_ORIGINS = itertools.count(1)


async def _write(desk: Desk, customer: int, number: int, *texts: str) -> None:
    """Messages a customer writes in ticket ``number``, each a copy row to its topic lane."""
    actor = Actor.customer(CustomerProfile(customer, f"Customer {customer}"))
    for text in texts:
        origin = ChatRef(customer, next(_ORIGINS))
        await desk.messages.send_message(actor, number, NewMessage(text, origin=origin))


def _group_calls(sender: ScriptedSender, rows: dict[int, OutboxRow]) -> list[tuple[str, str]]:
    """(lane, kind of its first row) of every call into the staff group, in order."""
    return [
        (call.lane, str(rows[call.ids[0]].kind))
        for call in sender.calls
        if call.lane.startswith("topic:")
    ]


class TestGroupTurns:
    async def test_a_topics_card_and_first_message_go_right_after_it(
        self, desk: Desk, dispatcher: OutboxDispatcher, sender: ScriptedSender
    ) -> None:
        await _report(desk, ANN, "Printer", "Mouse", "Screen")
        try:
            await _deliver_due(dispatcher)
        finally:
            await dispatcher.stop()

        calls = _group_calls(sender, await _rows(desk))
        assert calls == [
            (f"topic:{n}", kind)
            for n in (1, 2, 3)
            for kind in ("topic_create", "card_post", "message_copy")
        ]

    async def test_a_newcomer_waits_one_turn_of_a_flooding_lane_at_most(
        self,
        desk: Desk,
        dispatcher: OutboxDispatcher,
        sender: ScriptedSender,
        timer: ManualTimer,
    ) -> None:
        await _report(desk, ANN, "Printer")
        await _deliver_due(dispatcher)
        actor = Actor.customer(CustomerProfile(ANN, "Ann"))
        for index in range(6):  # without origins: each copy is a call of its own
            await desk.messages.send_message(actor, 1, NewMessage(f"flood {index}"))
        await _report(desk, BOB, "Chair")
        try:
            await dispatcher.claim_round()
            await _until(lambda: len(sender.ids_sent_to("topic:2")) == 3)
            rows = await _rows(desk)
            calls = _group_calls(sender, rows)[3:]  # after ticket 1's opening
            first_of_bob = calls.index(("topic:2", "message_copy"))
            assert [lane for lane, _ in calls[:first_of_bob]].count("topic:1") <= 1
            async with asyncio.timeout(5):
                while dispatcher.busy:  # the flood's held calls, a turn every 3 s
                    timer.advance(60 / 20)
                    await asyncio.sleep(0.01)
        finally:
            await dispatcher.stop()
        assert len(sender.ids_sent_to("topic:1")) == 3 + 6

    async def test_a_busy_lane_is_held_while_the_budget_is_short_and_its_copies_merged(
        self,
        desk: Desk,
        dispatcher: OutboxDispatcher,
        sender: ScriptedSender,
        timer: ManualTimer,
    ) -> None:
        await _report(desk, ANN, "Printer")  # three calls: topic, card, first message
        await _write(desk, ANN, 1, "one", "two")
        await _deliver_due(dispatcher)
        try:
            await _write(desk, ANN, 1, "three")  # five calls of the minute's 20 at least
            await dispatcher.claim_round()
            timer.advance(60 / 20)  # past any hold so far
            await _until(lambda: len(sender.ids_sent_to("topic:1")) == 6)
            await _write(desk, ANN, 1, "four")
            await dispatcher.claim_round()
            await _write(desk, ANN, 1, "five", "six")
            await dispatcher.claim_round()
            await asyncio.sleep(0.05)
            assert len(sender.ids_sent_to("topic:1")) == 6, "four to six held, not sent at once"
            timer.advance(60 / 20)
            await _until(lambda: not dispatcher.busy)
        finally:
            await dispatcher.stop()
        held = [call.ids for call in sender.calls if call.lane == "topic:1"][-1]
        assert len(held) == 3, "the held copies went out in one call"
        assert await _pending(desk) == 0
