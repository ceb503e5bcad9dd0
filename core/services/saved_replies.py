"""Saved replies: texts agents send by name, filled in for the ticket at hand.

A text may hold three placeholders, ``{customer}`` (the customer's name), ``{ticket}``
(``#N``) and ``{agent}`` (the sending agent's username). The front end's formatted form of
the text (for example HTML) is stored beside it and filled the same way, each value passed
through the front end's own escaping, so formatting survives and a name never breaks it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.actors import Actor, ChatRef, NewMessage
from core.errors import InvalidInput, PermissionDenied, SavedReplyNotFound
from core.services.common import ServiceContext, load_ticket, require_agent
from core.services.messages import MAX_TEXT_LENGTH, MessageService
from core.store.tables import AgentRow, SavedReplyRow
from core.views import PostedMessages, SavedReplyPage, SavedReplyView

PLACEHOLDERS = ("customer", "ticket", "agent")
NAME_MAX_LENGTH = 32
_NAME = re.compile(r"[a-z0-9][a-z0-9_\-]*")
_PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")


def normalise_name(raw: str) -> str:
    """A saved reply's name: lower case letters, digits, ``-`` and ``_``, without a ``!``.

    Raises:
        InvalidInput: empty, too long, or with other characters.
    """
    name = raw.strip().lstrip("!").lower()
    if not name or len(name) > NAME_MAX_LENGTH or not _NAME.fullmatch(name):
        raise InvalidInput(
            f"“{raw[:NAME_MAX_LENGTH]}” cannot name a saved reply: use up to "
            f"{NAME_MAX_LENGTH} letters (a–z), digits, - and _."
        )
    return name


def check_placeholders(text: str) -> None:
    """Refuse a placeholder other than ``{customer}``, ``{ticket}`` and ``{agent}``.

    Raises:
        InvalidInput: an unknown placeholder, named.
    """
    for name in _PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            raise InvalidInput(
                f"Unknown placeholder {{{name[:30]}}}: use {{customer}}, {{ticket}} or {{agent}}."
            )


def fill(template: str, values: dict[str, str], escape: Callable[[str], str] = str) -> str:
    """Put the values into a template's placeholders, each passed through ``escape``."""
    return _PLACEHOLDER.sub(
        lambda found: escape(values[found.group(1)]) if found.group(1) in values else found[0],
        template,
    )


@dataclass(frozen=True, slots=True)
class SavedReplyInput:
    """A saved reply as an agent wrote it: plain text and the front end's formatted form."""

    text: str
    formatted: str | None = None


class SavedReplyService:
    """Keeping saved replies, and sending them as public replies."""

    def __init__(self, context: ServiceContext, messages: MessageService) -> None:
        self._ctx = context
        self._messages = messages

    async def add(self, actor: Actor, name: str, reply: SavedReplyInput) -> SavedReplyView:
        """Save a reply under a name (an agent's own may be replaced by saving it again).

        Raises:
            PermissionDenied: not an agent; or the name belongs to another agent's reply and
                the actor is not an admin.
            InvalidInput: a bad name, an empty or too long text, an unknown placeholder.
        """
        require_agent(actor)
        name = normalise_name(name)
        if not reply.text.strip():
            raise InvalidInput(f"Write the reply after its name: /saved add {name} text…")
        if len(reply.text) > MAX_TEXT_LENGTH:
            raise InvalidInput(f"A saved reply is at most {MAX_TEXT_LENGTH} characters.")
        check_placeholders(reply.text)
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            row = await session.scalar(select(SavedReplyRow).where(SavedReplyRow.name == name))
            if row is None:
                row = SavedReplyRow(name=name, author_agent_id=actor.ref, created_at=now)
                session.add(row)
            else:
                await _check_may_change(session, actor, row)
            row.text = reply.text
            row.formatted = reply.formatted
            row.updated_at = now
            try:
                await session.flush()
            except IntegrityError as exc:  # another agent saved the same name just now
                raise InvalidInput(f"A saved reply “{name}” was just saved; try again.") from exc
            view = SavedReplyView(name, row.text, row.formatted, actor.name, now)
            await session.commit()
            return view

    async def delete(self, actor: Actor, name: str) -> None:
        """Delete a saved reply: its author or an admin may.

        Raises:
            PermissionDenied: not an agent, or neither the author nor an admin.
            SavedReplyNotFound: no reply by that name (with the closest names).
        """
        require_agent(actor)
        name = normalise_name(name)
        async with self._ctx.database.write_session() as session:
            row = await _load(session, name)
            await _check_may_change(session, actor, row)
            await session.delete(row)
            await session.commit()

    async def get(self, actor: Actor, name: str) -> SavedReplyView:
        """One saved reply by name.

        Raises:
            PermissionDenied: not an agent.
            SavedReplyNotFound: no reply by that name (with the closest names).
        """
        require_agent(actor)
        async with self._ctx.database.read_session() as session:
            row = await _load(session, normalise_name(name))
            return await _view(session, row)

    async def page(self, actor: Actor, *, offset: int = 0, limit: int = 10) -> SavedReplyPage:
        """A page of saved replies, by name.

        Raises:
            PermissionDenied: not an agent.
        """
        require_agent(actor)
        offset = max(offset, 0)
        async with self._ctx.database.read_session() as session:
            total = int(await session.scalar(select(func.count(SavedReplyRow.id))) or 0)
            rows = list(
                await session.scalars(
                    select(SavedReplyRow).order_by(SavedReplyRow.name).offset(offset).limit(limit)
                )
            )
            views = [await _view(session, row) for row in rows]
        more = offset + limit < total
        return SavedReplyPage(tuple(views), offset + limit if more else None, total)

    async def send(
        self,
        actor: Actor,
        number: int,
        name: str,
        *,
        escape: Callable[[str], str],
        origin: ChatRef | None = None,
    ) -> PostedMessages:
        """Send a saved reply on a ticket, filled in, as a public reply from the agent.

        It goes the way of any reply: to the customer, copied into the ticket's topic,
        counted as the first response.

        Args:
            actor: the agent.
            number: the ticket.
            name: the saved reply's name (a leading ``!`` is ignored).
            escape: the front end's escaping for values put into the formatted form.
            origin: the message that asked for it, so a repeated delivery is refused.

        Raises:
            SavedReplyNotFound: no reply by that name (with the closest names).
            TicketNotFound, TicketClosed, PermissionDenied: as for any reply.
        """
        require_agent(actor)
        async with self._ctx.database.read_session() as session:
            row = await _load(session, normalise_name(name))
            ticket = await load_ticket(session, actor, number)
            values = {
                "customer": ticket.customer.display_name,
                "ticket": f"#{ticket.id}",
                "agent": actor.name,
            }
            text, formatted = row.text, row.formatted
        message = NewMessage(
            text=fill(text, values),
            formatted=fill(formatted, values, escape) if formatted is not None else None,
            origin=origin,
            copyable=False,
        )
        return await self._messages.send_message(actor, number, message)


async def _load(session: AsyncSession, name: str) -> SavedReplyRow:
    row = await session.scalar(select(SavedReplyRow).where(SavedReplyRow.name == name))
    if row is None:
        names: Sequence[str] = list(await session.scalars(select(SavedReplyRow.name)))
        raise SavedReplyNotFound(
            name, tuple(difflib.get_close_matches(name, names, n=3, cutoff=0.5))
        )
    return row


async def _check_may_change(session: AsyncSession, actor: Actor, row: SavedReplyRow) -> None:
    if row.author_agent_id == actor.ref:
        return
    agent = await session.get(AgentRow, actor.ref)
    if agent is None or not agent.is_admin:
        raise PermissionDenied(
            f"The saved reply “{row.name}” is another agent's: only its author or an admin "
            "may change or delete it."
        )


async def _view(session: AsyncSession, row: SavedReplyRow) -> SavedReplyView:
    author = await session.get(AgentRow, row.author_agent_id) if row.author_agent_id else None
    return SavedReplyView(
        row.name, row.text, row.formatted, author.username if author else None, row.updated_at
    )
