"""API tokens: login by password or Telegram data, expiry, revocation, integration tokens."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import ManualClock
from core.desk import Desk
from core.domain.actors import Actor
from core.errors import AccountLocked, AuthenticationFailed, CredentialsRejected, InvalidInput
from core.services.api_tokens import token_digest
from core.services.telegram_login import sign_init_data
from core.store.tables import ApiTokenRow
from tests.core.conftest import PASSWORD

TTL = timedelta(hours=12)
BOT_TOKEN = "123456:bot"


def init_data(clock: ManualClock, user_id: int, **extra: str) -> str:
    fields = {
        "auth_date": str(int(clock.now().timestamp())),
        "user": json.dumps({"id": user_id, "first_name": "Cat"}),
        **extra,
    }
    return sign_init_data(fields, BOT_TOKEN)


class TestPasswordLogin:
    async def test_token_speaks_for_the_agent_and_is_stored_only_as_a_digest(
        self, desk: Desk
    ) -> None:
        await desk.accounts.add_agent("carol", PASSWORD)
        issued = await desk.tokens.login_with_password("carol", PASSWORD, TTL)
        assert len(issued.secret) >= 43  # 256 bits, base64
        actor = await desk.tokens.actor_for(issued.secret)
        assert (actor.is_agent, actor.name) == (True, "carol")
        async with desk.database.read_session() as session:
            digests = list(await session.scalars(select(ApiTokenRow.digest)))
        assert digests == [token_digest(issued.secret)]

    async def test_failures_share_the_lockout_with_telegram_login(self, desk: Desk) -> None:
        await desk.accounts.add_agent("carol", PASSWORD)
        for _ in range(2):
            with pytest.raises(AuthenticationFailed):
                await desk.accounts.login("carol", "wrong-password", 5001)
        for _ in range(2):
            with pytest.raises(AuthenticationFailed):
                await desk.tokens.login_with_password("carol", "wrong-password", TTL)
        with pytest.raises(AccountLocked):
            await desk.tokens.login_with_password("carol", "wrong-password", TTL)
        with pytest.raises(AccountLocked):
            await desk.accounts.login("carol", PASSWORD, 5002)


class TestTokenLife:
    async def test_expired_token_is_refused(self, desk: Desk, clock: ManualClock) -> None:
        await desk.accounts.add_agent("carol", PASSWORD)
        issued = await desk.tokens.login_with_password("carol", PASSWORD, TTL)
        clock.advance(TTL)
        with pytest.raises(CredentialsRejected, match="expired"):
            await desk.tokens.actor_for(issued.secret)

    async def test_logout_revokes_the_token(self, desk: Desk) -> None:
        await desk.accounts.add_agent("carol", PASSWORD)
        issued = await desk.tokens.login_with_password("carol", PASSWORD, TTL)
        await desk.tokens.revoke(issued.secret)
        with pytest.raises(CredentialsRejected, match="revoked"):
            await desk.tokens.actor_for(issued.secret)

    @pytest.mark.parametrize("change", ["disable", "password"])
    async def test_disabling_or_a_new_password_revokes_the_agents_tokens(
        self, desk: Desk, change: str
    ) -> None:
        await desk.accounts.add_agent("carol", PASSWORD)
        issued = await desk.tokens.login_with_password("carol", PASSWORD, TTL)
        if change == "disable":
            await desk.accounts.set_active("carol", active=False)
            await desk.accounts.set_active("carol", active=True)
        else:
            await desk.accounts.reset_password("carol", "another-long-pass")
        with pytest.raises(CredentialsRejected):
            await desk.tokens.actor_for(issued.secret)

    async def test_unknown_token_is_refused(self, desk: Desk) -> None:
        with pytest.raises(CredentialsRejected):
            await desk.tokens.actor_for("not-a-token")


class TestTelegramLogin:
    async def test_a_customer_gets_a_customer_token(self, desk: Desk, clock: ManualClock) -> None:
        issued = await desk.tokens.login_with_telegram(
            init_data(clock, 4242), bot_token=BOT_TOKEN, max_age=TTL, ttl=TTL
        )
        actor = await desk.tokens.actor_for(issued.secret)
        assert (actor.is_customer, actor.ref, actor.name) == (True, 4242, "Cat")

    async def test_the_linked_agent_gets_an_agent_token(
        self, desk: Desk, clock: ManualClock, alice: Actor
    ) -> None:
        issued = await desk.tokens.login_with_telegram(
            init_data(clock, 9001), bot_token=BOT_TOKEN, max_age=TTL, ttl=TTL
        )
        assert await desk.tokens.actor_for(issued.secret) == alice

    async def test_the_same_data_cannot_be_exchanged_twice(
        self, desk: Desk, clock: ManualClock
    ) -> None:
        data = init_data(clock, 4242)
        await desk.tokens.login_with_telegram(data, bot_token=BOT_TOKEN, max_age=TTL, ttl=TTL)
        with pytest.raises(CredentialsRejected, match="used before"):
            await desk.tokens.login_with_telegram(data, bot_token=BOT_TOKEN, max_age=TTL, ttl=TTL)


class TestIntegrationTokens:
    async def test_named_token_never_expires_and_is_listed_and_revoked_by_name(
        self, desk: Desk, clock: ManualClock, alice: Actor
    ) -> None:
        issued = await desk.tokens.create_integration("crm", "alice")
        clock.advance(timedelta(days=400))
        assert await desk.tokens.actor_for(issued.secret) == alice
        [info] = await desk.tokens.list_named()
        assert (info.name, info.agent, info.revoked_at) == ("crm", "alice", None)
        await desk.tokens.revoke_named("crm")
        with pytest.raises(CredentialsRejected):
            await desk.tokens.actor_for(issued.secret)
        with pytest.raises(InvalidInput):
            await desk.tokens.revoke_named("crm")

    async def test_without_an_agent_the_token_acts_as_its_own_account(self, desk: Desk) -> None:
        issued = await desk.tokens.create_integration("website", None)
        actor = await desk.tokens.actor_for(issued.secret)
        assert (actor.is_agent, actor.name) == (True, "website")

    async def test_without_an_agent_a_persons_account_is_never_taken_over(
        self, desk: Desk, alice: Actor
    ) -> None:
        with pytest.raises(InvalidInput, match="--agent alice"):
            await desk.tokens.create_integration("alice", None)
        assert await desk.tokens.list_named() == []
        issued = await desk.tokens.create_integration("alice", "alice")  # said so: it may
        assert await desk.tokens.actor_for(issued.secret) == alice

    async def test_a_name_is_used_once(self, desk: Desk, alice: Actor) -> None:
        await desk.tokens.create_integration("crm", "alice")
        with pytest.raises(InvalidInput, match="was made before"):
            await desk.tokens.create_integration("crm", "alice")
