"""Fair use of the staff group's budget (20 sends a minute), over a fake Telegram that
enforces Telegram's limits: a customer's flood goes out in few calls, and a newcomer
writing meanwhile sees their topic, card and first message at once.

Slow on purpose (about 70 s): a fast writer's held messages are relayed at the minute's end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.botapi import FakeBotApi, FloodLimits
from tests.e2e.conftest import Harness, e2e_settings

FLOOD = 300


@pytest.fixture(name="limited_server")
async def fixture_limited_server() -> AsyncIterator[FakeBotApi]:
    """A fake Telegram that enforces Telegram's flood limits (429 past them)."""
    async with FakeBotApi(flood_limits=FloodLimits()) as server:
        yield server


@pytest.fixture(name="fair_bot")
async def fixture_fair_bot(
    limited_server: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    """The bot at Telegram's real limits, with the desk's default flood rules."""
    monkeypatch.chdir(tmp_path)
    settings = e2e_settings(
        limited_server,
        tmp_path,
        customer_messages_per_minute=20,
        new_tickets_per_day=5,
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


def _copied(server: FakeBotApi, staff: int, thread: int) -> list[tuple[str, int]]:
    """(from chat, message id) of every message copied into a staff topic, in order."""
    copied: list[tuple[str, int]] = []
    for call in server.dispatcher.calls:
        if call.status != 200 or call.method not in ("copyMessage", "copyMessages"):
            continue
        params = call.params
        if str(params.get("chat_id")) != str(staff):
            continue
        if str(params.get("message_thread_id")) != str(thread):
            continue
        ids = params.get("message_ids") or [params.get("message_id")]
        copied += [(str(params.get("from_chat_id")), int(i)) for i in ids]
    return copied


class TestFairUse:
    @pytest.mark.slow
    async def test_a_flood_leaves_room_for_a_newcomer_and_loses_nothing(
        self, fair_bot: Harness
    ) -> None:
        server, staff = fair_bot.server, fair_bot.staff
        ann, bob = server.add_user("Ann"), server.add_user("Bob")
        number = await fair_bot.open_ticket(ann)
        thread = await fair_bot.topic_of(number)
        await fair_bot.wait_bot_says(staff, "It smokes.", thread_id=thread)
        group_calls_before = len(server.dispatcher.calls)
        sent: list[int] = []

        async def flood() -> None:
            for index in range(FLOOD):
                message = await server.user_sends(ann, f"flood {index}")
                sent.append(int(message["message_id"]))
                await asyncio.sleep(10 / FLOOD)

        flooding = asyncio.create_task(flood())
        await asyncio.sleep(2)
        loop = asyncio.get_running_loop()
        written_at = loop.time()
        bob_number = await fair_bot.open_ticket(bob, "Lost password", "I cannot log in.")
        bob_thread = await fair_bot.topic_of(bob_number)
        await fair_bot.wait_bot_says(staff, f"#{bob_number}", thread_id=bob_thread, within=10)
        await fair_bot.wait_bot_says(staff, "I cannot log in.", thread_id=bob_thread, within=10)
        assert loop.time() - written_at < 10, "the newcomer waited for the flood"
        await flooding

        await server.wait_for(
            lambda: len(_copied(server, staff.id, thread)) >= 1 + FLOOD,
            timeout=90,
            message="the flood's held messages never reached the topic",
        )
        flood_copies = [key for key in _copied(server, staff.id, thread) if key[1] in set(sent)]
        assert sorted(key[1] for key in flood_copies) == sorted(sent), "nothing lost or twice"
        calls = [
            call
            for call in server.dispatcher.calls[group_calls_before:]
            if call.method in ("copyMessage", "copyMessages")
            and str(call.params.get("message_thread_id")) == str(thread)
        ]
        assert len(calls) <= 10, f"{len(calls)} calls for {FLOOD} messages: copies not merged"
        assert server.stats.too_many_requests == 0
