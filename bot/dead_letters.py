"""Keeping unreadable updates as dead letters, and feeding them to the handlers again.

A retry parses a dead letter with the library installed now (an upgrade may read what the
old one could not) and hands it to the same handlers as a fresh update; the desk's duplicate
checks make a second handling harmless.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from telegram import Update

from bot.context import UpdateHandling
from bot.raw_updates import UnreadableUpdate, read_update
from core.services.dead_letters import DeadLetter

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryOutcome:
    """What a retry did: the update ids handled now, and those still unreadable."""

    handled: list[int]
    unreadable: list[int]
    failed: list[int] = field(default_factory=list)  # read, but a handler raised again


async def keep_dead_letter(application: UpdateHandling, unreadable: UnreadableUpdate) -> None:
    """Store an update that could not be read, and say so in the log (without its content).

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the database refused it (the caller must not confirm
            the update to Telegram then).
    """
    letter = await application.bot_data.desk.dead_letters.record(
        unreadable.update_id, unreadable.kind, unreadable.raw, unreadable.error
    )
    logger.warning(
        "update %s (%s, chat %s) cannot be read: %s; kept as a dead letter (tries: %s). "
        "Admins see it with /deadletters or `helpdesk updates list`.",
        unreadable.update_id,
        unreadable.kind,
        unreadable.chat_id if unreadable.chat_id is not None else "?",
        unreadable.error,
        letter.attempts,
    )


async def keep_failed_update(application: UpdateHandling, update: Update, error: str) -> None:
    """Keep an update a handler raised on as a dead letter, to be handled again later.

    A handler that fails (the database locked or gone, a bug) leaves the update perhaps not
    stored; kept, it is tried again at every start and by ``helpdesk updates retry``, where
    the desk's duplicate checks make a second handling harmless.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the database refused it (the caller must not confirm
            the update to Telegram then).
    """
    raw = json.loads(update.to_json())
    kinds = [key for key in raw if key != "update_id"]
    kind = kinds[0] if kinds else "unknown"
    letter = await application.bot_data.desk.dead_letters.record(
        update.update_id, kind, raw, f"a handler raised {error}"
    )
    logger.warning(
        "update %s (%s) failed in its handler (%s); kept as a dead letter (tries: %s). "
        "Admins see it with /deadletters or `helpdesk updates list`.",
        update.update_id,
        kind,
        error,
        letter.attempts,
    )


async def retry_dead_letters(
    application: UpdateHandling, update_ids: Sequence[int] | None = None
) -> RetryOutcome:
    """Parse dead letters again and hand those that read now to the handlers.

    Args:
        application: An initialized application (its handlers, its bot).
        update_ids: Just these (handled ones are handled again); None for every one not
            handled yet.

    Raises:
        NotFound: one of ``update_ids`` was never kept.
    """
    desk = application.bot_data.desk
    letters: list[DeadLetter]
    if update_ids is None:
        letters = await desk.dead_letters.letters()
    else:
        letters = [await desk.dead_letters.get(update_id) for update_id in update_ids]
    outcome = RetryOutcome(handled=[], unreadable=[])
    for letter in letters:
        read = read_update(letter.raw, application.bot)
        if isinstance(read, UnreadableUpdate):
            await desk.dead_letters.record(letter.update_id, letter.kind, letter.raw, read.error)
            outcome.unreadable.append(letter.update_id)
            continue
        await application.process_update(read)
        failure = application.bot_data.failure_of(letter.update_id)
        if failure is not None:
            await desk.dead_letters.record(
                letter.update_id, letter.kind, letter.raw, f"a handler raised {failure}"
            )
            outcome.failed.append(letter.update_id)
            continue
        await desk.dead_letters.mark_handled(letter.update_id)
        logger.info("dead letter %s (%s) read and handled", letter.update_id, letter.kind)
        outcome.handled.append(letter.update_id)
    return outcome
