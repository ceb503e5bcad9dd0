"""Bearer tokens of the HTTP API: issuing them at login, checking them, revoking them.

A token is 256 random bits shown once; the desk keeps only its SHA-256 digest, so a copy of
the database holds no usable token. Login tokens expire after a time-to-live the caller
chooses; integration tokens (created from the command line, with a name) do not.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from core.domain.actors import Actor, CustomerProfile
from core.errors import AgentNotFound, CredentialsRejected, InvalidInput
from core.services.accounts import AccountService, normalize_username
from core.services.common import ServiceContext, upsert_customer
from core.services.telegram_login import verify_init_data
from core.store.direct_reads import DirectReads
from core.store.tables import AgentRow, ApiTokenRow, CustomerRow, table_of

TOKEN_BYTES = 32

_tokens, _agents, _customers = (
    table_of(ApiTokenRow),
    table_of(AgentRow),
    table_of(CustomerRow),
)
_TOKEN_HOLDER = (
    select(  # actor_for reads the columns in this order
        _tokens.c.revoked_at,
        _tokens.c.expires_at,
        _tokens.c.agent_id,
        _agents.c.username.label("agent_username"),
        _agents.c.is_active.label("agent_is_active"),
        _customers.c.telegram_user_id.label("customer_telegram_user_id"),
        _customers.c.display_name.label("customer_display_name"),
        _customers.c.username.label("customer_username"),
        _customers.c.language_code.label("customer_language_code"),
    )
    .select_from(_tokens)
    .outerjoin(_agents, _agents.c.id == _tokens.c.agent_id)
    .outerjoin(_customers, _customers.c.telegram_user_id == _tokens.c.customer_telegram_id)
    .where(_tokens.c.digest == bindparam("digest"))
)
"""A token with whoever it speaks for, in one statement (every API request runs it)."""


def token_digest(secret: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just made: the secret (shown once) and when it expires (None: never)."""

    secret: str
    expires_at: datetime | None
    actor: Actor


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A named integration token, without its secret."""

    name: str
    agent: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenService:
    """Logging in over HTTP, and the tokens that carry the login."""

    def __init__(
        self, context: ServiceContext, accounts: AccountService, reads: DirectReads
    ) -> None:
        self._ctx = context
        self._accounts = accounts
        self._reads = reads

    async def login_with_password(
        self, username: str, password: str, ttl: timedelta
    ) -> IssuedToken:
        """Log an agent in with username and password; the Telegram lockout counts too.

        Raises:
            AuthenticationFailed: wrong username or password, or a disabled account.
            AccountLocked: too many failed logins for this account.
        """
        agent = await self._accounts.authenticate(username, password)
        return await self._issue(Actor.agent(agent.id, agent.username), ttl=ttl)

    async def login_with_telegram(
        self, init_data: str, *, bot_token: str, max_age: timedelta, ttl: timedelta
    ) -> IssuedToken:
        """Log in the Telegram user a Mini App's signed data speaks for.

        The agent logged in from that Telegram account gets an agent token; anyone else is a
        customer. Each signed data can be exchanged once.

        Raises:
            CredentialsRejected: forged, stale, malformed or already used data.
        """
        login = verify_init_data(init_data, bot_token, now=self._ctx.clock.now(), max_age=max_age)
        agent = await self._accounts.agent_for(login.profile.telegram_user_id)
        if agent is not None:
            actor = Actor.agent(agent.id, agent.username)
        else:
            actor = Actor.customer(login.profile)
        return await self._issue(actor, ttl=ttl, source=token_digest(login.hash))

    async def create_integration(self, name: str, agent_username: str | None) -> IssuedToken:
        """Make a named, long-lived token that acts as an agent.

        Without ``agent_username`` the token acts as an agent account of its own, called
        like the token and created with a random password nobody knows, so what the
        integration does shows under its name.

        Raises:
            InvalidInput: a malformed name, one another token has (or had: a revoked
                token keeps its name), a disabled agent, or, without ``agent_username``,
                a name an agent already has.
            AgentNotFound: no agent has that username.
        """
        try:
            clean = normalize_username(name)
        except InvalidInput:  # its sentence speaks of a username
            raise InvalidInput(
                f"{name!r} cannot name a token: a name has 2 to 32 characters: letters a–z, "
                "digits, '_', '.' or '-', starting with a letter or digit."
            ) from None
        if await self._name_taken(clean):  # said before whom it would act as
            raise _name_used(clean)
        if agent_username is None:
            # Its own account, new: a person's account of that name is never taken over
            # (the token would act as them, admin rights and all, without saying so).
            try:
                await self._accounts.get_agent(clean)
            except AgentNotFound:
                pass
            else:
                raise InvalidInput(
                    f"An agent is called {clean!r}: name the token otherwise for an account "
                    f"of its own, or add --agent {clean} to make it act as that agent."
                )
            agent = await self._accounts.add_agent(clean, secrets.token_urlsafe(TOKEN_BYTES))
        else:
            agent = await self._accounts.get_agent(agent_username)
        if not agent.is_active:
            raise InvalidInput(f"Agent {agent.username!r} is disabled.")
        return await self._issue(Actor.agent(agent.id, agent.username), name=clean)

    async def _issue(
        self,
        actor: Actor,
        *,
        ttl: timedelta | None = None,
        name: str | None = None,
        source: str | None = None,
    ) -> IssuedToken:
        secret = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._ctx.clock.now()
        expires = now + ttl if ttl is not None else None
        async with self._ctx.database.write_session() as session:
            if actor.profile is not None:
                await upsert_customer(session, actor.profile, now)
            session.add(
                ApiTokenRow(
                    digest=token_digest(secret),
                    name=name,
                    agent_id=actor.ref if actor.is_agent else None,
                    customer_telegram_id=actor.ref if actor.is_customer else None,
                    source_digest=source,
                    created_at=now,
                    expires_at=expires,
                )
            )
            try:
                await session.commit()
            except IntegrityError:
                if source is not None:
                    raise CredentialsRejected(
                        "This Telegram login data was used before; open the app again."
                    ) from None
                raise _name_used(name) from None
        return IssuedToken(secret, expires, actor)

    async def _name_taken(self, name: str) -> bool:
        async with self._ctx.database.read_session() as session:
            found = await session.scalar(select(ApiTokenRow.id).where(ApiTokenRow.name == name))
        return found is not None

    async def actor_for(self, secret: str) -> Actor:
        """Tell who a token speaks for.

        Raises:
            CredentialsRejected: unknown, expired or revoked token, or its agent is disabled.
        """
        now = self._ctx.clock.now()
        digest = token_digest(secret)
        row = await self._reads.first(_TOKEN_HOLDER, {"digest": digest})
        if row is None:
            raise CredentialsRejected("The token is unknown or was revoked; log in again.")
        (
            revoked_at,
            expires_at,
            agent_id,
            agent_username,
            agent_is_active,
            telegram_user_id,
            display_name,
            username,
            language_code,
        ) = row
        if revoked_at is not None:
            raise CredentialsRejected("The token is unknown or was revoked; log in again.")
        if expires_at is not None and expires_at <= now:
            raise CredentialsRejected("The token has expired; log in again.")
        if agent_id is not None:
            if agent_username is None or not agent_is_active:
                raise CredentialsRejected("The token's agent account is disabled.")
            return Actor.agent(agent_id, agent_username)
        if telegram_user_id is None:
            raise CredentialsRejected("The token is unknown or was revoked; log in again.")
        return Actor.customer(
            CustomerProfile(telegram_user_id, display_name, username, language_code)
        )

    async def revoke(self, secret: str) -> None:
        """Revoke one token (a logout); an unknown or revoked token is left as it is."""
        await self._revoke(ApiTokenRow.digest == token_digest(secret))

    async def revoke_named(self, name: str) -> None:
        """Revoke an integration token by name.

        Raises:
            InvalidInput: no live token has that name.
        """
        if not await self._revoke(ApiTokenRow.name == name.strip().lower()):
            raise InvalidInput(f"No live token is called {name!r}.")

    async def _revoke(self, which: ColumnElement[bool]) -> bool:
        async with self._ctx.database.write_session() as session:
            result = await session.execute(
                update(ApiTokenRow)
                .where(which, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=self._ctx.clock.now())
            )
            await session.commit()
        return bool(getattr(result, "rowcount", 0))

    async def list_named(self) -> list[TokenInfo]:
        """List the integration tokens, by name."""
        async with self._ctx.database.read_session() as session:
            rows = await session.execute(
                select(ApiTokenRow, AgentRow.username)
                .outerjoin(AgentRow, ApiTokenRow.agent_id == AgentRow.id)
                .where(ApiTokenRow.name.is_not(None))
                .order_by(ApiTokenRow.name)
            )
            return [
                TokenInfo(row.name or "", username, row.created_at, row.expires_at, row.revoked_at)
                for row, username in rows
            ]


def _name_used(name: str | None) -> InvalidInput:
    return InvalidInput(
        f"A token called {name!r} was made before (a name is never used again, even once "
        "revoked); choose another name."
    )
