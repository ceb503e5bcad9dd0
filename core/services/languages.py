"""Customers' languages: the one each chose, beside the one their messenger reports.

Core stores languages as plain tags and renders nothing; which languages exist and what
they say is the front end's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from core.domain.actors import CustomerProfile
from core.errors import InvalidInput
from core.services.common import ServiceContext, upsert_customer
from core.store.tables import CustomerRow

_TAG = re.compile(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,3}")
MAX_TAG_LENGTH = 16


@dataclass(frozen=True, slots=True)
class CustomerLanguage:
    """What is known of a customer's language.

    Attributes:
        chosen: the language they picked (``/language``), None to follow their messenger.
        reported: the language their messenger reports (Telegram's ``language_code``).
    """

    chosen: str | None
    reported: str | None


class LanguageService:
    """Reading and choosing customers' languages."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    async def of_customer(self, telegram_user_id: int) -> CustomerLanguage:
        """The languages of a customer by Telegram user id (both None for a stranger)."""
        async with self._ctx.database.read_session() as session:
            row = (
                await session.execute(
                    select(CustomerRow.language, CustomerRow.language_code).where(
                        CustomerRow.telegram_user_id == telegram_user_id
                    )
                )
            ).one_or_none()
        if row is None:
            return CustomerLanguage(None, None)
        return CustomerLanguage(row.language, row.language_code)

    async def choose(self, profile: CustomerProfile, language: str | None) -> None:
        """Remember the language a customer picked (None: follow their messenger again).

        Raises:
            InvalidInput: the language is not a language tag.
        """
        if language is not None and (
            len(language) > MAX_TAG_LENGTH or not _TAG.fullmatch(language)
        ):
            raise InvalidInput(f"{language[:MAX_TAG_LENGTH]!r} is not a language tag.")
        now = self._ctx.clock.now()
        async with self._ctx.database.write_session() as session:
            customer = await upsert_customer(session, profile, now)
            customer.language = language
            customer.updated_at = now
            await session.commit()
