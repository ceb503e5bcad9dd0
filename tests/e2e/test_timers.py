"""Timers over the fake Bot API, with durations of seconds and a one-second job interval."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.settings import Settings
from core.domain.actors import Actor
from core.domain.values import Status
from core.store.tables import DeskStateRow
from sandbox.botapi import FakeBotApi
from tests.e2e.conftest import Harness

FAST = {
    "sla_first_response": timedelta(seconds=2),
    "sla_first_response_urgent": timedelta(seconds=1),
    "sla_resolution": timedelta(hours=1),
    "pending_remind_after": timedelta(seconds=2),
    "pending_close_after": timedelta(seconds=5),
    "auto_close_after": timedelta(seconds=2),
    "jobs_interval": timedelta(seconds=1),
}


@pytest.fixture(name="fast_bot")
async def fixture_fast_bot(server: FakeBotApi, settings: Settings) -> AsyncIterator[Harness]:
    """The bot with timers of a few seconds."""
    assert settings.staff_chat_id is not None
    harness = Harness(server, server.chat(settings.staff_chat_id), settings.model_copy(update=FAST))
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


class TestTimersEndToEnd:
    async def test_sla_alert_reminder_pending_close_and_auto_close_reach_everyone(
        self, fast_bot: Harness
    ) -> None:
        server = fast_bot.server
        ann, bob, cid = server.add_user("Ann"), server.add_user("Bob"), server.add_user("Cid")
        agent = await fast_bot.agent()

        unanswered = await fast_bot.open_ticket(ann, "Nobody answers")
        thread = await fast_bot.topic_of(unanswered)
        await fast_bot.wait_bot_says(fast_bot.staff, "SLA missed", thread_id=thread, within=10)

        def general_alert() -> bool:
            # The staff group's lanes take turns, so the general topic's copy may come second.
            return any(
                "SLA missed" in str(m.get("text")) and f"#{unanswered}" in str(m.get("text"))
                for m in server.bot_messages(fast_bot.staff)
                if not m.get("message_thread_id")
            )

        await server.wait_for(general_alert, timeout=10, message="no alert in the general topic")

        waiting = await fast_bot.open_ticket(bob, "Need your logs")
        waiting_thread = await fast_bot.topic_of(waiting)
        await server.user_sends(
            agent, "Please send logs", chat=fast_bot.staff, thread_id=waiting_thread
        )
        await fast_bot.wait_bot_says(bob, "Please send logs")
        await fast_bot.desk.tickets.change_status(Actor.agent(1, "agent"), waiting, Status.PENDING)
        await fast_bot.wait_bot_says(bob, "still waiting for your answer", within=10)
        await fast_bot.wait_bot_says(bob, "because we did not hear back", within=15)
        await server.wait_for(
            lambda: server.topic(fast_bot.staff, waiting_thread).closed, timeout=10
        )

        solved = await fast_bot.open_ticket(cid, "Fixed soon")
        solved_thread = await fast_bot.topic_of(solved)
        card = await fast_bot.wait_bot_says(fast_bot.staff, "Fixed soon", thread_id=solved_thread)
        await server.user_presses(agent, card, button_text="✅ Resolve")
        resolved_news = await fast_bot.wait_bot_says(cid, "has been resolved")
        await fast_bot.wait_bot_says(cid, "closed automatically", within=10)
        assert (
            await fast_bot.desk.queries.find_ticket(Actor.system(), solved)
        ).status is Status.CLOSED
        await server.user_presses(
            cid, resolved_news, button_text="5⭐"
        )  # the rating keyboard still works
        await fast_bot.wait_bot_says(cid, "You rated")

        await fast_bot.settled()
        unanswered_card = server.bot_messages(fast_bot.staff, thread)[0]
        assert "⏰ SLA missed: first response" in str(unanswered_card["text"])
        texts = [str(m.get("text")) for m in server.bot_messages(bob)]
        assert sum("still waiting for your answer" in t for t in texts) == 1
        assert (
            sum(
                "SLA missed on ticket" in str(m.get("text"))
                for m in server.bot_messages(fast_bot.staff, thread)
            )
            == 1
        )

    async def test_the_digest_goes_to_the_general_topic(self, fast_bot: Harness) -> None:
        server = fast_bot.server
        ann = server.add_user("Ann")
        await fast_bot.open_ticket(ann, "Counted")
        async with fast_bot.desk.database.write_session() as session:
            yesterday = datetime.now(UTC) - timedelta(days=1, hours=1)
            session.add(
                DeskStateRow(
                    key="digest.last_sent", value=yesterday.isoformat(), updated_at=yesterday
                )
            )
            await session.commit()
        digest = await fast_bot.wait_bot_says(fast_bot.staff, "Daily digest", within=10)
        assert not digest.get("message_thread_id")
        assert "New tickets: 1" in str(digest["text"])

    async def test_stats_for_agents(self, fast_bot: Harness) -> None:
        server = fast_bot.server
        agent = await fast_bot.agent()
        await fast_bot.open_ticket(server.add_user("Ann"), "Counted")
        await server.user_sends(agent, "/stats today")
        answer = await fast_bot.wait_bot_says(agent, "Figures for today")
        assert "New tickets: 1" in str(answer["text"])
        await server.user_sends(agent, "/stats forever")
        await fast_bot.wait_bot_says(agent, "Unknown period “forever”")
        customer = server.add_user("Eve")
        await server.user_sends(customer, "/stats")
        await fast_bot.wait_bot_says(customer, "for agents")
