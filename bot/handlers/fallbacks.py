"""Answers for what no other handler takes: unknown commands, commands in the wrong chat."""

from __future__ import annotations

from telegram import Update

from bot.context import DeskContext
from bot.handlers.common import say
from bot.i18n import _
from bot.rendering.html import esc


async def unknown_command(update: Update, context: DeskContext) -> None:
    """Say that a command is unknown, and where the list is."""
    command = _command_of(update)
    if command is None:
        return
    await say(
        update,
        _("I do not know the command {command}. /help lists what I understand.").format(
            command=esc(command[:40])
        ),
    )


async def chat_id_command(update: Update, context: DeskContext) -> None:
    """Tell a group its chat id, for setting ``STAFF_CHAT_ID``."""
    chat = update.effective_chat
    if chat is None:
        return
    configured = context.staff.is_staff_chat(chat.id)
    note = (
        "This is the staff chat."
        if configured
        else "Set STAFF_CHAT_ID to it to make this the staff chat."
    )
    await say(update, f"This chat's id is <code>{chat.id}</code>. {note}")


async def staff_command(update: Update, context: DeskContext) -> None:
    """Answer agents' commands typed in the staff group, which work in private."""
    command = _command_of(update)
    if command is None:
        return
    await say(
        update,
        f"{esc(command[:40])} works in a private chat with me. Here, use the ticket card's "
        "buttons, write in the ticket's topic to answer, or /note text for an internal note.",
    )


def _command_of(update: Update) -> str | None:
    """The command a message starts with, without the ``@botname`` part."""
    message = update.effective_message
    if message is None or not message.text:
        return None
    return message.text.split(maxsplit=1)[0].split("@", 1)[0]
