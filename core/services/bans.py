"""Bans: a customer the desk no longer serves.

A banned customer's messages are kept (``held_messages``) but never relayed; they are told
once that the desk no longer answers them, then get silence. A ban closes their open tickets
as "banned" and never touches an agent's account: a Telegram account linked to an agent
cannot be banned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.actors import Actor, CustomerProfile, NewMessage
from core.domain.lifecycle import Mover
from core.domain.moves import move as decide_move
from core.domain.values import Audience, Role, Status
from core.errors import BanRefused, PermissionDenied
from core.services.common import ServiceContext
from core.services.customer_refs import CustomerRef, find_customer, is_agent_account
from core.services.moves import store_outcome, ticket_state
from core.services.notices import Notice
from core.store.tables import (
    AgentRow,
    CustomerBanRow,
    CustomerEventRow,
    CustomerRow,
    HeldMessageRow,
    TicketRow,
    table_of,
)

BANNED = "banned"
"""The reason recorded on tickets a ban closes, and on messages a ban holds."""


@dataclass(frozen=True, slots=True)
class BanView:
    """A ban as staff see it.

    Attributes:
        telegram_user_id: the banned customer's Telegram account.
        name: their display name.
        username: their Telegram username, if any.
        reason: why, as the agent wrote it.
        banned_by: who banned them.
        banned_at: when.
        closed_tickets: the ticket numbers this ban closed (empty when listing, or unbanning).
    """

    telegram_user_id: int
    name: str
    username: str | None
    reason: str | None
    banned_by: str
    banned_at: datetime
    closed_tickets: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class BanScreen:
    """What the front end does with a message from a customer.

    Attributes:
        banned: the sender is banned: relay nothing, answer nothing...
        tell: ...except this once: say that the desk no longer answers them.
    """

    banned: bool
    tell: bool = False


NOT_BANNED = BanScreen(banned=False)


def require_staff(actor: Actor) -> None:
    """Refuse customers: bans are made by agents (or the desk's own console).

    Raises:
        PermissionDenied: the actor is a customer.
    """
    if actor.role is Role.CUSTOMER:
        raise PermissionDenied("Only agents can ban or unban customers.")


async def record_customer_event(
    session: AsyncSession,
    customer_id: int,
    actor: Actor,
    kind: str,
    now: datetime,
    *,
    detail: str | None = None,
) -> None:
    """Add an entry to a customer's audit trail, in the caller's transaction."""
    await session.execute(
        insert(table_of(CustomerEventRow)).values(
            customer_id=customer_id,
            kind=kind,
            actor_role=actor.role.value,
            actor_name=actor.name,
            detail=detail,
            at=now,
        )
    )


class BanService:
    """Banning, unbanning, listing bans, and screening what banned customers write."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def ban(self, actor: Actor, target: CustomerRef, reason: str | None = None) -> BanView:
        """Ban a customer and close their open tickets as "banned".

        Raises:
            PermissionDenied: the actor is a customer.
            TicketNotFound / CustomerNotFound: nobody is meant by ``target``.
            BanRefused: the target is an agent's Telegram account, or banned already.
        """
        require_staff(actor)
        clean_reason = (reason or "").strip()[:500] or None
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            customer = await find_customer(session, target)
            if await is_agent_account(session, customer.telegram_user_id):
                raise BanRefused(
                    f"{target} is the Telegram account of an agent; agents are never banned. "
                    "To stop an agent, use: helpdesk agent disable USERNAME."
                )
            if await session.get(CustomerBanRow, customer.id) is not None:
                raise BanRefused(f"{_name(customer)} is banned already.")
            ban = CustomerBanRow(
                customer_id=customer.id, reason=clean_reason, banned_by=actor.name, banned_at=now
            )
            session.add(ban)
            closed = await self._close_open_tickets(session, customer, actor, now)
            await record_customer_event(
                session, customer.id, actor, "banned", now, detail=clean_reason
            )
            await session.commit()
            return _view(customer, ban, closed)

    async def unban(self, actor: Actor, target: CustomerRef) -> BanView:
        """Lift a ban; the customer is served again from their next message.

        Raises:
            PermissionDenied: the actor is a customer.
            TicketNotFound / CustomerNotFound: nobody is meant by ``target``.
            BanRefused: the customer is not banned.
        """
        require_staff(actor)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            customer = await find_customer(session, target)
            ban = await session.get(CustomerBanRow, customer.id)
            if ban is None:
                raise BanRefused(f"{_name(customer)} is not banned.")
            view = _view(customer, ban, [])
            await session.delete(ban)
            await record_customer_event(session, customer.id, actor, "unbanned", now)
            await session.commit()
            return view

    async def list_bans(self) -> list[BanView]:
        """Every ban, the newest first."""
        async with self._ctx.database.read_session() as session:
            rows = await session.execute(
                select(CustomerRow, CustomerBanRow)
                .join(CustomerBanRow, CustomerBanRow.customer_id == CustomerRow.id)
                .order_by(CustomerBanRow.banned_at.desc(), CustomerRow.id.desc())
            )
            return [_view(customer, ban, []) for customer, ban in rows]

    async def screen(
        self, profile: CustomerProfile, message: NewMessage | None = None
    ) -> BanScreen:
        """Check a sender; when banned, keep their message and say whether to tell them once.

        An agent's Telegram account is never screened out.
        """
        async with self._ctx.database.read_session() as session:
            found = (
                await session.execute(
                    select(CustomerRow.id)
                    .join(CustomerBanRow, CustomerBanRow.customer_id == CustomerRow.id)
                    .where(CustomerRow.telegram_user_id == profile.telegram_user_id)
                    .where(
                        ~select(AgentRow.id)
                        .where(AgentRow.telegram_user_id == profile.telegram_user_id)
                        .exists()
                    )
                )
            ).scalar_one_or_none()
        if found is None:
            return NOT_BANNED
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            ban = await session.get(CustomerBanRow, found)
            if ban is None:  # unbanned a moment ago
                return NOT_BANNED
            if message is not None and message.origin is not None:
                await hold_message(session, found, message, BANNED, now)
            tell = ban.noticed_at is None
            if tell:
                ban.noticed_at = now
            await session.commit()
            return BanScreen(banned=True, tell=tell)

    async def _close_open_tickets(
        self, session: AsyncSession, customer: CustomerRow, actor: Actor, now: datetime
    ) -> list[int]:
        tickets = (
            await session.scalars(
                select(TicketRow)
                .where(TicketRow.customer_id == customer.id)
                .where(TicketRow.status != Status.CLOSED.value)
                .order_by(TicketRow.id)
            )
        ).all()
        news: list[Notice] = []
        for ticket in tickets:
            outcome = decide_move(
                ticket_state(ticket), Status.CLOSED, mover=Mover.AGENT, now=now, reason=BANNED
            )
            news += await store_outcome(session, ticket, actor, outcome, now)
        customer.active_ticket_id = None
        # Staff see the tickets close; the banned customer is told nothing more.
        staff_news = [notice for notice in news if notice.audience is not Audience.CUSTOMER]
        await self._ctx.enqueue(session, staff_news, now)
        return [ticket.id for ticket in tickets]


async def hold_message(
    session: AsyncSession, customer_id: int, message: NewMessage, reason: str, now: datetime
) -> bool:
    """Keep a message without relaying it; tell whether it was new (not a repeated update)."""
    if message.origin is None:
        return False
    existing = await session.scalar(
        select(HeldMessageRow.id).where(
            HeldMessageRow.chat_id == message.origin.chat_id,
            HeldMessageRow.chat_message_id == message.origin.message_id,
        )
    )
    if existing is not None:
        return False
    await session.execute(
        insert(table_of(HeldMessageRow)).values(
            customer_id=customer_id,
            chat_id=message.origin.chat_id,
            chat_message_id=message.origin.message_id,
            reason=reason,
            content=message_content(message),
            created_at=now,
        )
    )
    return True


def message_content(message: NewMessage) -> dict[str, Any]:
    """A held message's content as JSON."""
    attachment = message.attachment
    return {
        "text": message.text,
        "formatted": message.formatted,
        "attachment_kind": attachment.kind.value if attachment else None,
        "attachment_file_id": attachment.file_id if attachment else None,
        "attachment_details": attachment.details if attachment else None,
        "album": message.album,
        "forwarded_from": message.forwarded_from.to_json() if message.forwarded_from else None,
    }


def _name(customer: CustomerRow) -> str:
    return f"@{customer.username}" if customer.username else customer.display_name


def _view(customer: CustomerRow, ban: CustomerBanRow, closed: list[int]) -> BanView:
    return BanView(
        telegram_user_id=customer.telegram_user_id,
        name=customer.display_name,
        username=customer.username,
        reason=ban.reason,
        banned_by=ban.banned_by,
        banned_at=ban.banned_at,
        closed_tickets=tuple(closed),
    )
