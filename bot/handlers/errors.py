"""The one global error handler: log what went wrong (never message contents), tell the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.context import DeskContext
from bot.i18n import N_, _, staff_gettext

logger = logging.getLogger("bot.errors")

APOLOGY = N_("Something went wrong on our side. Please try again in a moment.")


async def on_error(update: object, context: DeskContext) -> None:
    """Log an unexpected error with where it happened, and apologise in private chats."""
    where = "no update"
    if isinstance(update, Update):
        chat = update.effective_chat
        where = f"update {update.update_id} in chat {chat.id if chat else '?'}"
    logger.error("unexpected error handling %s", where, exc_info=context.error)
    if not isinstance(update, Update) or isinstance(context.error, TelegramError):
        return
    if context.error is not None:  # not a failed answer: what it meant to store may be lost
        context.bot_data.handling_failed(update.update_id, context.error)
    chat, message = update.effective_chat, update.effective_message
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    if update.callback_query is not None:
        return  # the button handler has answered the press already
    if message is not None:
        try:
            await message.reply_text(await _apology(update, context))
        except TelegramError:
            logger.warning("could not tell the user about the error either")


async def _apology(update: Update, context: DeskContext) -> str:
    """The apology in the reader's language: an agent's is STAFF_LANGUAGE, like every staff text."""
    user = update.effective_user
    try:
        is_agent = user is not None and await context.desk.accounts.agent_for(user.id) is not None
    except Exception:  # the database may be what failed: apologise all the same
        is_agent = False
    return staff_gettext(APOLOGY) if is_agent else _(APOLOGY)
