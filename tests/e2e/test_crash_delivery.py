"""The delivery worker killed mid-burst: what was sent is not sent again, bar one call per lane.

Telegram has no idempotency key, so a call whose answer arrived just before the crash, and
was not yet recorded, is made again after the restart. Nothing else may repeat: each call's
rows are marked sent as its answer arrives, before the lane makes its next call.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select

from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor, CustomerProfile, NewMessage
from core.store.tables import MessageRow, OutboxRow
from sandbox.botapi import FakeBotApi, FakeChat
from sandbox.botapi.recording import ApiCall
from tests.e2e.conftest import Harness
from tests.e2e.test_process import TOKEN, BotProcess

CUSTOMERS = 30
MESSAGES = 10
KILL_AFTER = 100  # copies of the burst seen by the server

Original = tuple[int, int]  # (chat id, message id) of a customer's message
Lane = tuple[int, int | None]  # (chat id, topic) a copy went to


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API that knows the process test's token."""
    async with FakeBotApi(token=TOKEN) as server:
        yield server


def _copied(call: ApiCall) -> list[Original]:
    """The originals a successful copy call copied."""
    if call.method not in ("copyMessage", "copyMessages") or not call.ok:
        return []
    source = int(call.params["from_chat_id"])
    ids = call.params.get("message_ids") or [call.params["message_id"]]
    return [(source, int(i)) for i in ids]


def _lane(call: ApiCall) -> Lane:
    thread = call.params.get("message_thread_id")
    return int(call.params["chat_id"]), int(thread) if thread is not None else None


def _burst_copies(server: FakeBotApi, staff: FakeChat, burst: set[Original]) -> list[ApiCall]:
    return [
        call
        for call in server.calls
        if any(o in burst for o in _copied(call)) and _lane(call)[0] == staff.id
    ]


def _workers(bot: BotProcess) -> list[psutil.Process]:
    assert bot.process is not None
    return [
        child
        for child in psutil.Process(bot.process.pid).children()
        if "bot.worker" in " ".join(child.cmdline())
    ]


async def _count(desk: Desk, query: object) -> int:
    async with desk.database.read_session() as session:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]


class TestWorkerKilledMidBurst:
    async def test_only_the_call_in_flight_in_each_lane_is_made_again(
        self, server: FakeBotApi, tmp_path: Path
    ) -> None:
        staff = server.add_forum("Support staff")
        bot = BotProcess(server, staff, tmp_path)
        # No flood limits in the way: the burst goes out as fast as the desk can send it.
        bot.env |= {
            "DELIVERY_WORKER": "true",
            "FLOOD_LIMIT_PER_SECOND": "100000",
            "FLOOD_LIMIT_GROUP_PER_MINUTE": "1000000",
            "FLOOD_LIMIT_PRIVATE_PER_SECOND": "100000",
        }
        customers = [server.add_user(f"Customer {i}") for i in range(CUSTOMERS)]
        desk = await Desk.open(bot.database_url, config=DeskConfig(bcrypt_rounds=4))
        try:
            for customer in customers:
                await desk.tickets.report_ticket(
                    Actor.customer(CustomerProfile(customer.id, customer.first_name)),
                    f"Trouble of {customer.first_name}",
                    NewMessage("first"),
                )
        finally:
            await desk.close()
        await bot.start()
        watcher = await Desk.open(
            bot.database_url, config=DeskConfig(bcrypt_rounds=4), migrate=False
        )
        try:
            await server.wait_for(lambda: len(server.topics(staff)) == CUSTOMERS, timeout=60)
            burst: set[Original] = set()
            for n in range(MESSAGES):
                for customer in customers:
                    sent = await server.user_sends(customer, f"{customer.id}/{n}")
                    burst.add((customer.id, int(sent["message_id"])))

            def copies_so_far() -> int:
                return sum(
                    o in burst for c in _burst_copies(server, staff, burst) for o in _copied(c)
                )

            await server.wait_for(lambda: copies_so_far() >= KILL_AFTER, timeout=60, interval=0)
            (worker,) = _workers(bot)
            worker.kill()  # SIGKILL: nothing recorded after this moment
            await asyncio.to_thread(worker.wait, 10)
            await asyncio.sleep(0.3)  # requests already on the wire reach the server
            before_kill = len(server.calls)
            assert copies_so_far() < len(burst), "killed mid-burst"

            stored = select(func.count(MessageRow.id)).where(MessageRow.text.contains("/"))
            pending = select(func.count(OutboxRow.id)).where(
                OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None)
            )

            def all_copied() -> bool:
                seen = {o for c in _burst_copies(server, staff, burst) for o in _copied(c)}
                return seen >= burst

            await server.wait_for(all_copied, timeout=120)
            for _ in range(200):
                if await _count(watcher, pending) == 0:
                    break
                await asyncio.sleep(0.05)
            assert await _count(watcher, stored) == len(burst), "all stored once"
            assert await _count(watcher, pending) == 0

            calls = server.calls
            times = Counter(o for c in _burst_copies(server, staff, burst) for o in _copied(c))
            twice = {o for o, n in times.items() if n > 1}
            # The calls made before the kill whose copies were made again after it.
            repeated = [c for c in calls[:before_kill] if twice & set(_copied(c))]
            per_lane: defaultdict[Lane, int] = defaultdict(int)
            for call in repeated:
                per_lane[_lane(call)] += 1
            assert all(n <= 1 for n in per_lane.values()), (
                f"{len(twice)} copies sent twice, from {len(repeated)} calls in "
                f"{len(per_lane)} lanes: at most one call per lane may repeat"
            )
            assert max(times.values()) <= 2
        finally:
            await watcher.close()
            await bot.terminate()


class TestSendOfSeveralCalls:
    async def test_each_call_is_recorded_before_the_next_so_a_crash_repeats_one(
        self, desk_bot: Harness
    ) -> None:
        server, desk = desk_bot.server, desk_bot.desk
        # Three parts of about 3,000 characters: three sendMessage calls.
        parts = [(word + " ") * (3000 // (len(word) + 1)) for word in ("one", "two", "three")]
        server.faults.add(
            "sendMessage",
            hang=3,
            when=lambda params: str(params.get("text", "")).startswith("three"),
        )
        customer = Actor.customer(CustomerProfile(7001, "Ann"))
        ticket = await desk.tickets.report_ticket(
            customer, "Long", NewMessage("\n".join(p.strip() for p in parts))
        )
        await server.wait_for(
            lambda: (
                any(str(c.params.get("text", "")).startswith("three") for c in server.calls) or None
            ),
            timeout=15,
        )
        # The third call hangs: were the process to die now, only it would be made again.
        async with desk.database.read_session() as session:
            row = await session.scalar(
                select(OutboxRow).where(
                    OutboxRow.ticket_id == ticket.number,
                    OutboxRow.kind == "message_copy",
                )
            )
        assert row is not None
        assert row.payload.get("done") == 2
        await desk_bot.settled(within=30)
        topic = await desk_bot.topic_of(ticket.number)
        texts = [str(m.get("text", "")) for m in server.chat_messages(desk_bot.staff, topic)]
        assert [t.split(" ")[0] for t in texts if t.split(" ")[0] in ("one", "two", "three")] == [
            "one",
            "two",
            "three",
        ]
