"""The harness's barriers wait for every chat of a batch, not only the marker's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from sandbox.botapi import FakeBotApi, FakeUser
from tests.e2e.conftest import Harness

SLOW_ANSWER = 1.5  # seconds the fake server holds the answer to the slow chat's first send


async def _one_batch_with_a_slow_chat(
    desk_bot: Harness,
    ann: FakeUser,
    then: Callable[[], Coroutine[Any, Any, None]],
    barrier: Callable[[], Coroutine[Any, Any, None]],
) -> None:
    """Queue Ann's slow update, ``then`` more, and the barrier's marker, then start the bot.

    The bot is stopped while they are queued, so its first ``getUpdates`` returns them in
    one batch: Ann's chat and the marker's are handled side by side, and the marker is
    answered long before Ann's chat is done.
    """
    server: FakeBotApi = desk_bot.server
    await desk_bot.stop()
    server.faults.add("sendMessage", chat_id=ann.id, answer_delay=SLOW_ANSWER)
    await server.user_sends(ann, "/help")
    await then()
    queued = len(server.pending_updates)
    waiting = asyncio.ensure_future(barrier())
    await server.wait_for(lambda: len(server.pending_updates) == queued + 1)
    await desk_bot.start()
    await waiting


class TestBarriers:
    async def test_processed_waits_for_a_slow_chat_handled_beside_the_marker(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")

        async def then() -> None:
            await server.user_sends(ann, "/help")  # handled only once the first one is

        await _one_batch_with_a_slow_chat(desk_bot, ann, then, desk_bot.processed)

        assert len(server.bot_messages(ann)) == 2

    async def test_settled_waits_for_what_a_slow_chat_puts_in_the_outbox(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        topic = await desk_bot.topic_of(number)
        await desk_bot.settled()

        async def then() -> None:
            await server.user_sends(ann, "A second thought")  # copied into the topic

        await _one_batch_with_a_slow_chat(desk_bot, ann, then, desk_bot.settled)

        copied = [m.get("text") for m in server.bot_messages(desk_bot.staff, topic)]
        assert any("A second thought" in str(text) for text in copied)
