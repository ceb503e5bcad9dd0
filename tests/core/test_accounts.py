"""Agent accounts: bcrypt hashes, password rules, login binding, lockout."""

from __future__ import annotations

import logging
from datetime import timedelta

import bcrypt
import pytest
from sqlalchemy import select

from core.clock import ManualClock
from core.desk import Desk
from core.errors import (
    AccountLocked,
    AgentNotFound,
    AuthenticationFailed,
    InvalidInput,
    PasswordRejected,
    UsernameTaken,
)
from core.store.tables import AgentRow
from tests.core.conftest import PASSWORD


async def _stored_hash(desk: Desk, username: str) -> str:
    async with desk.database.read_session() as session:
        return str(
            await session.scalar(
                select(AgentRow.password_hash).where(AgentRow.username == username)
            )
        )


class TestAdministration:
    async def test_add_stores_a_bcrypt_hash_at_the_configured_cost(self, desk: Desk) -> None:
        await desk.accounts.add_agent("alice", PASSWORD)
        stored = await _stored_hash(desk, "alice")
        assert PASSWORD not in stored
        assert stored.startswith("$2b$04$")  # the tests' config asks for cost 4
        assert bcrypt.checkpw(PASSWORD.encode(), stored.encode())

    async def test_usernames_are_case_insensitive_and_unique(self, desk: Desk) -> None:
        await desk.accounts.add_agent("Alice", PASSWORD)
        with pytest.raises(UsernameTaken, match="'alice' is already taken"):
            await desk.accounts.add_agent("ALICE", PASSWORD)

    @pytest.mark.parametrize("username", ["", "a", "has space", "<b>", "x" * 33, "ünïcode"])
    async def test_malformed_usernames_are_refused(self, desk: Desk, username: str) -> None:
        with pytest.raises(InvalidInput, match="2 to 32 characters"):
            await desk.accounts.add_agent(username, PASSWORD)

    async def test_short_password_is_refused(self, desk: Desk) -> None:
        with pytest.raises(PasswordRejected, match="at least 10 characters"):
            await desk.accounts.add_agent("alice", "short")

    async def test_password_over_72_bytes_is_refused_not_truncated(self, desk: Desk) -> None:
        emoji = "🔑" * 19  # 19 characters, 76 bytes
        with pytest.raises(PasswordRejected, match="72 bytes"):
            await desk.accounts.add_agent("alice", emoji)
        assert await desk.accounts.list_agents() == []

    async def test_list_disable_and_reset(self, desk: Desk) -> None:
        await desk.accounts.add_agent("bob", PASSWORD)
        await desk.accounts.add_agent("alice", PASSWORD, is_admin=True)
        assert [(a.username, a.is_admin) for a in await desk.accounts.list_agents()] == [
            ("alice", True),
            ("bob", False),
        ]
        await desk.accounts.login("bob", PASSWORD, 42)
        disabled = await desk.accounts.set_active("bob", active=False)
        assert not disabled.is_active
        assert disabled.telegram_user_id is None
        assert await desk.accounts.agent_for(42) is None
        with pytest.raises(AuthenticationFailed):
            await desk.accounts.login("bob", PASSWORD, 42)
        with pytest.raises(AgentNotFound):
            await desk.accounts.set_active("nobody", active=False)

    async def test_reset_password_replaces_the_hash_and_ends_the_login(self, desk: Desk) -> None:
        await desk.accounts.add_agent("alice", PASSWORD)
        await desk.accounts.login("alice", PASSWORD, 42)
        await desk.accounts.reset_password("alice", "brand-new-password")
        assert await desk.accounts.agent_for(42) is None
        with pytest.raises(AuthenticationFailed):
            await desk.accounts.login("alice", PASSWORD, 42)
        assert (await desk.accounts.login("alice", "brand-new-password", 42)).username == "alice"


class TestLogin:
    async def test_login_binds_the_telegram_account(self, desk: Desk) -> None:
        await desk.accounts.add_agent("alice", PASSWORD)
        view = await desk.accounts.login(" Alice ", PASSWORD, 9001)
        assert view.telegram_user_id == 9001
        found = await desk.accounts.agent_for(9001)
        assert found is not None
        assert found.username == "alice"

    async def test_one_telegram_account_speaks_for_one_agent(self, desk: Desk) -> None:
        await desk.accounts.add_agent("alice", PASSWORD)
        await desk.accounts.add_agent("bob", PASSWORD)
        await desk.accounts.login("alice", PASSWORD, 9001)
        await desk.accounts.login("bob", PASSWORD, 9001)
        found = await desk.accounts.agent_for(9001)
        assert found is not None
        assert found.username == "bob"
        assert [a.telegram_user_id for a in await desk.accounts.list_agents()] == [None, 9001]

    async def test_logout_unbinds(self, desk: Desk) -> None:
        await desk.accounts.add_agent("alice", PASSWORD)
        await desk.accounts.login("alice", PASSWORD, 9001)
        assert await desk.accounts.logout(9001) is not None
        assert await desk.accounts.agent_for(9001) is None
        assert await desk.accounts.logout(9001) is None

    async def test_wrong_username_and_wrong_password_get_the_same_answer(self, desk: Desk) -> None:
        await desk.accounts.add_agent("alice", PASSWORD)
        with pytest.raises(AuthenticationFailed) as wrong_password:
            await desk.accounts.login("alice", "not-the-password", 1)
        with pytest.raises(AuthenticationFailed) as wrong_username:
            await desk.accounts.login("mallory", PASSWORD, 2)
        assert (
            str(wrong_password.value) == str(wrong_username.value) == "Wrong username or password."
        )

    async def test_five_failures_lock_the_account_for_fifteen_minutes(
        self, desk: Desk, clock: ManualClock
    ) -> None:
        await desk.accounts.add_agent("alice", PASSWORD)
        for attempt in range(4):
            with pytest.raises(AuthenticationFailed):
                await desk.accounts.login("alice", f"wrong-{attempt}", 100 + attempt)
        with pytest.raises(AccountLocked) as locked:
            await desk.accounts.login("alice", "wrong-5", 200)
        assert locked.value.until == clock.now() + timedelta(minutes=15)
        # Even the right password is refused while locked, from any Telegram account.
        with pytest.raises(AccountLocked):
            await desk.accounts.login("alice", PASSWORD, 300)
        clock.advance(timedelta(minutes=15, seconds=1))
        assert (await desk.accounts.login("alice", PASSWORD, 300)).username == "alice"

    async def test_one_telegram_account_guessing_many_usernames_is_locked(
        self, desk: Desk, clock: ManualClock
    ) -> None:
        await desk.accounts.add_agent("alice", PASSWORD)
        for name in ("a1", "a2", "a3", "a4"):
            with pytest.raises(AuthenticationFailed):
                await desk.accounts.login(name, PASSWORD, 666)
        with pytest.raises(AccountLocked):
            await desk.accounts.login("a5", PASSWORD, 666)
        with pytest.raises(AccountLocked):
            await desk.accounts.login("alice", PASSWORD, 666)
        # Others are not affected.
        assert (await desk.accounts.login("alice", PASSWORD, 667)).username == "alice"
        clock.advance(timedelta(minutes=16))
        assert (await desk.accounts.login("alice", PASSWORD, 666)).username == "alice"

    async def test_success_resets_the_failure_count(self, desk: Desk) -> None:
        await desk.accounts.add_agent("alice", PASSWORD)
        for _ in range(4):
            with pytest.raises(AuthenticationFailed):
                await desk.accounts.login("alice", "wrong-password", 1)
        await desk.accounts.login("alice", PASSWORD, 1)
        for _ in range(4):
            with pytest.raises(AuthenticationFailed):
                await desk.accounts.login("alice", "wrong-password", 1)

    async def test_overlong_password_at_login_is_just_wrong(self, desk: Desk) -> None:
        await desk.accounts.add_agent("alice", PASSWORD)
        with pytest.raises(AuthenticationFailed):
            await desk.accounts.login("alice", PASSWORD * 10, 1)

    async def test_no_password_reaches_the_logs(
        self, desk: Desk, caplog: pytest.LogCaptureFixture
    ) -> None:
        # SQL statement logging on (what echo=True does), as someone debugging would turn it on.
        caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
        caplog.set_level(logging.DEBUG, logger="core")
        await desk.accounts.add_agent("alice", PASSWORD)
        await desk.accounts.login("alice", PASSWORD, 1)
        with pytest.raises(AuthenticationFailed):
            await desk.accounts.login("alice", "guess-password-123", 1)
        await desk.accounts.reset_password("alice", "next-password-456")
        assert any("UPDATE agents" in r.getMessage() for r in caplog.records), "SQL was logged"
        stored = await _stored_hash(desk, "alice")
        for secret in (PASSWORD, "guess-password-123", "next-password-456", stored):
            assert secret not in caplog.text
