"""The command menus Telegram shows: customers, the staff chat, logged-in agents."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import N_, SHIPPED_LANGUAGES, _, default_language, speaking, staff_gettext

logger = logging.getLogger(__name__)

CUSTOMER_COMMANDS = (
    ("new", N_("Open a new ticket")),
    ("my", N_("Your tickets")),
    ("close", N_("Close your active ticket")),
    ("language", N_("Choose your language")),
    ("cancel", N_("Stop what you are doing")),
    ("help", N_("How this works")),
)
STAFF_CHAT_COMMANDS = (
    ("note", N_("Internal note on this ticket (never sent to the customer)")),
    ("ban", N_("Ban this ticket's customer: /ban [reason]")),
)
AGENT_COMMANDS = (
    ("queue", N_("Tickets, most recent activity first")),
    ("ticket", N_("Show a ticket: /ticket 12")),
    ("reply", N_("Reply to the customer: /reply 12 text")),
    ("note", N_("Internal note: /note 12 text")),
    ("status", N_("Change status: /status 12 pending")),
    ("take", N_("Take a ticket: /take 12")),
    ("assign", N_("Assign: /assign 12 alice")),
    ("priority", N_("Priority: /priority 12 high")),
    ("stats", N_("Figures: /stats today, 7d or 30d")),
    ("search", N_("Find tickets: /search printer status:open")),
    ("tag", N_("Tag a ticket: /tag 12 billing")),
    ("saved", N_("Saved replies: /saved, /saved add NAME text")),
    ("customer", N_("A customer's card: /customer 12")),
    ("merge", N_("Merge a ticket into another: /merge 12 15")),
    ("deadletters", N_("Updates the bot could not read (admins)")),
    ("ban", N_("Ban a customer: /ban 12 [reason]")),
    ("unban", N_("Lift a ban: /unban 12")),
    ("banned", N_("Banned customers")),
    ("help", N_("Agent commands")),
    ("logout", N_("Log out")),
)


def customer_menu(language: str) -> list[BotCommand]:
    """The customers' commands, described in ``language``."""
    with speaking(language):
        return [BotCommand(name, _(description)) for name, description in CUSTOMER_COMMANDS]


def staff_menu(commands: tuple[tuple[str, str], ...]) -> list[BotCommand]:
    """Staff commands, described in ``STAFF_LANGUAGE``."""
    return [BotCommand(name, staff_gettext(description)) for name, description in commands]


def menu_language_code(language: str) -> str:
    """The two-letter code Telegram takes for a menu's language (``pt_BR`` → ``pt``)."""
    return language.split("_", maxsplit=1)[0]


async def set_default_menus(bot: Bot, staff_chat_id: int | None) -> None:
    """Set the customers' menus (one per language, the default one) and the staff chat's."""
    private_chats = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(customer_menu(default_language()), scope=private_chats)
    for language in SHIPPED_LANGUAGES:
        await bot.set_my_commands(
            customer_menu(language),
            scope=private_chats,
            language_code=menu_language_code(language),
        )
    if staff_chat_id is not None:
        try:
            await bot.set_my_commands(
                staff_menu(STAFF_CHAT_COMMANDS), scope=BotCommandScopeChat(staff_chat_id)
            )
        except TelegramError as exc:
            logger.warning("could not set the staff chat's command menu: %s", exc)


async def set_agent_commands(bot: Bot, user_id: int) -> None:
    """Show the agent menu in a logged-in agent's private chat."""
    try:
        await bot.set_my_commands(staff_menu(AGENT_COMMANDS), scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:
        logger.warning("could not set the agent menu for %s: %s", user_id, exc)


async def unset_agent_commands(bot: Bot, user_id: int) -> None:
    """Go back to the customers' menu in that chat."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:
        logger.warning("could not reset the menu for %s: %s", user_id, exc)


async def set_customer_menu(bot: Bot, user_id: int, language: str | None) -> None:
    """Give a customer's chat the menu of the language they chose (None: their app's)."""
    try:
        if language is None:
            await bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
        else:
            await bot.set_my_commands(customer_menu(language), scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:
        logger.warning("could not set the menu for %s: %s", user_id, exc)
