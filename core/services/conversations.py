"""Multi-step chats (reporting a ticket, logging in) kept in the database.

Keeping the step in the database, written in the same breath as the answer that asks for
the next input, means a restart or a crash resumes the conversation where it stood.
"""

from __future__ import annotations

from sqlalchemy import delete

from core.flows import codec
from core.flows.states import FlowState
from core.services.common import ServiceContext
from core.store.tables import ConversationRow
from core.store.to_views import conversation_view
from core.views import Conversation


class ConversationService:
    """Reading and writing where a chat's conversation stands."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def get(self, chat_id: int) -> Conversation | None:
        """Return the chat's conversation, or None."""
        async with self._ctx.database.read_session() as session:
            row = await session.get(ConversationRow, chat_id)
        return conversation_view(row) if row is not None else None

    async def set(self, chat_id: int, state: FlowState) -> Conversation:
        """Start or advance the chat's conversation (replacing any other)."""
        now = self._ctx.clock.now()
        flow, step, data = codec.encode(state)
        async with self._ctx.database.write_session() as session:
            row = await session.get(ConversationRow, chat_id)
            if row is None:
                row = ConversationRow(
                    chat_id=chat_id, flow=flow.value, step=step, data=data, updated_at=now
                )
                session.add(row)
            else:
                row.flow, row.step, row.data, row.updated_at = flow.value, step, data, now
            await session.commit()
            return conversation_view(row)

    async def clear(self, chat_id: int) -> bool:
        """End the chat's conversation; tell whether there was one."""
        async with self._ctx.database.write_session() as session:
            result = await session.execute(
                delete(ConversationRow).where(ConversationRow.chat_id == chat_id)
            )
            await session.commit()
            return bool(getattr(result, "rowcount", 0))
