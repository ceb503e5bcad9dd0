"""The saved world: a restart brings back everything, a damaged file is never wiped."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

from sandbox.botapi import FakeBotApi
from sandbox.persistence import Cast, WorldFileError, WorldStore
from sandbox.ready_world import build_ready_world, new_server


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    """The sandbox's server, listening, with the ready world."""
    async with new_server() as server:
        yield server


@pytest.fixture(name="cast")
def fixture_cast(server: FakeBotApi) -> Cast:
    """The ready world's cast."""
    return build_ready_world(server)


class TestWorldStore:
    async def test_a_saved_world_comes_back_whole(
        self, server: FakeBotApi, cast: Cast, tmp_path: Path
    ) -> None:
        ann = server.state.users[cast.customers[0]]
        await server.user_sends(ann, "/new")
        await server.user_sends_file(
            ann, "photo", b"PNGDATA", file_name="p.png", mime_type="image/png", caption="look"
        )
        async with Bot(server.token, base_url=server.base_url) as bot:
            topic = await bot.create_forum_topic(cast.staff_chat_id, "#1 Printer")
            await bot.send_message(
                cast.staff_chat_id,
                "<b>card</b>",
                parse_mode="HTML",
                message_thread_id=topic.message_thread_id,
            )
            await bot.close_forum_topic(cast.staff_chat_id, topic.message_thread_id)
        store = WorldStore(tmp_path)
        store.save(server, cast)

        restored = new_server()
        restored_cast = WorldStore(tmp_path).load(restored)

        assert restored_cast == cast
        for chat in (ann.id, cast.staff_chat_id):
            assert restored.chat_messages(chat, include_service=True) == server.chat_messages(
                chat, include_service=True
            )
        assert restored.topics(cast.staff_chat_id) == server.topics(cast.staff_chat_id)
        assert restored.pending_updates == server.pending_updates
        photo = restored.chat_messages(ann)[-1]["photo"][-1]["file_id"]
        assert restored.state.files.get(photo).download() == b"PNGDATA"  # type: ignore[union-attr]

    async def test_a_restored_world_goes_on_counting(
        self, server: FakeBotApi, cast: Cast, tmp_path: Path
    ) -> None:
        ann = server.state.users[cast.customers[0]]
        before = await server.user_sends(ann, "one")
        WorldStore(tmp_path).save(server, cast)
        restored = new_server()
        WorldStore(tmp_path).load(restored)

        after = await restored.user_sends(restored.state.users[ann.id], "two")
        newcomer = restored.add_user("Cleo")

        assert after["message_id"] == before["message_id"] + 1
        assert newcomer.id not in server.state.users
        ids = [update["update_id"] for update in restored.pending_updates]
        assert ids == sorted(set(ids))

    def test_unreadable_json_names_the_file(self, tmp_path: Path) -> None:
        (tmp_path / "world.json").write_text("{oops")

        with pytest.raises(WorldFileError, match=str(tmp_path / "world.json")):
            WorldStore(tmp_path).load(new_server())

        assert (tmp_path / "world.json").read_text() == "{oops"

    def test_a_world_with_parts_missing_names_the_file(self, tmp_path: Path) -> None:
        (tmp_path / "world.json").write_text(json.dumps({"format": 1, "sequences": {}}))

        with pytest.raises(WorldFileError, match="damaged"):
            WorldStore(tmp_path).load(new_server())

    def test_another_json_file_is_not_a_world(self, tmp_path: Path) -> None:
        (tmp_path / "world.json").write_text("[1, 2]")

        with pytest.raises(WorldFileError, match="not a sandbox world"):
            WorldStore(tmp_path).load(new_server())
