"""Updates of different chats are handled side by side; one chat's stay in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from core.domain.actors import Actor
from sandbox.botapi import FakeBotApi, FakeUser
from tests.e2e.conftest import Harness, e2e_settings


@pytest.fixture(name="settings")
def fixture_settings(
    server: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """The e2e settings, with Telegram's real pace of one message a second per private chat."""
    monkeypatch.chdir(tmp_path)
    return e2e_settings(server, tmp_path, flood_limit_private_per_second=1)


def _answers(server: FakeBotApi, user: FakeUser) -> list[str]:
    return [
        str(call.params.get("text"))
        for call in server.calls_of("sendMessage")
        if int(call.params["chat_id"]) == user.id and call.status == 200
    ]


class TestChatsSideBySide:
    async def test_a_chat_held_back_by_its_flood_limit_does_not_hold_up_another(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann, bob = server.add_user("Ann"), server.add_user("Bob")
        for part in range(4):  # no ticket yet: each is held and answered, a second apart
            await server.user_sends(ann, f"Part {part} of my story")
        await server.user_sends(bob, "/help")

        await server.wait_for(lambda: len(_answers(server, ann)) == 4, timeout=15)
        answered = [
            int(call.params["chat_id"])
            for call in server.calls_of("sendMessage")
            if int(call.params["chat_id"]) in (ann.id, bob.id)
        ]
        assert bob.id in answered
        assert answered.index(bob.id) < len(answered) - 1, "Bob did not wait for all of Ann's"
        assert "Open a ticket" in str(server.bot_messages(ann)[0].get("reply_markup"))
        assert all(text.startswith("Added.") for text in _answers(server, ann)[1:])

    async def test_one_chats_updates_are_handled_in_the_order_sent(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        for part in range(6):
            await server.user_sends(ann, f"In order {part}")
        await desk_bot.settled()
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        texts = [m.text for m in detail.messages if m.text.startswith("In order")]
        assert texts == [f"In order {part}" for part in range(6)]
