"""The update queue behind ``getUpdates``: ids, confirmation by offset and long polling.

Like Telegram, an update stays in the queue and is delivered again by every ``getUpdates``
until a later call confirms it with ``offset`` greater than its id. A new ``getUpdates``
ends one that is still waiting with 409 Conflict, as Telegram does when two bot instances
poll at once.
"""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from sandbox.botapi.errors import updates_conflict
from sandbox.botapi.sequences import IdSequence

MAX_UPDATES_PER_CALL = 100

Update = dict[str, Any]


def update_type(update: Update) -> str:
    """The update's kind: ``message``, ``edited_message``, ``callback_query``..."""
    return next(key for key in update if key != "update_id")


class UpdateQueue:
    """Updates waiting for the bot, plus the history of everything ever queued."""

    def __init__(self) -> None:
        """Start with no updates; the first update id is 1."""
        self._ids = IdSequence(1)
        self._pending: list[Update] = []
        self._history: list[Update] = []
        self._arrived = asyncio.Event()
        self._poll_generation = 0
        self._closed = False
        self.queued_at: dict[int, float] = {}
        self.delivered_at: dict[int, float] = {}

    @property
    def pending(self) -> list[Update]:
        """Updates not yet confirmed by the bot (copies)."""
        return copy.deepcopy(self._pending)

    @property
    def history(self) -> list[Update]:
        """Every update ever queued, in order (copies)."""
        return copy.deepcopy(self._history)

    def find(self, update_id: int) -> Update | None:
        """A queued (or already confirmed) update by id."""
        found = next((u for u in self._history if u["update_id"] == update_id), None)
        return copy.deepcopy(found)

    def push(self, kind: str, payload: dict[str, Any]) -> Update:
        """Queue ``{"update_id": N, kind: payload}`` and wake a waiting ``getUpdates``."""
        update: Update = {"update_id": next(self._ids), kind: copy.deepcopy(payload)}
        self.queued_at[update["update_id"]] = time.monotonic()
        self._pending.append(update)
        self._history.append(update)
        self._wake()
        return copy.deepcopy(update)

    def timings(self) -> list[dict[str, Any]]:
        """When each update was queued and first handed out, with its chat and message ids."""
        rows = []
        for update in self._history:
            update_id = update["update_id"]
            message = update.get("message") or update.get("edited_message") or {}
            rows.append(
                {
                    "update_id": update_id,
                    "queued_at": self.queued_at.get(update_id),
                    "delivered_at": self.delivered_at.get(update_id),
                    "chat_id": (message.get("chat") or {}).get("id"),
                    "message_id": message.get("message_id"),
                }
            )
        return rows

    def drop_pending(self) -> None:
        """Forget undelivered updates (``deleteWebhook(drop_pending_updates=True)``)."""
        self._pending.clear()

    def close(self) -> None:
        """Answer every waiting ``getUpdates`` now (server shutdown)."""
        self._closed = True
        self._wake()

    def reopen(self) -> None:
        """Accept long polls again after :meth:`close`."""
        self._closed = False

    async def get(
        self,
        *,
        offset: int | None,
        limit: int | None,
        wait_seconds: float,
        allowed_updates: list[str] | None,
    ) -> list[Update]:
        """Answer one ``getUpdates`` call.

        Args:
            offset: Confirms every update with a smaller id; negative keeps only the last
                ``-offset`` updates.
            limit: At most this many updates (1-100, default 100).
            wait_seconds: The call's ``timeout``: how long to wait when nothing is pending.
            allowed_updates: Update kinds to deliver; None or empty delivers all.

        Raises:
            ApiError: 409 Conflict when another ``getUpdates`` starts while this one waits.
        """
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()
        count = max(1, min(limit or MAX_UPDATES_PER_CALL, MAX_UPDATES_PER_CALL))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, wait_seconds)
        while True:
            batch = self._select(count, allowed_updates)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closed:
                return batch
            arrived = self._arrived
            try:
                await asyncio.wait_for(arrived.wait(), remaining)
            except TimeoutError:
                return []
            if generation != self._poll_generation:
                raise updates_conflict()

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            del self._pending[: max(0, len(self._pending) + offset)]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def _select(self, count: int, allowed_updates: list[str] | None) -> list[Update]:
        allowed = set(allowed_updates or ())
        wanted = [u for u in self._pending if not allowed or update_type(u) in allowed][:count]
        now = time.monotonic()
        for update in wanted:
            self.delivered_at.setdefault(update["update_id"], now)
        return copy.deepcopy(wanted)

    def _wake(self) -> None:
        """Release current waiters; later waiters wait on a fresh event."""
        self._arrived.set()
        self._arrived = asyncio.Event()
