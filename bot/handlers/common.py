"""Small helpers every handler uses."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import DeskContext
from core.domain.actors import Actor


async def say(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the chat (and topic) the update came from, as HTML."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_html(
        text, reply_markup=keyboard, do_quote=False, disable_web_page_preview=True
    )


async def agent_actor(update: Update, context: DeskContext) -> Actor | None:
    """Return the logged-in agent behind this update, or None."""
    user = update.effective_user
    if user is None:
        return None
    agent = await context.desk.accounts.agent_for(user.id)
    return Actor.agent(agent.id, agent.username) if agent else None


def parse_number(text: str) -> int | None:
    """Read a ticket number like ``12`` or ``#12``; None when it is not one."""
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit() or len(cleaned) > 18:
        return None
    return int(cleaned)


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
    """Replace (or remove) a message's buttons; an edit that changes nothing is fine."""
    try:
        await query.edit_message_reply_markup(keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
