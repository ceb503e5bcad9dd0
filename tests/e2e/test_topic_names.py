"""Topic names Telegram accepts, and labels nobody can spoof, end to end."""

from __future__ import annotations

import logging

import pytest

from bot.rendering.staff import utf16_length
from tests.e2e.conftest import Harness


class TestLongSubject:
    async def test_a_subject_of_120_emoji_reaches_the_staff_topic_promptly(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")

        number = await desk_bot.open_ticket(ann, "😀" * 120, "My screen shows only smileys")
        thread = await desk_bot.topic_of(number)

        name = server.topic(desk_bot.staff, thread).name
        assert name.startswith(f"#{number} 😀")
        assert utf16_length(name) <= 128
        await desk_bot.wait_bot_says(desk_bot.staff, f"#{number}", thread_id=thread, within=5)
        await desk_bot.wait_bot_says(desk_bot.staff, "only smileys", thread_id=thread, within=5)

    async def test_a_name_telegram_refuses_is_replaced_by_the_number_at_once(
        self, desk_bot: Harness, caplog: pytest.LogCaptureFixture
    ) -> None:
        server = desk_bot.server
        server.faults.add(
            "createForumTopic", status=400, description="Bad Request: TOPIC_NAME_INVALID"
        )
        ann = server.add_user("Ann")

        with caplog.at_level(logging.WARNING):
            number = await desk_bot.open_ticket(ann, "Printer", "It smokes")
            thread = await desk_bot.topic_of(number)
            await desk_bot.wait_bot_says(desk_bot.staff, "It smokes", thread_id=thread, within=5)

        assert server.topic(desk_bot.staff, thread).name == f"#{number}"
        assert "Telegram refused the topic name" in caplog.text
        assert "topic_name_invalid" in caplog.text.lower()
        assert "rights" not in caplog.text


class TestSpoofedLabels:
    async def test_overrides_leave_titles_and_cards_but_not_the_message(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        mallory = server.add_user("Mal\u202elory\u200b")

        number = await desk_bot.open_ticket(mallory, "\u202egnp.exe", "see \u202egnp.exe")
        thread = await desk_bot.topic_of(number)

        assert server.topic(desk_bot.staff, thread).name == f"#{number} gnp.exe"
        card = await desk_bot.wait_bot_says(desk_bot.staff, "Customer:", thread_id=thread)
        assert "\u202e" not in card["text"]
        assert "\u200b" not in card["text"]
        assert "Customer: Mallory" in card["text"]
        copy = await desk_bot.wait_bot_says(desk_bot.staff, "see", thread_id=thread)
        assert copy["text"] == "see \u202egnp.exe", "the message itself is relayed as written"
