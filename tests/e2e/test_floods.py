"""Floods over the fake Telegram: a fast writer is slowed, a swarm waits for a human check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.handlers.private import SLOW_DOWN
from bot.main import start_bot
from bot.settings import Settings
from core.clock import ManualClock
from core.desk import Desk
from core.store.tables import HeldMessageRow, MessageRow, TicketRow
from sandbox.botapi import FakeBotApi, FloodLimits
from tests.e2e.conftest import Harness, e2e_settings

ON_THE_MINUTE = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class ClockedHarness(Harness):
    """The bot on a desk whose clock the test moves (minutes pass at once)."""

    def __init__(self, server: FakeBotApi, settings: Settings, clock: ManualClock) -> None:
        assert settings.staff_chat_id is not None
        super().__init__(server, server.chat(settings.staff_chat_id), settings)
        self.clock = clock
        self.own_desk: Desk | None = None

    async def start(self) -> None:
        self.own_desk = await Desk.open(
            self.settings.database_url, clock=self.clock, config=self.settings.desk_config()
        )
        self.running = await start_bot(self.settings, desk=self.own_desk)

    async def stop(self) -> None:
        await super().stop()
        if self.own_desk is not None:
            await self.own_desk.close()
            self.own_desk = None


@pytest.fixture(name="slow_bot")
async def fixture_slow_bot(
    server: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ClockedHarness]:
    """Five messages a minute per customer, two tickets a day."""
    monkeypatch.chdir(tmp_path)
    settings = e2e_settings(server, tmp_path, customer_messages_per_minute=5, new_tickets_per_day=2)
    harness = ClockedHarness(server, settings, ManualClock(ON_THE_MINUTE))
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


class TestFastWriter:
    async def test_slowed_told_once_and_nothing_lost(self, slow_bot: ClockedHarness) -> None:
        server = slow_bot.server
        ann = server.add_user("Ann")
        number = await slow_bot.open_ticket(ann, "Printer", "message 0")  # the first of five
        thread = await slow_bot.topic_of(number)
        for index in range(1, 13):
            await server.user_sends(ann, f"message {index}")
        await slow_bot.processed()
        await slow_bot.wait_bot_says(slow_bot.staff, "message 4", thread_id=thread)
        await asyncio.sleep(2 * 2)  # two dispatch intervals: anything due would be out
        relayed = [m.get("text") for m in server.bot_messages(slow_bot.staff, thread)]
        assert [t for t in relayed if str(t).startswith("message")] == [
            f"message {i}" for i in range(5)
        ]
        assert [m["text"] for m in server.bot_messages(ann)].count(SLOW_DOWN) == 1
        async with slow_bot.desk.database.read_session() as session:
            assert await session.scalar(select(func.count(MessageRow.id))) == 13

        slow_bot.clock.advance(timedelta(minutes=1))
        await slow_bot.wait_bot_says(slow_bot.staff, "message 12", thread_id=thread)
        relayed = [m.get("text") for m in server.bot_messages(slow_bot.staff, thread)]
        assert [t for t in relayed if str(t).startswith("message")] == [
            f"message {i}" for i in range(13)
        ]
        last = server.calls_of("copyMessages")[-1]
        assert len(last.params["message_ids"]) == 8  # the held eight went out as one batch

    async def test_a_third_ticket_in_a_day_is_refused_and_kept(
        self, slow_bot: ClockedHarness
    ) -> None:
        server = slow_bot.server
        ann = server.add_user("Ann")
        await slow_bot.open_ticket(ann, "One", "first")
        await slow_bot.open_ticket(ann, "Two", "second")
        await server.user_sends(ann, "/new")
        await server.user_sends(ann, "Three")
        await server.user_sends(ann, "third problem")
        await slow_bot.wait_bot_says(ann, "as many as a day allows")
        async with slow_bot.desk.database.read_session() as session:
            assert await session.scalar(select(func.count(TicketRow.id))) == 2
            kept = list(await session.scalars(select(HeldMessageRow.content)))
        assert [content["text"] for content in kept] == ["third problem"]


@pytest.fixture(name="limited_server")
async def fixture_limited_server() -> AsyncIterator[FakeBotApi]:
    """A fake Telegram that enforces Telegram's flood limits (429 past them)."""
    async with FakeBotApi(flood_limits=FloodLimits()) as server:
        yield server


@pytest.fixture(name="swarm_bot")
async def fixture_swarm_bot(
    limited_server: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    """The bot at Telegram's real limits, opening 30 newcomers' topics a minute (the default)."""
    monkeypatch.chdir(tmp_path)
    settings = e2e_settings(
        limited_server,
        tmp_path,
        new_customers_per_minute=30,
        flood_limit_group_per_minute=20,
        flood_limit_private_per_second=1,
    )
    assert settings.staff_chat_id is not None
    harness = Harness(limited_server, limited_server.chat(settings.staff_chat_id), settings)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


class TestSwarm:
    @pytest.mark.slow
    async def test_sixty_accounts_in_ten_seconds(self, swarm_bot: Harness) -> None:
        server = swarm_bot.server
        regular = server.add_user("Regular")
        number = await swarm_bot.open_ticket(regular)
        thread = await swarm_bot.topic_of(number)
        await swarm_bot.wait_bot_says(swarm_bot.staff, "It smokes.", thread_id=thread)
        topics_before = len(server.topics(swarm_bot.staff))
        swarm = [server.add_user(f"Spam {i}") for i in range(60)]

        async def attack() -> None:
            for index, account in enumerate(swarm):
                await server.user_sends(account, "/new")
                await server.user_sends(account, f"Cheap deals {index}")
                await server.user_sends(account, f"Visit my site {index}")
                await asyncio.sleep(10 / 60)

        attacking = asyncio.create_task(attack())
        await asyncio.sleep(3)
        written_at = asyncio.get_running_loop().time()
        await server.user_sends(regular, "Any news on my printer?")
        await swarm_bot.wait_bot_says(
            swarm_bot.staff, "Any news on my printer?", thread_id=thread, within=60
        )
        assert asyncio.get_running_loop().time() - written_at < 60
        await attacking
        await swarm_bot.processed(within=30)
        await swarm_bot.wait_bot_says(swarm_bot.staff, "Many new customers", within=60)

        opened = len(server.topics(swarm_bot.staff)) - topics_before
        alerts = [
            m for m in server.bot_messages(swarm_bot.staff) if "Many new customers" in m["text"]
        ]
        assert len(alerts) == 1
        async with swarm_bot.desk.database.read_session() as session:
            stored = set(await session.scalars(select(MessageRow.text)))
            waiting = await session.scalar(
                select(func.count(TicketRow.id)).where(TicketRow.awaiting_check_since.is_not(None))
            )
        assert {f"Visit my site {i}" for i in range(60)} <= stored
        assert 60 - waiting <= 30, "at most a minute's newcomers open tickets"
        assert opened <= 60 - waiting
        _assert_each_topic_shows_its_card_and_first_message(server, swarm_bot.staff.id)
        assert server.stats.too_many_requests == 0
        assert (await swarm_bot.desk.delivery.counts())["failed"] == 0

        person = swarm[-1]  # a real person among them taps the check
        check = await swarm_bot.wait_bot_says(person, "tap the button")
        told = len(server.bot_messages(person))
        await server.user_presses(person, check, button_text="✅ I am a person: open my ticket")
        await swarm_bot.wait_bot_says(person, "Your ticket", after=told, within=30)
        async with swarm_bot.desk.database.read_session() as session:
            still = await session.scalar(
                select(func.count(TicketRow.id)).where(TicketRow.awaiting_check_since.is_not(None))
            )
        assert still == waiting - 1


def _assert_each_topic_shows_its_card_and_first_message(server: FakeBotApi, staff: int) -> None:
    """Every topic made so far got its card and first message as the group's next calls."""
    calls = [
        call
        for call in server.dispatcher.calls
        if call.status == 200 and str(call.params.get("chat_id")) == str(staff)
    ]
    created = [i for i, call in enumerate(calls) if call.method == "createForumTopic"]
    assert created
    for index in created:
        thread = str(calls[index].result["message_thread_id"])
        following = calls[index + 1 : index + 3]
        if len(following) < 2:
            continue  # the last topic's card or message is still on its way
        assert following[0].method == "sendMessage", "the card comes first"
        assert all(str(c.params.get("message_thread_id")) == thread for c in following), (
            f"topic {thread} waited for other tickets' sends"
        )
