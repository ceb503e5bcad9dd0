"""Startup: command menus per scope, and clear warnings about the staff chat."""

from __future__ import annotations

import logging

import pytest

from bot.main import start_bot
from bot.settings import Settings
from sandbox.botapi import FakeBotApi
from tests.e2e.conftest import Harness


def _names(commands: list[dict[str, object]]) -> list[str]:
    return [str(c["command"]) for c in commands]


class TestMenus:
    async def test_customers_the_staff_chat_and_agents_get_their_own_menus(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        assert _names(server.commands({"type": "all_private_chats"})) == [
            "new",
            "my",
            "close",
            "language",
            "cancel",
            "help",
        ]
        staff_menu = _names(server.commands({"type": "chat", "chat_id": desk_bot.staff.id}))
        assert staff_menu == ["note", "ban"]
        agent = server.add_user("Alice", username="alice_tg")
        await desk_bot.desk.accounts.add_agent("alice", "a-long-secret-pass")
        await server.user_sends(agent, "/login alice")
        await desk_bot.wait_bot_says(agent, "password")
        await server.user_sends(agent, "a-long-secret-pass")
        await desk_bot.wait_bot_says(agent, "Logged in")
        assert "queue" in _names(server.commands({"type": "chat", "chat_id": agent.id}))
        await server.user_sends(agent, "/logout")
        await desk_bot.wait_bot_says(agent, "Logged out")
        assert server.commands({"type": "chat", "chat_id": agent.id}) == []

    async def test_agents_logged_in_before_a_restart_keep_their_menu(
        self, desk_bot: Harness
    ) -> None:
        agent = await desk_bot.agent()
        await desk_bot.restart()
        assert "ticket" in _names(desk_bot.server.commands({"type": "chat", "chat_id": agent.id}))


class TestStaffChatChecks:
    async def test_missing_staff_chat_is_a_clear_warning(
        self, server: FakeBotApi, settings: Settings, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING)
        running = await start_bot(settings.model_copy(update={"staff_chat_id": None}))
        await running.stop()
        assert "STAFF_CHAT_ID is not set" in caplog.text

    async def test_a_group_without_topics_is_a_clear_warning(
        self, server: FakeBotApi, settings: Settings, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING)
        plain = server.add_group("Plain staff", forum=False)
        running = await start_bot(settings.model_copy(update={"staff_chat_id": plain.id}))
        await running.stop()
        assert "has no topics" in caplog.text

    async def test_a_bot_that_is_no_admin_or_may_not_manage_topics_is_a_clear_warning(
        self, server: FakeBotApi, settings: Settings, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING)
        not_admin = server.add_forum("Not admin", bot_status="member")
        no_topics = server.add_forum("No topic right", bot_can_manage_topics=False)
        no_deleting = server.add_forum("No delete right", bot_can_delete_messages=False)
        for chat in (not_admin, no_topics, no_deleting):
            running = await start_bot(settings.model_copy(update={"staff_chat_id": chat.id}))
            await running.stop()
        assert "is not an admin of the staff chat" in caplog.text
        assert "may not manage topics" in caplog.text
        assert "may not delete messages in the staff chat 'No delete right'" in caplog.text
        assert "may not delete messages in the staff chat 'No topic right'" not in caplog.text

    async def test_an_unknown_staff_chat_is_a_clear_warning(
        self, server: FakeBotApi, settings: Settings, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING)
        running = await start_bot(settings.model_copy(update={"staff_chat_id": -100999}))
        await running.stop()
        assert "cannot reach the staff chat" in caplog.text

    async def test_chatid_tells_a_group_its_id(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        member = server.add_user("Admin")
        desk_bot.staff.add_member(member)
        await server.user_sends(member, "/chatid", chat=desk_bot.staff)
        answer = await desk_bot.wait_bot_says(desk_bot.staff, "This chat's id is")
        assert str(desk_bot.staff.id) in str(answer["text"])
        assert "This is the staff chat" in str(answer["text"])
