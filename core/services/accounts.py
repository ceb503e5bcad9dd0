"""Agent accounts: administration, login and logout.

A login binds the agent to the Telegram account it came from; that binding is what makes
someone an agent in the staff chat. Failed logins are counted per account and per Telegram
account, so guessing is locked out whether it targets one username or many.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import DeskConfig
from core.domain.actors import Actor
from core.errors import (
    AccountLocked,
    AgentNotFound,
    AuthenticationFailed,
    InvalidInput,
    PermissionDenied,
    UsernameTaken,
)
from core.services.common import ServiceContext
from core.services.passwords import check_password, hash_password, validate_new_password
from core.store.tables import AgentRow, ApiTokenRow, LoginThrottleRow
from core.store.to_views import agent_view
from core.views import AgentView

_USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{1,31}")


def normalize_username(username: str) -> str:
    """Lower-case and check a username: 2–32 of a–z, 0–9, ``_``, ``.``, ``-``.

    Raises:
        InvalidInput: the username has other characters or the wrong length.
    """
    cleaned = username.strip().lower()
    if not _USERNAME.fullmatch(cleaned):
        raise InvalidInput(
            "A username has 2 to 32 characters: letters a–z, digits, '_', '.' or '-', "
            "starting with a letter or digit."
        )
    return cleaned


class AccountService:
    """Agent administration and authentication."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def _check_admin(self, by: Actor | None) -> None:
        if by is None:
            return
        async with self._ctx.database.read_session() as session:
            row = await session.get(AgentRow, by.ref) if by.is_agent else None
        if row is None or not (row.is_admin and row.is_active):
            raise PermissionDenied("Only an admin agent can manage agent accounts.")

    async def add_agent(
        self, username: str, password: str, *, is_admin: bool = False, by: Actor | None = None
    ) -> AgentView:
        """Create an agent account.

        Raises:
            InvalidInput: the username is malformed.
            UsernameTaken: another agent has it.
            PasswordRejected: the password breaks a rule.
            PermissionDenied: ``by`` is not an admin agent.
        """
        await self._check_admin(by)
        name = normalize_username(username)
        validate_new_password(password, self._ctx.config.password_min_length)
        hashed = await hash_password(password, self._ctx.config.bcrypt_rounds)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            if await session.scalar(select(AgentRow.id).where(AgentRow.username == name)):
                raise UsernameTaken(name)
            agent = AgentRow(
                username=name,
                password_hash=hashed,
                is_admin=is_admin,
                is_active=True,
                failed_logins=0,
                created_at=now,
            )
            session.add(agent)
            await session.commit()
            return agent_view(agent)

    async def list_agents(self, *, by: Actor | None = None) -> list[AgentView]:
        """List every agent account, by username.

        Raises:
            PermissionDenied: ``by`` is not an admin agent.
        """
        await self._check_admin(by)
        async with self._ctx.database.read_session() as session:
            rows = await session.scalars(select(AgentRow).order_by(AgentRow.username))
            return [agent_view(row) for row in rows]

    async def get_agent(self, username: str) -> AgentView:
        """Find one agent by username.

        Raises:
            AgentNotFound: nobody has that username.
        """
        name = username.strip().lower()
        async with self._ctx.database.read_session() as session:
            row = await session.scalar(select(AgentRow).where(AgentRow.username == name))
        if row is None:
            raise AgentNotFound(name)
        return agent_view(row)

    async def set_active(
        self, username: str, *, active: bool, by: Actor | None = None
    ) -> AgentView:
        """Disable (and log out) or re-enable an agent.

        Raises:
            AgentNotFound: nobody has that username.
            PermissionDenied: ``by`` is not an admin agent.
        """
        await self._check_admin(by)
        name = username.strip().lower()
        async with self._ctx.database.write_session() as session:
            agent = await session.scalar(select(AgentRow).where(AgentRow.username == name))
            if agent is None:
                raise AgentNotFound(name)
            agent.is_active = active
            if not active:
                agent.telegram_user_id = None
                await revoke_agent_tokens(session, agent.id, self._ctx.clock.now())
            await session.commit()
            return agent_view(agent)

    async def reset_password(
        self, username: str, password: str, *, by: Actor | None = None
    ) -> AgentView:
        """Give an agent a new password; it unlocks the account and ends its login.

        Raises:
            AgentNotFound: nobody has that username.
            PasswordRejected: the password breaks a rule.
            PermissionDenied: ``by`` is not an admin agent.
        """
        await self._check_admin(by)
        name = username.strip().lower()
        validate_new_password(password, self._ctx.config.password_min_length)
        hashed = await hash_password(password, self._ctx.config.bcrypt_rounds)
        async with self._ctx.database.write_session() as session:
            agent = await session.scalar(select(AgentRow).where(AgentRow.username == name))
            if agent is None:
                raise AgentNotFound(name)
            agent.password_hash = hashed
            agent.failed_logins = 0
            agent.locked_until = None
            agent.telegram_user_id = None
            await revoke_agent_tokens(session, agent.id, self._ctx.clock.now())
            await session.commit()
            return agent_view(agent)

    async def login(self, username: str, password: str, telegram_user_id: int) -> AgentView:
        """Check credentials and bind the agent to this Telegram account.

        Raises:
            AuthenticationFailed: wrong username or password, or a disabled account (one
                answer for all, so the answer does not tell which usernames exist).
            AccountLocked: too many failures, for this account or from this Telegram account.
        """
        agent_id = await self._check_credentials(username, password, telegram_user_id)
        return await self._bind(agent_id, telegram_user_id)

    async def authenticate(self, username: str, password: str) -> AgentView:
        """Check credentials without binding a Telegram account (an HTTP API login).

        Failures count against the same per-account lockout as ``login``, so guessing
        over HTTP and in Telegram together gets no more tries than either alone.

        Raises:
            AuthenticationFailed: wrong username or password, or a disabled account.
            AccountLocked: too many failures for this account.
        """
        agent_id = await self._check_credentials(username, password, None)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            agent = await session.get_one(AgentRow, agent_id)
            if not agent.is_active:  # disabled while the password was being checked
                raise AuthenticationFailed
            agent.failed_logins = 0
            agent.locked_until = None
            agent.last_login_at = now
            await session.commit()
            return agent_view(agent)

    async def _check_credentials(
        self, username: str, password: str, telegram_user_id: int | None
    ) -> int:
        config = self._ctx.config
        now = self._ctx.clock.now()
        name = username.strip().lower()
        async with self._ctx.database.read_session() as session:
            throttle = (
                await session.get(LoginThrottleRow, telegram_user_id)
                if telegram_user_id is not None
                else None
            )
            agent = await session.scalar(select(AgentRow).where(AgentRow.username == name))
        for locked_until in (
            throttle.locked_until if throttle else None,
            agent.locked_until if agent else None,
        ):
            if locked_until is not None and locked_until > now:
                raise AccountLocked(locked_until)

        usable = agent is not None and agent.is_active
        hashed = agent.password_hash if agent is not None and usable else None
        if await check_password(password, hashed, config.bcrypt_rounds) and agent is not None:
            return agent.id
        locked_until = await self._count_failure(agent.id if agent else None, telegram_user_id)
        if locked_until is not None:
            raise AccountLocked(locked_until)
        raise AuthenticationFailed

    async def _bind(self, agent_id: int, telegram_user_id: int) -> AgentView:
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            # One Telegram account speaks for one agent at a time.
            await session.execute(
                update(AgentRow)
                .where(AgentRow.telegram_user_id == telegram_user_id, AgentRow.id != agent_id)
                .values(telegram_user_id=None)
            )
            await session.execute(
                update(LoginThrottleRow)
                .where(LoginThrottleRow.telegram_user_id == telegram_user_id)
                .values(failures=0, locked_until=None)
            )
            agent = await session.get_one(AgentRow, agent_id)
            if not agent.is_active:  # disabled while the password was being checked
                raise AuthenticationFailed
            agent.telegram_user_id = telegram_user_id
            agent.failed_logins = 0
            agent.locked_until = None
            agent.last_login_at = now
            await session.commit()
            return agent_view(agent)

    async def _count_failure(
        self, agent_id: int | None, telegram_user_id: int | None
    ) -> datetime | None:
        config = self._ctx.config
        now = self._ctx.clock.now()
        lock_until = now + config.login_lockout
        locked: datetime | None = None
        async with self._ctx.database.write_session() as session:
            if telegram_user_id is not None:
                locked = await _count_telegram_failure(session, telegram_user_id, config, now)
            if agent_id is not None:
                agent = await session.get_one(AgentRow, agent_id, with_for_update=True)
                agent.failed_logins += 1
                if agent.failed_logins >= config.login_max_failures:
                    agent.failed_logins = 0
                    agent.locked_until = locked = lock_until
            await session.commit()
        return locked

    async def logout(self, telegram_user_id: int) -> AgentView | None:
        """End the login bound to this Telegram account; None if there was none."""
        async with self._ctx.database.write_session() as session:
            agent = await session.scalar(
                select(AgentRow).where(AgentRow.telegram_user_id == telegram_user_id)
            )
            if agent is None:
                return None
            agent.telegram_user_id = None
            await session.commit()
            return agent_view(agent)

    async def agent_for(self, telegram_user_id: int) -> AgentView | None:
        """Return the active agent logged in from this Telegram account, if any."""
        async with self._ctx.database.read_session() as session:
            agent = await session.scalar(
                select(AgentRow).where(
                    AgentRow.telegram_user_id == telegram_user_id, AgentRow.is_active.is_(True)
                )
            )
        return agent_view(agent) if agent else None


async def _count_telegram_failure(
    session: AsyncSession, telegram_user_id: int, config: DeskConfig, now: datetime
) -> datetime | None:
    """Count a failed login from a Telegram account; return the lock's end if it locks."""
    throttle = await session.get(LoginThrottleRow, telegram_user_id, with_for_update=True)
    if throttle is None:
        throttle = LoginThrottleRow(
            telegram_user_id=telegram_user_id, failures=0, last_failure_at=now
        )
        session.add(throttle)
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= config.login_max_failures:
        throttle.failures = 0
        throttle.locked_until = now + config.login_lockout
        return throttle.locked_until
    return None


async def revoke_agent_tokens(session: AsyncSession, agent_id: int, now: datetime) -> None:
    """Revoke every API token of an agent, in the caller's transaction."""
    await session.execute(
        update(ApiTokenRow)
        .where(ApiTokenRow.agent_id == agent_id, ApiTokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
