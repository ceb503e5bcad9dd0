"""Dead letters: updates from Telegram that could not be read, kept whole until handled.

An update the bot cannot parse (its library expects a field the server left out, or a
shape it does not know yet) must neither stop the bot nor be lost. The bot records it here
and moves on; admins see it (its update id, kind, when and why, never its content), and a
retry (by hand, or at every start, after an upgrade) feeds it to the handlers again. A dead
letter is never deleted: a handled one keeps its mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.domain.actors import Actor
from core.errors import NotFound, PermissionDenied
from core.services.common import ServiceContext
from core.store.tables import AgentRow, DeadLetterRow

MAX_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An unreadable update and what became of it.

    ``raw`` is the update exactly as Telegram sent it; it holds what people wrote (a
    password, perhaps), so it is left out of the repr and must never be logged.
    """

    update_id: int
    kind: str
    error: str
    attempts: int
    first_seen_at: datetime
    last_tried_at: datetime
    handled_at: datetime | None
    raw: dict[str, Any] = field(repr=False)


class DeadLetterService:
    """Keeping, listing and settling the updates the bot could not read."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def record(
        self, update_id: int, kind: str, raw: dict[str, Any], error: str
    ) -> DeadLetter:
        """Keep an update that could not be read, or count one more failed try at it.

        Args:
            update_id: Telegram's id of the update (one dead letter per id).
            kind: The update's kind (``message``, ``callback_query``...).
            raw: The whole update as received; kept as it was first seen.
            error: Why it could not be read, without any of its content.
        """
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            dialect = session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            statement = insert(DeadLetterRow).values(
                update_id=update_id,
                kind=kind[:64],
                raw=raw,
                error=error[:MAX_ERROR_LENGTH],
                attempts=1,
                first_seen_at=now,
                last_tried_at=now,
                handled_at=None,
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[DeadLetterRow.update_id],
                    set_={
                        "attempts": DeadLetterRow.attempts + 1,
                        "error": statement.excluded.error,
                        "last_tried_at": statement.excluded.last_tried_at,
                        "handled_at": None,
                    },
                )
            )
            await session.commit()
        return await self.get(update_id)

    async def get(self, update_id: int) -> DeadLetter:
        """Return one dead letter, handled or not.

        Raises:
            NotFound: no update with this id was ever kept.
        """
        async with self._ctx.database.read_session() as session:
            row = await session.scalar(
                select(DeadLetterRow).where(DeadLetterRow.update_id == update_id)
            )
        if row is None:
            raise NotFound(f"No unreadable update has the id {update_id}.")
        return _view(row)

    async def letters(
        self, *, by: Actor | None = None, include_handled: bool = False
    ) -> list[DeadLetter]:
        """Return the dead letters, oldest update first; by default only those not handled.

        Args:
            by: Who asks; None for the operator at the console. An agent must be an admin.
            include_handled: Also return those a retry has handled since.

        Raises:
            PermissionDenied: ``by`` is not an active admin agent.
        """
        query = select(DeadLetterRow).order_by(DeadLetterRow.update_id)
        if not include_handled:
            query = query.where(DeadLetterRow.handled_at.is_(None))
        async with self._ctx.database.read_session() as session:
            if by is not None:
                agent = await session.get(AgentRow, by.ref) if by.is_agent else None
                if agent is None or not (agent.is_admin and agent.is_active):
                    raise PermissionDenied("Only an admin agent can see unreadable updates.")
            rows = (await session.scalars(query)).all()
        return [_view(row) for row in rows]

    async def mark_handled(self, update_id: int) -> DeadLetter:
        """Note that a retry has read the update and handed it to the handlers.

        Raises:
            NotFound: no update with this id was ever kept.
        """
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            row = await session.scalar(
                select(DeadLetterRow).where(DeadLetterRow.update_id == update_id)
            )
            if row is None:
                raise NotFound(f"No unreadable update has the id {update_id}.")
            row.handled_at = now
            row.last_tried_at = now
            row.attempts += 1
            await session.commit()
            return _view(row)


def _view(row: DeadLetterRow) -> DeadLetter:
    return DeadLetter(
        update_id=row.update_id,
        kind=row.kind,
        error=row.error,
        attempts=row.attempts,
        first_seen_at=row.first_seen_at,
        last_tried_at=row.last_tried_at,
        handled_at=row.handled_at,
        raw=dict(row.raw),
    )
