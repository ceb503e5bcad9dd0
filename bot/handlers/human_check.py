"""The human check: a newcomer's first ticket in a swarm opens when they tap a button.

A script that types text does not tap; a person does, once, and their topic opens.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callback_data import Press, encode
from bot.context import DeskContext
from bot.handlers.common import edit_text, say
from bot.i18n import _
from bot.inbound import profile_of
from core.errors import TicketNotFound

SCOPE = "h"


async def ask_if_waiting(update: Update, context: DeskContext, number: int) -> bool:
    """Ask for the tap when the ticket waits for it; tell whether it does."""
    if not await context.desk.floods.awaiting_check(number):
        return False
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✅ I am a person: open my ticket"),
                    callback_data=encode(SCOPE, "ok", number),
                )
            ]
        ]
    )
    await say(
        update,
        _(
            "📝 Your ticket #{number} is saved. Many people are writing right now: tap the "
            "button to open it for our team."
        ).format(number=number),
        keyboard,
    )
    return True


async def on_check_press(update: Update, context: DeskContext, press: Press) -> str | None:
    """Open the ticket whose check was tapped; return the answer for the press."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or press.action != "ok" or press.number is None:
        return _("This button is not valid any more.")
    try:
        ticket = await context.desk.floods.confirm_human(profile_of(user), press.number)
    except TicketNotFound:
        return _("This ticket is open already.")
    await edit_text(
        query, _("📝 Thank you. Opening ticket #{number}…").format(number=ticket.number)
    )
    return None
