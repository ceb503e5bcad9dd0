"""Every button press: decoded, routed by scope, and always answered."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.callback_data import Press, StaleButton, decode
from bot.context import DeskContext
from bot.handlers import agent_tools, console, customer, human_check, my_data
from bot.i18n import N_, _, staff_gettext
from bot.rendering.refusals import alert_for, staff_alert_for
from core.errors import DeskError

logger = logging.getLogger(__name__)
SORRY = N_("Something went wrong on our side. Please try again.")


async def on_button(update: Update, context: DeskContext) -> None:
    """Route a button press and answer it, whatever happens (a short text when useful)."""
    query = update.callback_query
    if query is None:
        return
    staff = _by_staff(update, context)
    answer: str | None = staff_gettext(SORRY) if staff else _(SORRY)
    try:
        answer = await _route(update, context)
    except DeskError as error:
        answer = staff_alert_for(error) if staff else alert_for(error)
    finally:
        try:
            text = answer[:200] if answer else None
            await query.answer(text, show_alert=bool(text and len(text) > 60))
        except TelegramError as exc:  # too old to answer; the action itself is done
            logger.info("could not answer a button press: %s", exc)


STAFF_SCOPES = frozenset({"t", "a", "q"})
"""Button scopes of the agents' (card, console and tool buttons): answered in
``STAFF_LANGUAGE``; the others in the presser's own language."""


def _by_staff(update: Update, context: DeskContext) -> bool:
    """A press of an agents' button, or of any button in the staff group."""
    query = update.callback_query
    if query is None:
        return False
    press = decode(query.data)
    if press is not None and press.scope in STAFF_SCOPES:
        return True
    message = query.message
    return message is not None and context.staff.is_staff_chat(message.chat.id)


async def _route(update: Update, context: DeskContext) -> str | None:
    query = update.callback_query
    press = decode(query.data if query else None)
    if query is None or press is None:
        raise StaleButton
    if press.scope == "t":
        return await console.on_ticket_button(update, context, press)
    if press.scope == "a":
        return await agent_tools.on_tool_button(update, context, press)
    if press.scope == "q":
        return await console.on_queue_button(update, context, press)
    in_private = query.message is not None and query.message.chat.type == ChatType.PRIVATE
    customers_own = PRIVATE_SCOPES.get(press.scope)
    if customers_own is not None and in_private:
        return await customers_own(update, context, press)
    raise StaleButton


PRIVATE_SCOPES: dict[str, Callable[[Update, DeskContext, Press], Awaitable[str | None]]] = {
    "c": customer.on_customer_button,
    "d": my_data.on_data_press,  # /forgetme's confirmation
    "h": human_check.on_check_press,  # a newcomer's human check
}
"""Button scopes that only a customer's private chat has."""
