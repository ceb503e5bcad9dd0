"""The HTTP API served by uvicorn on a real port, beside the real bot and the fake Telegram.

What a client does over HTTP must show in Telegram: the API writes through its own desk
(as ``helpdesk api`` would, another connection to the same database) and the bot delivers.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.settings import ApiSettings
from core.desk import Desk
from core.services.telegram_login import sign_init_data
from sandbox.botapi import FakeUser
from tests.e2e.conftest import PASSWORD, Harness


@dataclass
class Api:
    """An HTTP client for the API served on loopback, and the harness around it."""

    client: httpx.AsyncClient
    harness: Harness

    async def agent_login(self, user: FakeUser) -> dict[str, str]:
        """Log an agent in by password (the account the harness made for ``user``)."""
        answer = await self.client.post(
            "/users/login", json={"username": user.username, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    async def customer_login(self, user: FakeUser) -> dict[str, str]:
        """Log a customer in with Mini App data signed with the bot's own token."""
        fields = {
            "auth_date": str(int(time.time())),
            "user": json.dumps({"id": user.id, "first_name": user.first_name}),
        }
        init_data = sign_init_data(fields, self.harness.server.token)
        answer = await self.client.post("/users/login", json={"telegram_init_data": init_data})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture(name="api")
async def fixture_api(desk_bot: Harness) -> AsyncIterator[Api]:
    """The API on a free loopback port, over its own desk on the bot's database."""
    settings = ApiSettings(telegram_bot_token=desk_bot.server.token, _env_file=None)
    desk = await Desk.open(
        desk_bot.settings.database_url, config=desk_bot.settings.desk_config(), migrate=False
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(desk, settings),
            host="127.0.0.1",
            port=0,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
    )
    serving = asyncio.get_running_loop().create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn sets a flag, not an event
                await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield Api(client, desk_bot)
    finally:
        server.should_exit = True
        await serving
        await desk.close()


class TestWrittenOverHttpShowsInTelegram:
    async def test_a_reply_posted_by_api_reaches_the_customer_and_the_topic(
        self, desk_bot: Harness, api: Api
    ) -> None:
        ann = desk_bot.server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        headers = await api.agent_login(agent)
        before = len(desk_bot.server.bot_messages(ann))
        answer = await api.client.post(
            f"/tickets/{number}/messages",
            json={"content": "Unplug it <now> & wait"},
            headers=headers,
        )
        assert answer.status_code == 201, answer.text
        told = await desk_bot.wait_bot_says(ann, "Unplug it <now> & wait", after=before)
        assert told["text"] == "Unplug it <now> & wait"
        await desk_bot.wait_bot_says(desk_bot.staff, "Unplug it <now> & wait", thread_id=thread)

    async def test_a_status_change_by_api_edits_the_card_and_tells_the_customer(
        self, desk_bot: Harness, api: Api
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        card = await desk_bot.wait_bot_says(desk_bot.staff, "Printer on fire", thread_id=thread)
        answer = await api.client.put(
            f"/api/v1/tickets/{number}/status",
            json={"status": "resolved"},
            headers=await api.agent_login(agent),
        )
        assert answer.status_code == 200, answer.text
        told = await desk_bot.wait_bot_says(ann, "has been resolved")
        buttons = [b["text"] for row in told["reply_markup"]["inline_keyboard"] for b in row]
        assert any("⭐" in b for b in buttons), "the customer is asked for a rating"

        def card_text() -> str:
            return str((server.message(desk_bot.staff, card["message_id"]) or {}).get("text"))

        await server.wait_for(
            lambda: "✅ resolved" in card_text(), message="the card never showed the new status"
        )

    async def test_a_ticket_reported_by_a_customer_token_gets_its_topic_and_card(
        self, desk_bot: Harness, api: Api
    ) -> None:
        ann = desk_bot.server.add_user("Ann", username="ann")
        answer = await api.client.post(
            "/tickets/report",
            json={"title": "Wi-Fi <down>", "description": "Since 9 & counting"},
            headers=await api.customer_login(ann),
        )
        assert answer.status_code == 201, answer.text
        number = answer.json()["id"]
        await desk_bot.wait_bot_says(ann, f"#{number}")
        thread = await desk_bot.topic_of(number)
        assert desk_bot.server.topic(desk_bot.staff, thread).name == f"#{number} Wi-Fi <down>"
        card = await desk_bot.wait_bot_says(desk_bot.staff, "Wi-Fi <down>", thread_id=thread)
        assert card.get("reply_markup"), "the card has its buttons"
        await desk_bot.wait_bot_says(desk_bot.staff, "Since 9 & counting", thread_id=thread)

    async def test_an_issue_reported_by_an_agent_gets_its_topic_and_tells_the_customer(
        self, desk_bot: Harness, api: Api
    ) -> None:
        ann = desk_bot.server.add_user("Ann", username="ann")
        await desk_bot.open_ticket(ann, "An earlier question")  # the desk knows Ann now
        before = len(desk_bot.server.bot_messages(ann))
        agent = await desk_bot.agent()
        answer = await api.client.post(
            "/tickets/report-issue",
            json={"username": "@ann", "issue": "Called about the invoice"},
            headers=await api.agent_login(agent),
        )
        assert answer.status_code == 201, answer.text
        number = answer.json()["id"]
        await desk_bot.wait_bot_says(ann, f"#{number}", after=before)
        thread = await desk_bot.topic_of(number)
        await desk_bot.wait_bot_says(desk_bot.staff, "Called about the invoice", thread_id=thread)
