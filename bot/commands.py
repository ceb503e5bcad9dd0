"""The command menus Telegram shows: customers, the staff chat, logged-in agents."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

logger = logging.getLogger(__name__)

CUSTOMER_COMMANDS = [
    BotCommand("new", "Open a new ticket"),
    BotCommand("my", "Your tickets"),
    BotCommand("close", "Close your active ticket"),
    BotCommand("cancel", "Stop what you are doing"),
    BotCommand("help", "How this works"),
]
STAFF_CHAT_COMMANDS = [
    BotCommand("note", "Internal note on this ticket (never sent to the customer)"),
    BotCommand("ban", "Ban this ticket's customer: /ban [reason]"),
]
AGENT_COMMANDS = [
    BotCommand("queue", "Tickets, most recent activity first"),
    BotCommand("ticket", "Show a ticket: /ticket 12"),
    BotCommand("reply", "Reply to the customer: /reply 12 text"),
    BotCommand("note", "Internal note: /note 12 text"),
    BotCommand("status", "Change status: /status 12 pending"),
    BotCommand("take", "Take a ticket: /take 12"),
    BotCommand("assign", "Assign: /assign 12 alice"),
    BotCommand("priority", "Priority: /priority 12 high"),
    BotCommand("stats", "Figures: /stats today, 7d or 30d"),
    BotCommand("ban", "Ban a customer: /ban 12 [reason]"),
    BotCommand("unban", "Lift a ban: /unban 12"),
    BotCommand("banned", "Banned customers"),
    BotCommand("help", "Agent commands"),
    BotCommand("logout", "Log out"),
]


async def set_default_menus(bot: Bot, staff_chat_id: int | None) -> None:
    """Set the customers' menu and the staff chat's menu."""
    await bot.set_my_commands(CUSTOMER_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    if staff_chat_id is not None:
        try:
            await bot.set_my_commands(STAFF_CHAT_COMMANDS, scope=BotCommandScopeChat(staff_chat_id))
        except TelegramError as exc:
            logger.warning("could not set the staff chat's command menu: %s", exc)


async def set_agent_commands(bot: Bot, user_id: int) -> None:
    """Show the agent menu in a logged-in agent's private chat."""
    try:
        await bot.set_my_commands(AGENT_COMMANDS, scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:
        logger.warning("could not set the agent menu for %s: %s", user_id, exc)


async def unset_agent_commands(bot: Bot, user_id: int) -> None:
    """Go back to the customers' menu in that chat."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:
        logger.warning("could not reset the menu for %s: %s", user_id, exc)
