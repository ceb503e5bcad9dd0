"""Answers for what no other handler takes: unknown commands, commands in the wrong chat."""

from __future__ import annotations

from telegram import Update

from bot.context import DeskContext
from bot.handlers import flows, login
from bot.handlers.common import agent_actor, say
from bot.i18n import N_, _, staff_gettext
from bot.rendering.html import cut_graphemes, esc
from core.flows.states import LoginState, LoginStep

UNKNOWN_COMMAND = N_("I do not know the command {command}. /help lists what I understand.")
STAFF_CHAT_ID = N_("This chat's id is <code>{id}</code>. This is the staff chat.")
OTHER_CHAT_ID = N_(
    "This chat's id is <code>{id}</code>. Set STAFF_CHAT_ID to it to make this the staff chat."
)
PRIVATE_COMMAND = N_(
    "{command} works in a private chat with me. Here, use the ticket card's buttons, write in "
    "the ticket's topic to answer, or /note text for an internal note."
)


async def unknown_command(update: Update, context: DeskContext) -> None:
    """Say that a command is unknown, and where the list is (to agents, in the staff group
    or logged in, in ``STAFF_LANGUAGE``)."""
    command, chat = _command_of(update), update.effective_chat
    if command is None or chat is None:
        return
    waiting = await flows.current(context, chat.id)
    if (
        waiting is not None
        and isinstance(waiting.state, LoginState)
        and waiting.state.step is LoginStep.PASSWORD
    ):
        # A password may start with "/": it is the password, deleted, never echoed back.
        await login.on_step(update, context, waiting, waiting.state)
        return
    to_staff = context.staff.is_staff_chat(chat.id) or await agent_actor(update, context)
    translate = staff_gettext if to_staff else _
    await say(
        update,
        translate(UNKNOWN_COMMAND).format(command=esc(cut_graphemes(command, 40))),
    )


async def chat_id_command(update: Update, context: DeskContext) -> None:
    """Tell a group its chat id, for setting ``STAFF_CHAT_ID``."""
    chat = update.effective_chat
    if chat is None:
        return
    configured = context.staff.is_staff_chat(chat.id)
    text = staff_gettext(STAFF_CHAT_ID if configured else OTHER_CHAT_ID)
    await say(update, text.format(id=chat.id))


async def staff_command(update: Update, context: DeskContext) -> None:
    """Answer agents' commands typed in the staff group, which work in private."""
    command = _command_of(update)
    if command is None:
        return
    await say(
        update,
        staff_gettext(PRIVATE_COMMAND).format(command=esc(cut_graphemes(command, 40))),
    )


def _command_of(update: Update) -> str | None:
    """The command a message starts with, without the ``@botname`` part."""
    message = update.effective_message
    if message is None or not message.text:
        return None
    return message.text.split(maxsplit=1)[0].split("@", 1)[0]
