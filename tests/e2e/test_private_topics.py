"""A topic per ticket in the customer's own chat (private-chat topics), end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from core.domain.actors import Actor
from sandbox.botapi import FakeBotApi, FakeUser
from tests.e2e.conftest import Harness, e2e_settings, running_desk, ticket_number_in


@pytest.fixture(name="topics_bot")
async def fixture_topics_bot(server: FakeBotApi, settings: Settings) -> AsyncIterator[Harness]:
    """The running bot, its private chats with topics turned on in BotFather."""
    server.set_private_topics(True)
    async with running_desk(server, settings) as harness:
        yield harness


async def _customer_topic(harness: Harness, number: int) -> int:
    """Wait until the ticket has its topic in the customer's chat; return its thread id."""

    for _ in range(200):
        thread = (await harness.desk.delivery.ticket(number)).customer_topic_id
        if thread is not None:
            return thread
        await asyncio.sleep(0.05)
    raise AssertionError(f"ticket #{number} never got a topic in the customer's chat")


async def _open(harness: Harness, customer: FakeUser, subject: str) -> tuple[int, int]:
    number = await harness.open_ticket(customer, subject)
    return number, await _customer_topic(harness, number)


def _card_in(harness: Harness, thread: int) -> dict[str, Any]:
    messages = harness.server.bot_messages(harness.staff, thread)
    return next(m for m in messages if m.get("reply_markup"))


class TestTicketsInTopicsOfTheCustomersChat:
    async def test_a_new_ticket_gets_a_topic_named_like_the_staff_topic_with_its_confirmation(
        self, topics_bot: Harness
    ) -> None:
        server = topics_bot.server
        ann = server.add_user("Ann")
        number, thread = await _open(topics_bot, ann, "Printer on fire")
        staff_thread = await topics_bot.topic_of(number)
        name = f"#{number} Printer on fire"
        assert server.topic(ann, thread).name == name
        assert server.topic(topics_bot.staff, staff_thread).name == name
        confirmation = await topics_bot.wait_bot_says(ann, "Your ticket", thread_id=thread)
        assert confirmation["is_topic_message"] is True
        assert ticket_number_in(confirmation) == number

    async def test_replies_status_changes_and_the_rating_go_through_the_topic(
        self, topics_bot: Harness
    ) -> None:
        server = topics_bot.server
        ann = server.add_user("Ann")
        agent = await topics_bot.agent()
        number, thread = await _open(topics_bot, ann, "Printer on fire")
        staff_thread = await topics_bot.topic_of(number)
        await server.user_sends(
            agent, "Try turning it off", chat=topics_bot.staff, thread_id=staff_thread
        )
        reply = await topics_bot.wait_bot_says(ann, "Try turning it off", thread_id=thread)
        assert reply["message_thread_id"] == thread
        await topics_bot.wait_bot_says(topics_bot.staff, "Printer on fire", thread_id=staff_thread)
        card = _card_in(topics_bot, staff_thread)
        await server.user_presses(agent, card, button_text="✅ Resolve")
        told = await topics_bot.wait_bot_says(ann, "has been resolved", thread_id=thread)
        await server.user_presses(ann, told, button_text="5⭐")
        await topics_bot.wait_bot_says(ann, "Thank you! You rated", thread_id=thread)
        ticket = await topics_bot.desk.delivery.ticket(number)
        assert (ticket.status.value, ticket.rating) == ("resolved", 5)
        main_chat = [m for m in server.bot_messages(ann) if "message_thread_id" not in m]
        assert not any("resolved" in (m.get("text") or "") for m in main_chat)

    async def test_writing_in_a_topic_reaches_that_ticket_not_the_active_one(
        self, topics_bot: Harness
    ) -> None:
        server = topics_bot.server
        ann = server.add_user("Ann")
        first, first_thread = await _open(topics_bot, ann, "Printer on fire")
        second, _ = await _open(topics_bot, ann, "Invoice wrong")
        await server.user_sends(ann, "Still smoking", thread_id=first_thread)
        staff_thread = await topics_bot.topic_of(first)
        await topics_bot.wait_bot_says(topics_bot.staff, "Still smoking", thread_id=staff_thread)
        await topics_bot.settled()
        texts = [
            m.text
            for m in (await topics_bot.desk.queries.get_ticket(Actor.system(), first)).messages
        ]
        assert "Still smoking" in texts
        others = await topics_bot.desk.queries.get_ticket(Actor.system(), second)
        assert "Still smoking" not in [m.text for m in others.messages]

    async def test_closing_closes_the_topic_and_reopening_reopens_it(
        self, topics_bot: Harness
    ) -> None:
        server = topics_bot.server
        ann = server.add_user("Ann")
        agent = await topics_bot.agent()
        number, thread = await _open(topics_bot, ann, "Printer on fire")
        staff_thread = await topics_bot.topic_of(number)
        await topics_bot.wait_bot_says(topics_bot.staff, "Printer on fire", thread_id=staff_thread)
        await server.user_presses(agent, _card_in(topics_bot, staff_thread), button_text="🔒 Close")
        await topics_bot.wait_bot_says(ann, "is closed", thread_id=thread)
        await server.wait_for(lambda: server.topic(ann, thread).closed)
        card_id = _card_in(topics_bot, staff_thread)["message_id"]

        def reopenable() -> dict[str, Any] | None:
            card = server.message(topics_bot.staff, card_id) or {}
            rows = (card.get("reply_markup") or {}).get("inline_keyboard", [])
            return card if any(b["text"] == "↩️ Reopen" for row in rows for b in row) else None

        card = await server.wait_for(reopenable, message="the card never offered to reopen")
        await server.user_presses(agent, card, button_text="↩️ Reopen")
        await server.wait_for(lambda: not server.topic(ann, thread).closed)
        await topics_bot.wait_bot_says(ann, "being worked on", thread_id=thread)

    async def test_a_customer_closing_their_ticket_closes_its_topic(
        self, topics_bot: Harness
    ) -> None:
        server = topics_bot.server
        ann = server.add_user("Ann")
        number, thread = await _open(topics_bot, ann, "Printer on fire")
        other, _ = await _open(topics_bot, ann, "Invoice wrong")  # now the active one
        await server.user_sends(ann, "/close", thread_id=thread)
        question = await topics_bot.wait_bot_says(ann, "Close ticket", thread_id=thread)
        await server.user_presses(ann, question, button_text=f"🔒 Yes, close #{number}")
        await server.wait_for(lambda: server.topic(ann, thread).closed)
        assert (await topics_bot.desk.delivery.ticket(number)).status.value == "closed"
        assert (await topics_bot.desk.delivery.ticket(other)).status.value == "new"


class TestTopicsTurnedOff:
    async def test_without_topics_every_notice_goes_to_the_main_chat(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        await desk_bot.settled()
        assert (await desk_bot.desk.delivery.ticket(number)).customer_topic_id is None
        assert server.topics(ann) == []
        assert all("message_thread_id" not in m for m in server.bot_messages(ann))

    async def test_the_setting_off_keeps_the_main_chat_even_when_botfather_has_topics(
        self, server: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        server.set_private_topics(True)
        settings = e2e_settings(server, tmp_path, private_topics="off")
        assert settings.staff_chat_id is not None
        harness = Harness(server, server.chat(settings.staff_chat_id), settings)
        await harness.start()
        try:
            ann = server.add_user("Ann")
            await harness.open_ticket(ann)
            await harness.settled()
            assert server.topics(ann) == []
        finally:
            await harness.stop()

    async def test_old_topics_still_route_and_new_notices_go_to_the_main_chat(
        self, topics_bot: Harness
    ) -> None:
        server = topics_bot.server
        ann = server.add_user("Ann")
        agent = await topics_bot.agent()
        first, first_thread = await _open(topics_bot, ann, "Printer on fire")
        await _open(topics_bot, ann, "Invoice wrong")
        await topics_bot.settled()
        server.set_private_topics(False)  # turned off in BotFather, then the desk restarts
        await topics_bot.restart()
        await server.user_sends(ann, "Still smoking", thread_id=first_thread)
        staff_thread = await topics_bot.topic_of(first)
        await topics_bot.wait_bot_says(topics_bot.staff, "Still smoking", thread_id=staff_thread)
        before = len(server.bot_messages(ann))
        await server.user_sends(agent, "On our way", chat=topics_bot.staff, thread_id=staff_thread)
        reply = await topics_bot.wait_bot_says(ann, "On our way", after=before)
        assert "message_thread_id" not in reply


class TestATopicTheCustomerDeleted:
    async def test_the_next_notice_opens_a_new_topic_for_the_ticket(
        self, topics_bot: Harness
    ) -> None:
        server = topics_bot.server
        ann = server.add_user("Ann")
        agent = await topics_bot.agent()
        number, thread = await _open(topics_bot, ann, "Printer on fire")
        await topics_bot.settled()
        server.delete_topic(ann, thread)
        staff_thread = await topics_bot.topic_of(number)
        await server.user_sends(
            agent, "Still there?", chat=topics_bot.staff, thread_id=staff_thread
        )
        reply = await topics_bot.wait_bot_says(ann, "Still there?")
        fresh = (await topics_bot.desk.delivery.ticket(number)).customer_topic_id
        assert fresh is not None
        assert fresh != thread
        assert reply["message_thread_id"] == fresh
        assert server.topic(ann, fresh).name == f"#{number} Printer on fire"


class TestInTheCustomersLanguage:
    async def test_a_russian_customers_ticket_topic_speaks_russian(
        self, topics_bot: Harness
    ) -> None:
        server = topics_bot.server
        olga = server.add_user("Olga", language_code="ru")
        await server.user_sends(olga, "/new")
        await topics_bot.wait_bot_says(olga, "Это будет тема тикета")
        await server.user_sends(olga, "Принтер горит")
        await topics_bot.wait_bot_says(olga, "Теперь опишите проблему")
        await server.user_sends(olga, "Дым идёт.")
        confirmed = await topics_bot.wait_bot_says(olga, "Ваш тикет")
        number = ticket_number_in(confirmed)
        thread = await _customer_topic(topics_bot, number)
        assert confirmed["message_thread_id"] == thread
        assert server.topic(olga, thread).name == f"#{number} Принтер горит"
        await server.user_sends(olga, "Уже лучше", thread_id=thread)
        staff_thread = await topics_bot.topic_of(number)
        await topics_bot.wait_bot_says(topics_bot.staff, "Уже лучше", thread_id=staff_thread)
