"""The fake Bot API: a user adds the bot to a group, and the bot leaves it (``leaveChat``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden

from sandbox.botapi import FakeBotApi

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture(name="bot")
async def fixture_bot(server: FakeBotApi) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url)
    async with bot:
        yield bot


class TestBotAddedAndLeaving:
    async def test_adding_the_bot_sends_new_chat_members(
        self, server: FakeBotApi, bot: Bot
    ) -> None:
        mallory = server.add_user("Mallory")
        group = await server.user_adds_bot(mallory, "Crypto deals")
        updates = await bot.get_updates(timeout=0)
        message = updates[-1].message
        assert message is not None
        assert message.chat.id == group.id
        assert [member.id for member in message.new_chat_members] == [bot.id]

    async def test_after_leave_chat_the_bot_cannot_send_and_sees_nothing(
        self, server: FakeBotApi, bot: Bot
    ) -> None:
        mallory = server.add_user("Mallory")
        group = await server.user_adds_bot(mallory, "Crypto deals")
        assert await bot.leave_chat(group.id) is True
        with pytest.raises(Forbidden, match="not a member"):
            await bot.send_message(group.id, "still here?")
        with pytest.raises(Forbidden, match="not a member"):
            await bot.leave_chat(group.id)
        seen = len(await bot.get_updates(timeout=0))
        await server.user_sends(mallory, "anyone?", chat=group)
        assert len(await bot.get_updates(timeout=0)) == seen

    async def test_a_private_chat_cannot_be_left(self, server: FakeBotApi, bot: Bot) -> None:
        ann = server.add_user("Ann")
        with pytest.raises(BadRequest, match="private"):
            await bot.leave_chat(ann.id)
