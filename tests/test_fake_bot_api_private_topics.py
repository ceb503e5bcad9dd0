"""Topics in the bot's private chats (Bot API 9.3–9.4), through python-telegram-bot's Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest

from sandbox.botapi import FakeBotApi, FakeUser
from sandbox.botapi.__main__ import parse_arguments

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN, bot_username="helpdesk_test_bot") as server:
        yield server


@pytest.fixture(name="bot")
async def fixture_bot(server: FakeBotApi) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url)
    async with bot:
        yield bot


@pytest.fixture(name="ann")
def fixture_ann(server: FakeBotApi) -> FakeUser:
    return server.add_user("Ann", username="ann")


class TestGetMe:
    async def test_says_whether_private_chats_have_topics(
        self, server: FakeBotApi, bot: Bot
    ) -> None:
        assert (await bot.get_me()).has_topics_enabled is False
        server.set_private_topics(True)
        me = await bot.get_me()
        assert me.has_topics_enabled is True
        assert me.allows_users_to_create_topics is False


class TestTopicsInAPrivateChat:
    async def test_the_bot_creates_a_topic_and_writes_into_it(
        self, server: FakeBotApi, bot: Bot, ann: FakeUser
    ) -> None:
        server.set_private_topics(True)
        topic = await bot.create_forum_topic(ann.id, "#1 Printer")
        sent = await bot.send_message(ann.id, "hello", message_thread_id=topic.message_thread_id)
        assert sent.message_thread_id == topic.message_thread_id
        assert sent.is_topic_message is True
        assert sent.reply_to_message is not None
        assert sent.reply_to_message.forum_topic_created is not None
        assert sent.reply_to_message.forum_topic_created.name == "#1 Printer"
        assert server.topic(ann, topic.message_thread_id).name == "#1 Printer"

    async def test_closing_and_reopening_post_service_messages(
        self, server: FakeBotApi, bot: Bot, ann: FakeUser
    ) -> None:
        server.set_private_topics(True)
        topic = await bot.create_forum_topic(ann.id, "#1 Printer")
        thread = topic.message_thread_id
        assert await bot.close_forum_topic(ann.id, thread)
        assert server.topic(ann, thread).closed
        with pytest.raises(BadRequest, match=r"(?i)topic_not_modified"):
            await bot.close_forum_topic(ann.id, thread)
        assert await bot.reopen_forum_topic(ann.id, thread)
        services = [m for m in server.chat_messages(ann, include_service=True) if "from" in m]
        kinds = [next(k for k in m if k.startswith("forum_topic_")) for m in services]
        assert kinds == ["forum_topic_created", "forum_topic_closed", "forum_topic_reopened"]

    async def test_without_threaded_mode_a_private_chat_has_no_topics(
        self, bot: Bot, ann: FakeUser
    ) -> None:
        with pytest.raises(BadRequest, match=r"(?i)not a forum"):
            await bot.create_forum_topic(ann.id, "#1 Printer")

    async def test_a_message_the_user_writes_in_a_topic_carries_its_thread(
        self, server: FakeBotApi, bot: Bot, ann: FakeUser
    ) -> None:
        server.set_private_topics(True)
        topic = await bot.create_forum_topic(ann.id, "#1 Printer")
        message = await server.user_sends(ann, "still broken", thread_id=topic.message_thread_id)
        assert message["message_thread_id"] == topic.message_thread_id
        assert message["is_topic_message"] is True
        assert message["chat"]["type"] == "private"
        assert message["reply_to_message"]["forum_topic_created"]["name"] == "#1 Printer"

    async def test_old_topics_stay_after_threaded_mode_is_turned_off(
        self, server: FakeBotApi, bot: Bot, ann: FakeUser
    ) -> None:
        server.set_private_topics(True)
        topic = await bot.create_forum_topic(ann.id, "#1 Printer")
        server.set_private_topics(False)
        message = await server.user_sends(ann, "hello?", thread_id=topic.message_thread_id)
        assert message["is_topic_message"] is True
        plain = await bot.send_message(ann.id, "answer")
        assert plain.message_thread_id is None


class TestSwitchingOverHttp:
    async def test_the_control_api_turns_private_topics_on_and_off(
        self, server: FakeBotApi, bot: Bot
    ) -> None:
        async with httpx.AsyncClient(base_url=server.root_url) as client:
            answer = await client.post("/_control/private_topics", json={"enabled": True})
            assert answer.json() == {"ok": True}
            assert (await bot.get_me()).has_topics_enabled is True
            await client.post("/_control/private_topics", json={"enabled": False})
            assert (await bot.get_me()).has_topics_enabled is False

    def test_the_command_line_has_a_switch(self) -> None:
        assert parse_arguments(["--private-topics"]).private_topics is True
        assert parse_arguments([]).private_topics is False
