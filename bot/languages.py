"""The languages customers chose, as this process has read them: one query per customer.

Every update is answered in its sender's language, so the choice is needed before any
handler runs; reading it from the database once per customer (and remembering choices
made here) keeps that off the hot path.
"""

from __future__ import annotations

from core.desk import Desk

MAX_REMEMBERED = 50_000


class LanguageChoices:
    """Customers' chosen languages by Telegram user id (None: they follow their app)."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self._chosen: dict[int, str | None] = {}
        self._limit = limit

    async def chosen(self, desk: Desk, user_id: int) -> str | None:
        """The language a customer chose, read from the desk the first time."""
        if user_id in self._chosen:
            return self._chosen[user_id]
        found = (await desk.languages.of_customer(user_id)).chosen
        self.remember(user_id, found)
        return found

    def remember(self, user_id: int, chosen: str | None) -> None:
        """Keep a choice (made here, or just read)."""
        if len(self._chosen) >= self._limit and user_id not in self._chosen:
            self._chosen.clear()  # simple and bounded: everybody is read again once
        self._chosen[user_id] = chosen
