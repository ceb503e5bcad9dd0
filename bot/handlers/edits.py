"""Edited messages: a customer's or an agent's edit brings the copies of the message in step.

Telegram sends an edit as an ``edited_message`` update carrying the whole new version. The
desk keeps every version; an edit of a message it never stored (one it answered itself, a
command) is ignored without a word, as Telegram users expect.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType

from bot.context import DeskContext
from bot.handlers.common import say
from bot.handlers.saved import saved_name_in
from bot.i18n import N_, staff_gettext
from bot.inbound import command_argument, new_message_from
from bot.rendering.refusals import answer_for, staff_answer_for
from core.domain.actors import ChatRef, NewMessage
from core.errors import InvalidInput

SAVED_REPLY_EDITED = N_(
    "✏️ A saved reply goes out as it was saved: editing <code>!name</code> changes nothing "
    "that was sent. Send the reply again to send another."
)
EDITABLE_COMMANDS = frozenset({"/reply", "/note"})
"""Commands whose text after the command is a stored message (``/reply 12 text``)."""


async def on_edited_message(update: Update, context: DeskContext) -> None:
    """Store the new version of an edited message and have its copies edited to match."""
    message = update.edited_message
    if message is None:
        return
    new = new_version_of(message)
    if _by_staff(message) and saved_name_in(new.text) is not None:
        await say(update, staff_gettext(SAVED_REPLY_EDITED))
        return
    as_note = _command_of(message.text or message.caption or "") == "/note"
    try:
        await context.desk.edits.edit(
            ChatRef(message.chat.id, message.message_id), new, as_note=as_note
        )
    except InvalidInput as exc:
        await say(update, staff_answer_for(exc) if _by_staff(message) else answer_for(exc))


def _command_of(text: str) -> str:
    """The command a text starts with (``/note`` of ``/note@bot text``), or ""."""
    return text.split(maxsplit=1)[0].split("@", 1)[0] if text.startswith("/") else ""


def _by_staff(message: Message) -> bool:
    """An agent's message: in the staff chat, or a ``/reply`` in a private chat."""
    text = message.text or ""
    return message.chat.type != ChatType.PRIVATE or text.startswith("/reply")


def new_version_of(message: Message) -> NewMessage:
    """The edited message as the desk stores it.

    For ``/reply 12 text`` and ``/note 12 text`` (``/note text`` in a topic) only the text
    after the command and the ticket number is the message, as when it was first sent.
    """
    text = message.text or ""
    command = _command_of(text)
    if command not in EDITABLE_COMMANDS:
        return new_message_from(message)
    argument = command_argument(message)
    if message.chat.type != ChatType.PRIVATE:
        return argument  # in the staff topic the ticket is the topic's: no number
    words = argument.text.split(maxsplit=1)
    number = words[0] if words else ""
    body = argument.text[len(number) :]
    formatted = argument.formatted
    if formatted is not None and formatted.startswith(number):
        formatted = formatted[len(number) :].lstrip()
    else:
        formatted = None
    return NewMessage(
        text=body.lstrip(),
        formatted=formatted,
        origin=argument.origin,
        copyable=False,
    )
