"""Small helpers every handler uses."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.context import DeskContext
from bot.rendering.refusals import answer_for, staff_answer_for
from core.domain.actors import Actor
from core.errors import DeskError

logger = logging.getLogger(__name__)


async def say(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the chat (and topic) the update came from, as HTML.

    In a group the answer is sent in the background: a group takes 20 messages a minute, and
    waiting for a turn there must not hold up the updates of everybody else.
    """
    message = update.effective_message
    if message is None:
        return None
    answer = message.reply_html(
        text, reply_markup=keyboard, do_quote=False, disable_web_page_preview=True
    )
    if message.chat.type == ChatType.PRIVATE:
        return await answer
    in_background(answer, "answer in a group")
    return None


async def say_all(update: Update, texts: list[str]) -> None:
    """``say`` several messages, in order (in a group, one after the other in the background)."""
    message = update.effective_message
    if message is None:
        return
    if message.chat.type == ChatType.PRIVATE:
        for text in texts:
            await say(update, text)
        return

    async def in_order() -> None:
        for text in texts:
            await message.reply_html(text, do_quote=False, disable_web_page_preview=True)

    in_background(in_order(), "answer in a group")


Handler = Callable[[Update, DeskContext], Coroutine[Any, Any, None]]


def answers_refusals(handler: Handler) -> Handler:
    """Wrap a customer's command or message handler: a ``DeskError`` it raises is answered
    in the chat, in the customer's language.

    Button presses get theirs in ``buttons.on_button``; what is not a ``DeskError`` goes on
    to the global error handler.
    """

    @functools.wraps(handler)
    async def answered(update: Update, context: DeskContext) -> None:
        try:
            await handler(update, context)
        except DeskError as error:
            await say(update, answer_for(error))

    return answered


def answers_staff_refusals(handler: Handler) -> Handler:
    """``answers_refusals`` for the agents' handlers: the refusal in ``STAFF_LANGUAGE``."""

    @functools.wraps(handler)
    async def answered(update: Update, context: DeskContext) -> None:
        try:
            await handler(update, context)
        except DeskError as error:
            await say(update, staff_answer_for(error))

    return answered


_background: set[asyncio.Task[None]] = set()


def in_background(work: Coroutine[Any, Any, object], what: str) -> None:
    """Run ``work`` without waiting for it; log (never raise) what goes wrong."""

    async def guarded() -> None:
        try:
            await work
        except TelegramError as exc:
            logger.warning("could not %s: %s", what, exc)

    task = asyncio.get_running_loop().create_task(guarded())
    _background.add(task)
    task.add_done_callback(_background.discard)


async def agent_actor(update: Update, context: DeskContext) -> Actor | None:
    """Return the logged-in agent behind this update, or None."""
    user = update.effective_user
    if user is None:
        return None
    agent = await context.desk.accounts.agent_for(user.id)
    return Actor.agent(agent.id, agent.username) if agent else None


def parse_number(text: str) -> int | None:
    """Read a ticket number like ``12`` or ``#12``; None when it is not one.

    Only ASCII digits make a number: ``str.isdigit`` also takes ``²`` (which ``int`` refuses)
    and other scripts' digits (``١٢``), which nobody means as a ticket number.
    """
    cleaned = text.strip().lstrip("#")
    if not is_ascii_number(cleaned) or len(cleaned) > 18:
        return None
    return int(cleaned)


def is_ascii_number(text: str) -> bool:
    """Tell whether ``text`` is one or more of the digits 0 to 9, and nothing else."""
    return text.isascii() and text.isdigit()


async def edit_text(
    query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Replace a button's message (HTML); an edit that changes nothing is fine."""
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=keyboard, disable_web_page_preview=True
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def edit_keyboard(query: CallbackQuery, keyboard: InlineKeyboardMarkup | None) -> None:
    """Replace (or remove) a message's buttons; an edit that changes nothing is fine.

    In a group the edit happens in the background (see ``say``).
    """

    async def edit() -> None:
        try:
            await query.edit_message_reply_markup(keyboard)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise

    message = query.message
    if message is not None and message.chat.type != ChatType.PRIVATE:
        in_background(edit(), "change a card's buttons")
        return
    await edit()
