"""Every button press: decoded, routed by scope, and always answered."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.callback_data import decode
from bot.context import DeskContext
from bot.handlers import console, customer

logger = logging.getLogger(__name__)
STALE = "This button is not valid any more."


async def on_button(update: Update, context: DeskContext) -> None:
    """Route a button press and answer it (with a short text when there is something to say)."""
    query = update.callback_query
    if query is None:
        return
    press = decode(query.data)
    answer: str | None = STALE
    if press is not None:
        if press.scope == "t":
            answer = await console.on_ticket_button(update, context, press)
        elif press.scope == "q":
            answer = await console.on_queue_button(update, context, press)
        elif (
            press.scope == "c"
            and query.message is not None
            and query.message.chat.type == ChatType.PRIVATE
        ):
            answer = await customer.on_customer_button(update, context, press)
    try:
        await query.answer(
            answer[:200] if answer else None, show_alert=bool(answer and len(answer) > 60)
        )
    except BadRequest as exc:  # the query is too old to answer; the action itself is done
        logger.info("could not answer button press: %s", exc)
