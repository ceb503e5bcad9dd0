"""Finding a customer the way staff name them: ``#N`` (a ticket), ``@username`` or a user id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import CustomerNotFound, InvalidInput, TicketNotFound
from core.store.tables import AgentRow, CustomerRow, TicketRow


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """Who staff mean: the customer of ticket ``ticket``, or the one called ``reference``.

    Attributes:
        ticket: a ticket number; its customer is meant.
        reference: a Telegram ``@username`` or numeric user id.
    """

    ticket: int | None = None
    reference: str | None = None

    @classmethod
    def parse(cls, text: str) -> CustomerRef:
        """Read ``12``/``#12`` (a ticket), ``@ann`` (a username) or ``id:7001`` (a user id).

        Raises:
            InvalidInput: the text is none of these.
        """
        cleaned = text.strip()
        if cleaned.startswith("@") and len(cleaned) > 1:
            return cls(reference=cleaned)
        if cleaned.lower().startswith("id:") and _is_number(cleaned[3:]):
            return cls(reference=cleaned[3:])
        number = cleaned.removeprefix("#")
        if _is_number(number):
            return cls(ticket=int(number))
        raise InvalidInput(
            f"“{cleaned[:40]}” names no customer: give a ticket number (12), "
            "an @username or id:TELEGRAM_ID."
        )

    @classmethod
    def telegram_id_or_username(cls, text: str) -> CustomerRef:
        """Read a Telegram user id (``7001``) or an ``@username``, as the CLI takes them.

        Raises:
            InvalidInput: the text is neither.
        """
        cleaned = text.strip()
        if _is_number(cleaned) or (cleaned.startswith("@") and len(cleaned) > 1):
            return cls(reference=cleaned)
        raise InvalidInput(f"“{cleaned[:40]}” is neither a Telegram user id nor an @username.")

    def __str__(self) -> str:
        return f"#{self.ticket}" if self.ticket is not None else str(self.reference)


async def find_customer(session: AsyncSession, ref: CustomerRef) -> CustomerRow:
    """Load the customer staff mean.

    Raises:
        TicketNotFound: no ticket with that number.
        CustomerNotFound: no customer with that username or id.
    """
    if ref.ticket is not None:
        ticket = await session.get(TicketRow, ref.ticket)
        if ticket is None:
            raise TicketNotFound(ref.ticket)
        return ticket.customer
    reference = (ref.reference or "").strip()
    query = select(CustomerRow)
    if _is_number(reference):
        query = query.where(CustomerRow.telegram_user_id == int(reference))
    else:
        name = reference.removeprefix("@").lower()
        query = query.where(func.lower(CustomerRow.username) == name)
    row = (await session.scalars(query.order_by(CustomerRow.id).limit(1))).first()
    if row is None:
        raise CustomerNotFound(reference)
    return row


async def is_agent_account(session: AsyncSession, telegram_user_id: int) -> bool:
    """Tell whether a Telegram account is linked to an agent (who is never a ban's target)."""
    found = await session.scalar(
        select(AgentRow.id).where(AgentRow.telegram_user_id == telegram_user_id).limit(1)
    )
    return found is not None


def _is_number(text: str) -> bool:
    """Digits 0-9 that fit a 64-bit id (``str.isdigit`` also takes ``²``, which ``int``
    refuses, and other scripts' digits)."""
    return text.isascii() and text.isdigit() and len(text) <= 18
