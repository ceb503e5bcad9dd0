"""Bans over the fake Telegram, and groups that are not the staff chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.handlers.gate import BANNED_NOTICE, FOREIGN_GROUP_LINE
from bot.settings import Settings
from core.domain.actors import Actor
from core.domain.values import Status
from core.store.tables import HeldMessageRow
from sandbox.botapi import FakeBotApi
from tests.e2e.conftest import PASSWORD, Harness, e2e_settings


class TestBans:
    async def test_ban_holds_messages_answers_once_and_unban_serves_again(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        agent = await desk_bot.agent()
        ann = server.add_user("Ann", username="ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)

        await server.user_sends(agent, f"/ban {number} spam links")
        await desk_bot.wait_bot_says(agent, "Banned Ann")
        ticket = await desk_bot.desk.queries.find_ticket(Actor.system(), number)
        assert ticket.status is Status.CLOSED
        await desk_bot.settled()
        topic_before = len(server.chat_messages(desk_bot.staff, thread))
        ann_before = len(server.bot_messages(ann))

        await server.user_sends(ann, "let me in")
        await server.user_sends(ann, "hello?")
        await server.user_sends(ann, "/new")
        await desk_bot.settled()
        said = [m["text"] for m in server.bot_messages(ann)[ann_before:]]
        assert said == [BANNED_NOTICE]
        assert len(server.chat_messages(desk_bot.staff, thread)) == topic_before
        async with desk_bot.desk.database.read_session() as session:
            held = list(await session.scalars(select(HeldMessageRow.content)))
        assert [content["text"] for content in held] == ["let me in", "hello?", "/new"]

        await server.user_sends(agent, "/unban @ann")
        await desk_bot.wait_bot_says(agent, "no longer banned")
        await server.user_sends(ann, "/new")
        await desk_bot.wait_bot_says(ann, "subject", after=ann_before + 1)

    async def test_ban_in_a_topic_and_the_list(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        agent = await desk_bot.agent()
        bob = server.add_user("Bob")
        number = await desk_bot.open_ticket(bob)
        thread = await desk_bot.topic_of(number)
        await server.user_sends(agent, "/ban abusive", chat=desk_bot.staff, thread_id=thread)
        await desk_bot.wait_bot_says(desk_bot.staff, "Banned Bob", thread_id=thread)
        await server.user_sends(agent, "/banned")
        listing = await desk_bot.wait_bot_says(agent, "Banned (1)")
        assert "Bob" in listing["text"]
        assert "abusive" in listing["text"]

    async def test_bad_targets_get_clear_answers(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        agent = await desk_bot.agent()
        carol = server.add_user("Carol")
        carols = await desk_bot.open_ticket(carol)  # written as a customer, then hired
        await desk_bot.desk.accounts.add_agent("carol", PASSWORD)
        await desk_bot.desk.accounts.login("carol", PASSWORD, carol.id)
        await server.user_sends(agent, "/ban 999")
        await desk_bot.wait_bot_says(agent, "#999")
        await server.user_sends(agent, "/ban someone")
        await desk_bot.wait_bot_says(agent, "names no customer")
        await server.user_sends(agent, f"/ban {carols}")
        await desk_bot.wait_bot_says(agent, "agents are never banned")
        customer = server.add_user("Dan")
        await server.user_sends(customer, "/ban 1")
        await desk_bot.wait_bot_says(customer, "for agents")


class TestForeignGroups:
    async def test_the_bot_says_one_line_and_leaves(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        mallory = server.add_user("Mallory")
        group = await server.user_adds_bot(mallory, "Crypto deals")
        await server.wait_for(lambda: server.calls_of("leaveChat"), timeout=10)
        await server.user_sends(mallory, "/start", chat=group)  # the bot is gone: unseen
        await desk_bot.settled()
        assert [m["text"] for m in server.bot_messages(group)] == [FOREIGN_GROUP_LINE]
        assert len(server.calls_of("leaveChat")) == 1


@pytest.fixture(name="setup_bot")
async def fixture_setup_bot(
    server: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    """The bot before STAFF_CHAT_ID is set."""
    monkeypatch.chdir(tmp_path)
    settings: Settings = e2e_settings(server, tmp_path, staff_chat_id=None)
    harness = Harness(server, server.add_forum("Not yet staff"), settings)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


class TestDuringSetup:
    async def test_chatid_works_and_the_bot_stays(self, setup_bot: Harness) -> None:
        server = setup_bot.server
        admin = server.add_user("Admin")
        team = await server.user_adds_bot(admin, "Our team")
        await server.user_sends(admin, "/chatid", chat=team)
        answer = await setup_bot.wait_bot_says(team, "this chat's id")
        assert str(team.id) in answer["text"]
        assert server.calls_of("leaveChat") == []
