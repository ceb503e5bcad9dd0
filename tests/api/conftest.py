"""Fixtures for API tests: the ASGI app over a fresh desk, a client, and logged-in callers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.settings import ApiSettings
from core.clock import ManualClock
from core.desk import Desk
from core.services.telegram_login import sign_init_data

BOT_TOKEN = "123456:api-test-token"
PASSWORD = "a-long-secret-pass"

Login = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture(name="app")
def fixture_app(desk: Desk) -> FastAPI:
    """The API over the test desk."""
    return create_app(desk, ApiSettings(telegram_bot_token=BOT_TOKEN, _env_file=None))


@pytest.fixture(name="client")
async def fixture_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk.test") as client:
        yield client


def init_data(clock: ManualClock, user_id: int, name: str = "Ann", **extra: str) -> str:
    """Mini App login data for a Telegram user, signed with the test bot's token."""
    user = {"id": user_id, "first_name": name, "username": name.lower()}
    fields = {"auth_date": str(int(clock.now().timestamp())), "user": json.dumps(user), **extra}
    return sign_init_data(fields, BOT_TOKEN)


@pytest.fixture(name="customer_login")
def fixture_customer_login(client: httpx.AsyncClient, clock: ManualClock) -> Login:
    """Log a Telegram customer in; returns the Authorization header."""

    async def login(user_id: int = 7001, name: str = "Ann") -> dict[str, str]:
        answer = await client.post(
            "/users/login", json={"telegram_init_data": init_data(clock, user_id, name)}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    return login


@pytest.fixture(name="agent")
async def fixture_agent(desk: Desk, client: httpx.AsyncClient) -> dict[str, str]:
    """An admin agent logged in by password; the Authorization header."""
    await desk.accounts.add_agent("alice", PASSWORD, is_admin=True)
    answer = await client.post("/users/login", json={"username": "alice", "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture(name="ann")
async def fixture_ann(customer_login: Login) -> dict[str, str]:
    """Customer Ann (Telegram 7001), logged in through the Mini App."""
    return await customer_login(7001, "Ann")


@pytest.fixture(name="bob")
async def fixture_bob(customer_login: Login) -> dict[str, str]:
    """Customer Bob (Telegram 7002), logged in through the Mini App."""
    return await customer_login(7002, "Bob")
