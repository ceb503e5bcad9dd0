"""The fake server queues raw updates, malformed on purpose, exactly as given."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sandbox.botapi import FakeBotApi

NO_DATE = {"message_id": 5, "text": "hello", "chat": {"id": 42, "type": "private"}}


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API server on a free port."""
    async with FakeBotApi() as server:
        yield server


async def _get_updates(server: FakeBotApi) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{server.base_url}{server.token}/getUpdates", data={"timeout": "0"}
        )
    body = response.json()
    assert body["ok"] is True
    return list(body["result"])


class TestRawUpdates:
    async def test_a_raw_update_reaches_the_bot_unchanged(self, server: FakeBotApi) -> None:
        queued = server.inject_raw_update("message", NO_DATE)

        assert await _get_updates(server) == [
            {"update_id": queued["update_id"], "message": NO_DATE}
        ]

    async def test_raw_updates_take_their_turn_among_the_others(self, server: FakeBotApi) -> None:
        ann = server.add_user("Ann")
        await server.user_sends(ann, "before")
        server.inject_raw_update("brand_new_kind", {"x": 1})
        await server.user_sends(ann, "after")

        batch = await _get_updates(server)

        assert [next(k for k in u if k != "update_id") for u in batch] == [
            "message",
            "brand_new_kind",
            "message",
        ]
        assert [u["update_id"] for u in batch] == [1, 2, 3]

    async def test_the_control_api_injects_one(self, server: FakeBotApi) -> None:
        async with httpx.AsyncClient(base_url=server.root_url) as client:
            response = await client.post(
                "/_control/raw_updates", json={"kind": "message", "payload": NO_DATE}
            )
        queued = response.json()

        assert queued == {"update_id": 1, "message": NO_DATE}
        assert await _get_updates(server) == [queued]

    async def test_the_control_api_refuses_a_payload_that_is_not_an_object(
        self, server: FakeBotApi
    ) -> None:
        async with httpx.AsyncClient(base_url=server.root_url) as client:
            response = await client.post(
                "/_control/raw_updates", json={"kind": "message", "payload": "text"}
            )
        body = response.json()

        assert response.status_code == 400
        assert "payload" in body["error"]
