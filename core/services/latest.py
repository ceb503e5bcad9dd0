"""Notices where only the newest counts: a change not sent yet is replaced by a newer one.

Such a notice carries a dedupe key made of a fixed start (what it is about) and a unique end;
queueing a newer one first deletes the rows with the same start still waiting, so a burst of
changes (reactions flipped, a message edited again and again) costs one call, not one per
change, and never holds up its lane for long.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from core.store.tables import OutboxRow


def newest_key(start: str) -> str:
    """A dedupe key unique to this change, beginning with ``start``."""
    return f"{start}{uuid.uuid4().hex}"


async def drop_waiting(session: AsyncSession, start: str, now: datetime) -> None:
    """Delete the rows whose dedupe key begins with ``start`` that are not sent, not given
    up on and not held by a dispatcher right now."""
    await session.execute(
        delete(OutboxRow).where(
            OutboxRow.dedupe_key.startswith(start, autoescape=True),
            OutboxRow.sent_at.is_(None),
            OutboxRow.failed_at.is_(None),
            or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now),
        )
    )
