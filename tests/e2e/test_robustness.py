"""Edge cases found in review: late passwords, repeated updates, held messages, the staff
group's general topic, and sends that fail half-way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.settings import Settings
from core.domain.actors import Actor
from core.store.tables import ConversationRow, OutboxRow
from sandbox.botapi import FakeBotApi
from tests.e2e.conftest import PASSWORD, Harness


def _texts(harness: Harness, chat: object, thread_id: int | None = None) -> list[str]:
    return [
        str(m.get("text") or m.get("caption") or "")
        for m in harness.server.bot_messages(chat, thread_id)
    ]


class TestLoginSafety:
    async def test_a_password_sent_after_the_login_timed_out_is_deleted_and_never_relayed(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        await desk_bot.desk.accounts.add_agent("alice", PASSWORD)
        alice = server.add_user("Alice")
        await server.user_sends(alice, "/login alice")
        await desk_bot.wait_bot_says(alice, "password")
        async with desk_bot.desk.database.write_session() as session:  # ten minutes pass
            old = desk_bot.desk.clock.now() - timedelta(minutes=10)
            await session.execute(update(ConversationRow).values(updated_at=old))
            await session.commit()
        secret = await server.user_sends(alice, PASSWORD)
        await desk_bot.wait_bot_says(alice, "login timed out")
        await desk_bot.settled()
        assert server.message(alice, secret["message_id"]) is None
        everywhere = [m for chat in (alice, desk_bot.staff) for m in _texts(desk_bot, chat)]
        assert not any(PASSWORD in text for text in everywhere)
        assert (await desk_bot.desk.conversations.get(alice.id)) is None

    async def test_a_password_typed_into_the_command_is_deleted(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        await desk_bot.desk.accounts.add_agent("alice", PASSWORD)
        alice = server.add_user("Alice")
        command = await server.user_sends(alice, f"/login alice {PASSWORD}")
        await desk_bot.wait_bot_says(alice, "Never put the password in the command")
        assert server.message(alice, command["message_id"]) is None


class TestRepeatedUpdatesInConversations:
    async def test_a_repeated_subject_is_not_taken_as_the_description(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        await server.user_sends(ann, "/new")
        await desk_bot.wait_bot_says(ann, "subject")
        await server.user_sends(ann, "Broken screen")
        await desk_bot.wait_bot_says(ann, "describe")
        server.deliver_again(server.updates[-1]["update_id"])
        await desk_bot.processed()
        await server.user_sends(ann, "It flickers")
        await desk_bot.wait_bot_says(ann, "Your ticket")
        await desk_bot.settled()
        tickets = await desk_bot.desk.queries.tickets_of_customer(Actor.customer_ref(ann.id))
        (ticket,) = tickets.tickets
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), ticket.number)
        assert [m.text for m in detail.messages] == ["It flickers"]


class TestHeldMessages:
    async def test_new_does_not_throw_held_messages_away_and_a_repeat_is_held_once(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        await server.user_sends(ann, "Printer broken")
        offer = await desk_bot.wait_bot_says(ann, "no open ticket")
        server.deliver_again(server.updates[-1]["update_id"])
        await desk_bot.processed()
        await server.user_sends(ann, "/new")
        await desk_bot.wait_bot_says(ann, "1 message is waiting")
        await server.user_presses(ann, offer, button_text="📝 Open a ticket")
        confirmation = await desk_bot.wait_bot_says(ann, "Your ticket")
        assert "Printer broken" in str(confirmation["text"])
        await desk_bot.settled()
        (ticket,) = (
            await desk_bot.desk.queries.tickets_of_customer(Actor.customer_ref(ann.id))
        ).tickets
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), ticket.number)
        assert [m.text for m in detail.messages] == ["Printer broken"]


class TestStaffGroup:
    async def test_commands_typed_in_the_staff_group_are_answered(self, desk_bot: Harness) -> None:
        agent = await desk_bot.agent()
        await desk_bot.server.user_sends(agent, "/take 1", chat=desk_bot.staff)
        await desk_bot.wait_bot_says(desk_bot.staff, "/take works in a private chat with me")


@pytest.fixture(name="sla_bot")
async def fixture_sla_bot(server: FakeBotApi, settings: Settings) -> AsyncIterator[Harness]:
    """A bot whose first-response SLA is one second."""
    assert settings.staff_chat_id is not None
    fast = {"sla_first_response": timedelta(seconds=1), "jobs_interval": timedelta(seconds=1)}
    harness = Harness(server, server.chat(settings.staff_chat_id), settings.model_copy(update=fast))
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


class TestGeneralTopic:
    async def test_a_reply_in_the_general_topic_to_an_alert_never_reaches_the_customer(
        self, sla_bot: Harness
    ) -> None:
        server = sla_bot.server
        ann = server.add_user("Ann")
        agent = await sla_bot.agent()
        number = await sla_bot.open_ticket(ann)

        def alert_in_general() -> dict[str, object] | None:
            for message in server.bot_messages(sla_bot.staff):
                if not message.get("message_thread_id") and "SLA missed on ticket" in str(
                    message.get("text")
                ):
                    return message
            return None

        alert = await server.wait_for(alert_in_general, timeout=10)
        before = len(server.bot_messages(ann))
        await server.user_sends(
            agent,
            "Bob, take this one? The customer is rude.",
            chat=sla_bot.staff,
            reply_to=alert["message_id"],
        )
        await sla_bot.settled()
        assert len(server.bot_messages(ann)) == before
        detail = await sla_bot.desk.queries.get_ticket(Actor.system(), number)
        assert [m.text for m in detail.messages] == ["It smokes."]


class TestSendsCutShort:
    async def test_a_long_reply_failing_on_its_second_part_resumes_without_repeating_the_first(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        await desk_bot.settled()
        long_text = " ".join(f"word{i}" for i in range(600))[:4090]
        calls = {"n": 0}

        def second_part(params: dict[str, object]) -> bool:
            if not str(params.get("text", "")).startswith("word"):
                return False
            calls["n"] += 1
            return calls["n"] == 2

        server.faults.add(
            "sendMessage", chat_id=ann.id, status=429, retry_after=1, times=1, when=second_part
        )
        await server.user_sends(agent, f"/reply {number} {long_text}")
        await desk_bot.wait_bot_says(agent, "Reply sent")
        await desk_bot.settled(within=20)
        parts = [t for t in _texts(desk_bot, ann) if t.startswith("word")]
        assert " ".join(parts).split() == long_text.split(), "every part once, in order"

    async def test_a_copy_whose_original_is_gone_is_sent_from_the_stored_content(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        await desk_bot.settled()
        server.faults.add(
            "copyMessage", status=400, description="Bad Request: message to copy not found", times=1
        )
        await server.user_sends(ann, "This one was deleted by Ann")
        await desk_bot.wait_bot_says(
            desk_bot.staff, "This one was deleted by Ann", thread_id=thread
        )

    async def test_the_staff_group_refusing_a_send_keeps_it_for_later(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        await desk_bot.topic_of(number)
        await desk_bot.settled()
        server.faults.add(
            None,
            chat_id=desk_bot.staff.id,
            status=403,
            description="Forbidden: bot was kicked from the supergroup chat",
            times=1,
        )
        await server.user_sends(ann, "Anyone there?")
        await desk_bot.processed()
        await server.wait_for(lambda: any(c.status == 403 for c in server.calls))
        for _ in range(100):  # until the dispatcher has settled the refused row
            async with desk_bot.desk.database.read_session() as session:
                errors = list(
                    await session.scalars(
                        select(OutboxRow.last_error).where(OutboxRow.last_error.is_not(None))
                    )
                )
            if errors:
                break
            await asyncio.sleep(0.05)
        assert any("kicked" in error for error in errors)
        counts = await desk_bot.desk.delivery.counts()
        assert counts["failed"] == 0, "kept for when an admin has fixed the bot's rights"
        assert counts["pending"] >= 1
