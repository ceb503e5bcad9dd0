"""Customers' plain messages of a fetched batch, stored together before anything else.

Most of what a desk receives is customers writing on their open ticket. Polling hands each
batch here first (``bot.polling.BatchIntake``): every chat's leading run of plain private
messages goes to the desk in one call (``desk.batches.customer_messages``), one
transaction for the whole batch. The desk stores what is the common case and leaves the
rest (a conversation going on, an agent, a banned customer, no open ticket...) to the
handlers, one update at a time, after the stored ones, so each chat keeps its order. What
the handlers would have answered (slow down, ticket reopened) is answered after the commit,
in the customer's language.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import filters

from bot.context import BotServices
from bot.handlers import comment
from bot.handlers.private import tell_posted
from bot.i18n import customer_language, set_language
from bot.inbound import chat_in_order, new_message_from, profile_of, unsupported_kind
from core.services.customer_batch import BatchedWrite, CustomerMessage, Taken
from core.views import OutboxItem, PostedMessages

logger = logging.getLogger(__name__)

PLAIN_PRIVATE = (
    filters.ChatType.PRIVATE
    & filters.UpdateType.MESSAGE
    & ~filters.COMMAND
    & ~filters.StatusUpdate.ALL
)
"""A plain private message: what ``on_private_message`` handles."""

FollowUp = Callable[[], Awaitable[None]]


class PlainMessages:
    """Store the customers' plain messages of a batch in one go (``bot.polling.BatchIntake``).

    Args:
        services: the application's ``bot_data``.
        bot_id: the bot's own user id (a reply to its comment prompt is not plain).
    """

    def __init__(self, services: BotServices, bot_id: int) -> None:
        self._services = services
        self._bot_id = bot_id

    async def take(self, updates: Sequence[Update]) -> dict[int, FollowUp | None]:
        """Store what the desk takes; return its update ids, each with what is left to do.

        Raises:
            Exception: whatever the desk raised; nothing of the batch was stored then.
        """
        runs = self._leading_runs(updates)
        if not runs:
            return {}
        outcomes = await self._store([item for _, item in runs])
        taken: dict[int, FollowUp | None] = {}
        for (update, _), outcome in zip(runs, outcomes, strict=True):
            if outcome.taken is Taken.LEFT:
                continue
            posted = outcome.posted
            needs_answer = posted is not None and (posted.slowed or posted.reopened)
            taken[update.update_id] = self._answer(update, posted) if needs_answer else None
        return taken

    async def _store(self, items: list[CustomerMessage]) -> list[BatchedWrite]:
        """Store the items; what they queue is claimed in the same transaction when the
        dispatcher is idle (their copies go out without a claim of their own), else the
        dispatcher is kicked.
        """
        desk, services = self._services.desk, self._services
        claim = services.idle_claim()
        if claim is None:
            outcomes = await desk.batches.customer_messages(items)
            if any(outcome.taken is not Taken.LEFT for outcome in outcomes):
                services.deliver_now()
            return outcomes
        claimed: list[OutboxItem] = []
        try:
            stored = await desk.batches.customer_messages_claiming(items, claim)
            claimed = stored.claimed or []
        finally:  # handed back even when the write failed, or the dispatcher waits for it
            await services.take_claimed(claim, claimed)
        return stored.outcomes

    def _leading_runs(self, updates: Sequence[Update]) -> list[tuple[Update, CustomerMessage]]:
        """Each private chat's updates up to its first that is not a plain message, in order.

        Nothing after the batch's first update from outside a private chat is taken: a
        ``/ban``, a close or a merge in the staff group acts before the customer messages
        that came after it, as it does one update at a time.
        """
        run: list[tuple[Update, CustomerMessage]] = []
        cut: set[int | None] = set()
        for update in updates:
            chat = update.effective_chat
            if chat is None or chat.type != ChatType.PRIVATE:
                break
            chat_id = chat_in_order(update)
            if chat_id in cut:
                continue
            item = self._plain(update)
            if item is not None:
                run.append((update, item))
            else:
                cut.add(chat_id)
        return run

    def _plain(self, update: Update) -> CustomerMessage | None:
        """A customer's own message with nothing to decide before storing it, else None."""
        message, user = update.message, update.effective_user
        if message is None or user is None or user.is_bot:
            return None
        if not PLAIN_PRIVATE.check_update(update):
            return None
        if (
            message.reply_to_message is not None
            or message.is_topic_message
            or message.media_group_id is not None
            or comment.prompt_answered(message, self._bot_id) is not None
            or unsupported_kind(message) is not None
        ):
            return None
        try:
            return CustomerMessage(profile_of(user), new_message_from(message))
        except Exception as exc:  # an odd message: the handlers answer it, on its own
            logger.debug(
                "update %s left to the handlers (%s)", update.update_id, type(exc).__name__
            )
            return None

    def _answer(self, update: Update, posted: PostedMessages | None) -> FollowUp:
        async def answer() -> None:
            user = update.effective_user
            if user is None or posted is None:
                return
            try:
                chosen = await self._services.languages.chosen(self._services.desk, user.id)
                set_language(customer_language(chosen, user.language_code))
                await tell_posted(update, posted)
            except Exception as exc:  # stored already: an answer lost is logged, not retried
                logger.warning(
                    "could not answer update %s after storing it (%s)",
                    update.update_id,
                    type(exc).__name__,
                )

        return answer
