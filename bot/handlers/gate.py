"""The gate every update passes first: banned customers and groups that are not ours.

A banned customer's message is kept and answered once, then silence. The bot answers only in
private chats and in the staff chat: added to another group, it says one line there and
leaves. Until ``STAFF_CHAT_ID`` is set, groups are let through, so ``/chatid`` works during
setup.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import DeskContext
from bot.handlers.common import say
from bot.inbound import new_message_from, profile_of

logger = logging.getLogger(__name__)

BANNED_NOTICE = (
    "🚫 This support desk no longer answers you. Your messages are not passed on. "
    "/mydata sends you what the desk holds about you; /forgetme erases it."
)
FOREIGN_GROUP_LINE = "This is a private support bot; it works only in a private chat. Leaving."
ANSWERED_WHILE_BANNED = frozenset({"/mydata", "/forgetme"})
"""A banned customer may still see or erase their data."""
DATA_BUTTON_SCOPE = "d:"


async def screen_update(update: Update, context: DeskContext) -> None:
    """Stop updates from banned customers and from groups that are not the staff chat."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or user.is_bot:
        return
    if chat.type == ChatType.PRIVATE:
        await _screen_customer(update, context)
    elif chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        await _screen_group(update, context)


async def _screen_customer(update: Update, context: DeskContext) -> None:
    user, message, query = update.effective_user, update.message, update.callback_query
    if user is None or _about_own_data(update):
        return
    stored = new_message_from(message) if message is not None else None
    screen = await context.desk.bans.screen(profile_of(user), stored)
    if not screen.banned:
        return
    if screen.tell:
        await say(update, BANNED_NOTICE)
    if query is not None:
        try:
            await query.answer()
        except TelegramError as exc:
            logger.info("could not answer a banned customer's button press: %s", exc)
    raise ApplicationHandlerStop


def _about_own_data(update: Update) -> bool:
    query = update.callback_query
    if query is not None:
        return (query.data or "").startswith(DATA_BUTTON_SCOPE)
    message = update.message
    if message is None or not message.text:
        return False
    return message.text.split(maxsplit=1)[0].split("@", 1)[0] in ANSWERED_WHILE_BANNED


async def _screen_group(update: Update, context: DeskContext) -> None:
    chat = update.effective_chat
    staff = context.staff
    if chat is None or staff.chat_id is None or staff.is_staff_chat(chat.id):
        return  # during setup every group may ask /chatid
    message = update.effective_message
    if chat.id not in context.bot_data.left_chats:
        context.bot_data.left_chats.add(chat.id)
        logger.warning("leaving the group %r (%s): it is not the staff chat", chat.title, chat.id)
        if message is not None and _may_speak(message):
            try:
                await message.reply_text(FOREIGN_GROUP_LINE, do_quote=False)
            except TelegramError as exc:
                logger.info("could not say goodbye in %s: %s", chat.id, exc)
        try:
            await context.bot.leave_chat(chat.id)
        except TelegramError as exc:
            logger.warning("could not leave the group %s: %s", chat.id, exc)
    raise ApplicationHandlerStop


def _may_speak(message: Message) -> bool:
    """A removal or a leave is not answered; anything else (joining, writing) is."""
    return message.left_chat_member is None
