"""The fake Bot API: reactions (``message_reaction`` updates, ``setMessageReaction``) and the
48-hour window for editing the bot's own messages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, ReactionTypeEmoji
from telegram.error import BadRequest

from sandbox.botapi import FakeBotApi
from sandbox.botapi.methods.editing import EDIT_WINDOW_SECONDS

TOKEN = "123456:TEST-TOKEN"
ALL = ["message", "message_reaction"]


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture(name="bot")
async def fixture_bot(server: FakeBotApi) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url)
    async with bot:
        yield bot


class TestUserReactions:
    async def test_a_reaction_arrives_with_the_reactions_before_and_after(
        self, server: FakeBotApi, bot: Bot
    ) -> None:
        ann = server.add_user("Ann")
        sent = await server.user_sends(ann, "hello")
        await server.user_reacts(ann, sent, "👍")
        await server.user_reacts(ann, sent, "🔥")
        updates = await bot.get_updates(allowed_updates=ALL)
        changes = [u.message_reaction for u in updates if u.message_reaction is not None]
        assert [(c.old_reaction, c.new_reaction) for c in changes] == [
            ((), (ReactionTypeEmoji("👍"),)),
            ((ReactionTypeEmoji("👍"),), (ReactionTypeEmoji("🔥"),)),
        ]
        assert changes[0].user is not None
        assert changes[0].user.id == ann.id
        assert changes[0].message_id == sent["message_id"]

    async def test_reactions_come_only_when_asked_for(self, server: FakeBotApi, bot: Bot) -> None:
        ann = server.add_user("Ann")
        sent = await server.user_sends(ann, "hello")
        await server.user_reacts(ann, sent, "👍")
        updates = await bot.get_updates(allowed_updates=["message"])
        assert [u.message_reaction for u in updates] == [None]

    async def test_in_a_group_the_bot_sees_reactions_only_as_an_admin(
        self, server: FakeBotApi, bot: Bot
    ) -> None:
        ann = server.add_user("Ann")
        group = server.add_group("Chatters", bot_status="member")
        group.add_member(ann)
        sent = await server.user_sends(ann, "hello", chat=group)
        await server.user_reacts(ann, sent, "👍")
        updates = await bot.get_updates(allowed_updates=ALL)
        assert all(u.message_reaction is None for u in updates)


class TestSetMessageReaction:
    async def test_the_bot_sets_and_removes_its_reaction(
        self, server: FakeBotApi, bot: Bot
    ) -> None:
        ann = server.add_user("Ann")
        sent = await server.user_sends(ann, "hello")
        assert await bot.set_message_reaction(ann.id, sent["message_id"], "👍")
        assert server.reactions_on(ann, sent["message_id"]) == ["👍"]
        assert await bot.set_message_reaction(ann.id, sent["message_id"], [])
        assert server.reactions_on(ann, sent["message_id"]) == []

    async def test_refusals_are_telegrams(self, server: FakeBotApi, bot: Bot) -> None:
        ann = server.add_user("Ann")
        sent = await server.user_sends(ann, "hello")
        with pytest.raises(BadRequest, match="react not found"):
            await bot.set_message_reaction(ann.id, 999_999, "👍")
        with pytest.raises(BadRequest, match="Reactions_too_many"):
            await bot.set_message_reaction(ann.id, sent["message_id"], ["👍", "🔥"])


class TestEditWindow:
    async def test_the_bots_message_cannot_be_edited_after_48_hours(
        self, server: FakeBotApi, bot: Bot
    ) -> None:
        ann = server.add_user("Ann")
        sent = await bot.send_message(ann.id, "old news")
        stored = server.state.message(ann.id, sent.message_id)
        assert stored is not None
        stored.data["date"] -= EDIT_WINDOW_SECONDS + 60
        with pytest.raises(BadRequest, match="can't be edited"):
            await bot.edit_message_text("new news", chat_id=ann.id, message_id=sent.message_id)
